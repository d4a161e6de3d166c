#!/usr/bin/env bash
# `make test-slow`: the slow suites (test/slow/), each on a stack of its own (its own name prefix, loopback
# address and state backend), as two mocha runs side by side: the lifecycle (the dev stack, `make up`,
# every container lost and healed, `make destroy`) beside prod-stack then upgrade. One after the other they
# took about 28 min of CI; much of it is waiting (a settled Connect group, a broker down for a minute).
# Each run ends with its own "mocha: N passed, N failed, N pending" line, which .ci/run checks; the
# lifecycle's output is printed whole after the other's, never interleaved. Exit: non-zero if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
slow_mocha() {
  npx mocha --no-config --require ts-node/register/transpile-only --extension ts --timeout 5400000 \
    --forbid-pending --forbid-only --reporter test/support/summary-reporter.js "$@"
}
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
t0=$SECONDS
slow_mocha test/slow/lifecycle.test.ts >"$log" 2>&1 &
lifecycle=$!
status=0
slow_mocha test/slow/prod-stack.test.ts test/slow/upgrade.test.ts || status=$?
echo "test-slow: prod-stack and upgrade done after $((SECONDS - t0)) s (exit $status); waiting for the lifecycle run"
wait "$lifecycle" || status=$?
echo "--- test/slow/lifecycle.test.ts (run beside the above)"
cat "$log"
echo "test-slow: done after $((SECONDS - t0)) s (exit $status)"
exit "$status"
