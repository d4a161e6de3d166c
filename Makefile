# pulumi-lakehouse: two entry points on a fresh machine, `make up` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
STACK ?= dev
# A kubernetes stack (STACK=k8s, Pulumi.k8s.yaml) runs on the cluster of `make k8s-up`: its kubeconfig
# (unless KUBECONFIG is set) and the cluster's kubectl (after any on PATH) for the program and the tools.
K8S_CLUSTER_NAME ?= lakehouse-k8s
K8S_STACKS ?= k8s
K8S_ENV := $(if $(filter $(K8S_STACKS),$(STACK)),export KUBECONFIG="$${KUBECONFIG:-$(CURDIR)/.cache/k8s/cluster-$(K8S_CLUSTER_NAME)/admin.conf}" PATH="$$PATH:$(CURDIR)/.cache/k8s/bin" &&,)
ENV := source scripts/env.sh && $(K8S_ENV)
# The CrossGuard pack runs in every preview and up; a stack may lower levels in policies/config/<stack>.json
# (or in the file POLICY_CONFIG names).
POLICY_CONFIG ?= $(wildcard policies/config/$(STACK).json)
POLICY := --policy-pack ./policies $(if $(POLICY_CONFIG),--policy-pack-config $(POLICY_CONFIG),)

.PHONY: up heal test test-prod go-test deps docker toolchain images typecheck unit integration verify status bench-latency bench-soak bench-bulk preview destroy clean-state \
	k8s-toolchain k8s-up k8s-ready k8s-smoke k8s-status k8s-down test-k8s

## up: toolchain, local images, then `pulumi up` of the dev stack (preview first, with the policy pack,
## so a mandatory violation stops it before anything is created); prints the endpoints and the result
## of `make verify`.
## With STACK=k8s it first makes the cluster ready (scripts/k8s-cluster.sh ready: started if absent, the
## stack's images loaded into its nodes) and builds the pulumi-kubernetes plugin.
up: deps toolchain images $(if $(filter $(K8S_STACKS),$(STACK)),k8s-ready,)
	$(ENV) pulumi stack select $(STACK) --create --non-interactive
	$(ENV) pulumi up --stack $(STACK) --yes --non-interactive $(POLICY)
	$(ENV) pulumi stack output --stack $(STACK) endpoints --json
	$(MAKE) --no-print-directory verify STACK=$(STACK)

## heal: bring a stack back after containers were removed or stopped by hand. Refreshes the containers'
## state from Docker (a stopped container counts as gone and is removed, as upstream's docker provider
## does), then runs `pulumi up` with its preview and the policy pack, like `make up`. Only containers are
## refreshed: a topic or bucket cannot be read while its broker or MinIO is gone.
heal: deps toolchain
	$(ENV) npx ts-node tools/heal.ts --stack $(STACK)
	$(ENV) pulumi up --stack $(STACK) --yes --non-interactive $(POLICY)

## verify: the seed's checks and the whole CDC path, against the deployed stack (tools/verify.ts).
## VERIFY_ARGS=--quick leaves out the two Spark checks (spark-submit in the Spark container).
verify: deps
	$(ENV) npx ts-node tools/verify.ts --stack $(STACK) $(VERIFY_ARGS)

## status: per captured table source and applied positions, lag (changes, seconds), last commit, data/delete
## files, snapshots and the last maintenance run; connector, task and container states (tools/status.ts).
## Exit 1 when anything is unhealthy; ARGS=--json for machine-readable output: stdout is then the JSON
## document alone (the recipe is not echoed, deps speaks on stderr).
status: deps
	@$(ENV) npx ts-node tools/status.ts --stack $(STACK) $(ARGS)

## bench-soak: a steady change rate into every captured table while sampling commit duration, Trino point
## and scan latency, data/delete files, snapshots, metadata and warehouse bytes (tools/bench-soak.ts); run it
## with lakehouse:maintenance false and true, LABEL=off|on; JSON in docs/bench/ (docs/maintenance.md).
bench-soak: deps
	$(ENV) npx ts-node tools/bench-soak.ts --stack $(STACK) --label $${LABEL:-run} --commits $${COMMITS:-5000} --minutes $${MINUTES:-0} --rate $${RATE:-20}

## bench-latency: source commit -> Kafka -> Iceberg (read by Trino) delay of CHANGES inserts per source (default
## 100), one a second, against the deployed stack (tools/bench-latency.ts). RESTART=broker|connect|job
## restarts that container RESTART_AFTER_S seconds in (default 30) and reports the recovery. JSON and PNG
## plots in docs/bench/latency-$(LABEL)*; numbers in docs/performance.md.
bench-latency: deps
	$(ENV) npx ts-node tools/bench-latency.ts --stack $(STACK) --changes $${CHANGES:-100} $${RESTART:+--restart $$RESTART --restart-after-s $${RESTART_AFTER_S:-30}} --json docs/bench/latency-$${LABEL:-run}.json
	"$$(bash scripts/bench-venv.sh)" tools/bench-plot-latency.py docs/bench/latency-$${LABEL:-run}.json

## bench-bulk: bulk throughput, source commit -> Kafka -> mirror equal through Trino, of ROWS rows (default
## 100000) inserted by one INSERT ... SELECT, then one UPDATE and one DELETE of all of them, into the first
## captured table of each source in SOURCES (postgres, or postgres,mysql); lag sampled every second
## (tools/bench-bulk.ts). JSON and PNG plots in docs/bench/bulk-$(LABEL)*; numbers in docs/performance.md.
## The plots run in a cached venv with matplotlib from PyPI (scripts/bench-venv.sh, pinned in versions.json).
bench-bulk: deps
	$(ENV) npx ts-node tools/bench-bulk.ts --stack $(STACK) --rows $${ROWS:-100000} --label $${LABEL:-run} --sources $${SOURCES:-postgres}
	"$$(bash scripts/bench-venv.sh)" tools/bench-plot-bulk.py docs/bench/bulk-$${LABEL:-run}.json

## test: type check, toolchain and images (cached), the examples against the packed package, then
## unit and integration tests in one mocha run, whose closing line counts every test. Its last suite
## (test/lifecycle) heals the shared test stack from all its containers lost, runs `make verify`, `make destroy`,
## then deploys the three-broker prod stack file with `make up` and kills a broker while rows flow.
test: deps typecheck go-test toolchain images
	npm run test:examples
	npx mocha --config .mocharc.all.json

## go-test: the stand-ins' Go tests: conformance with upstream (standins/providers/conformance/), live
## against the Docker daemon. Modules come from the Go proxy into the cache scripts/toolchain.sh uses.
## -trimpath: compiled packages do not depend on the checkout's path, so a fresh clone (CI) reuses the
## cached build; -count=1: the tests themselves always run (they are live), never a cached result.
LH_CACHE := $(or $(wildcard $(CURDIR)/.cache),$(or $(LAKEHOUSE_CACHE_DIR),/var/cache/pulumi-lakehouse))
GO_ENV := GOMODCACHE=$(LH_CACHE)/go/mod GOCACHE=$(LH_CACHE)/go/build GOFLAGS='-modcacherw -trimpath' GOTOOLCHAIN=local CGO_ENABLED=0
go-test: docker
	cd standins/providers && $(GO_ENV) nice go test -count=1 ./...
	if ls standins/pulumi-language-nodejs/*_test.go >/dev/null 2>&1; then cd standins/pulumi-language-nodejs && $(GO_ENV) nice go test -count=1 ./...; fi

deps:
	@if [ -L node_modules ]; then \
	  echo "node_modules is a symlink (a worktree sharing another checkout's packages): npm ci skipped; run make deps where it points" >&2; \
	elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund >&2; fi

docker:
	bash scripts/docker.sh

toolchain: docker
	bash scripts/toolchain.sh

images: docker
	bash scripts/images.sh

## k8s-*: the multi-node Kubernetes cluster (docs/kubernetes.md); not part of `make test`.
k8s-toolchain:
	bash scripts/k8s-toolchain.sh

## k8s-up needs the cluster's binaries only (the provider plugin is for `pulumi up` of a k8s stack).
## K8S_UP_ARGS=--no-project-images starts it without loading every pulumi-lakehouse/* image.
k8s-up: docker
	bash scripts/k8s-toolchain.sh --no-provider
	bash scripts/k8s-cluster.sh up $(K8S_UP_ARGS)

k8s-ready: docker
	bash scripts/k8s-toolchain.sh
	bash scripts/k8s-cluster.sh ready

k8s-smoke:
	bash scripts/k8s-cluster.sh smoke

## test-k8s: the kubernetes platform on the cluster of `make k8s-up` (test/k8s/): pulumi preview and up of
## Pulumi.k8s.yaml through the upstream pulumi-kubernetes provider, the brokers' KRaft quorum, a topic with
## RF 3 written and read across brokers, two Connect workers, destroy to nothing. Not in `make test` (minutes).
test-k8s: deps k8s-toolchain
	npx mocha --no-config -r ts-node/register/transpile-only --extension ts --timeout 2400000 --forbid-pending \
		--reporter test/support/summary-reporter.js 'test/k8s/**/*.test.ts'

k8s-status:
	bash scripts/k8s-cluster.sh status

k8s-down:
	bash scripts/k8s-cluster.sh down

typecheck: deps
	npx tsc -p tsconfig.json --noEmit

## unit: the mocked unit tests only (seconds, no Docker).
unit: deps
	npx mocha --config .mocharc.json

integration: deps toolchain images
	npx mocha --config .mocharc.integration.json

## test-prod: test/lifecycle/prod-stack.test.ts alone (it also runs in `make test`, after the heal): `make up`
## of the prod stack file (three brokers, secureServices) through the CLI on a stack of its own (127.0.0.4),
## a broker killed while rows flow and healed (~10 min).
test-prod: deps typecheck toolchain images
	npx mocha --config .mocharc.prod.json

preview: deps toolchain
	$(ENV) pulumi preview --stack $(STACK) --diff --non-interactive $(POLICY)

## destroy: heals first (best effort), so that topics, buckets and connectors can be deleted through
## their services even when containers were removed or stopped by hand, then destroys the stack.
destroy: deps toolchain
	$(MAKE) --no-print-directory heal STACK=$(STACK) || echo "destroy: the heal failed; destroying anyway" >&2
	$(ENV) pulumi destroy --stack $(STACK) --yes --non-interactive
