#!/usr/bin/env bash
# `make test-slow`: the slow suites (test/slow/), each on a stack of its own (its own name prefix, loopback
# address and state backend), as two mocha runs side by side: the lifecycle (the dev stack, `make up`,
# every container lost and healed, `make destroy`) beside prod-stack then upgrade, which start once the
# lifecycle's stack is up. One after the other they
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
# The two deploys are not run at once: with both stacks (and a third) starting their JVMs on 2 cores, a
# broker missed its 5-min health wait. prod-stack starts once the lifecycle's stack is up (its CDC job and
# maintenance containers healthy), or the lifecycle run has ended, or after 10 min at most.
healthy() { [ "$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null)" = healthy ]; }
for _ in $(seq 120); do
  kill -0 "$lifecycle" 2>/dev/null || break
  healthy lakehouse-e2e-heal-cdc-mirror && healthy lakehouse-e2e-heal-maintenance && break
  sleep 5
done
echo "test-slow: prod-stack and upgrade start after $((SECONDS - t0)) s"
status=0
slow_mocha test/slow/prod-stack.test.ts test/slow/upgrade.test.ts || status=$?
echo "test-slow: prod-stack and upgrade done after $((SECONDS - t0)) s (exit $status); waiting for the lifecycle run"
wait "$lifecycle" || status=$?
echo "--- test/slow/lifecycle.test.ts (run beside the above)"
cat "$log"
echo "test-slow: done after $((SECONDS - t0)) s (exit $status)"
exit "$status"
