# Cadena. `make run` serves the demo platform; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run stop test test-race test-stress test-browser build lint lint-tools lint-contract redocly fuzz fuzz-api bench-pricing bench-invoices bench-acceptance clean

# Builds bin/cadena (about two minutes the first time), then PostgreSQL,
# migrations, the demo and `cadena serve`; see README "Quick start".
run:
	@deploy/dev/run.sh

# Stops the private PostgreSQL that `make run` may have started under .data/pg.
stop:
	@deploy/dev/postgres.sh stop

build:
	@mkdir -p bin
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/cadena ./cmd/cadena

lint: lint-tools
	@out=$$(gofmt -l cmd internal migrations contracts); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@# Parallel runners allowed: CI's make test may run beside another on one machine.
	$(LINT_BIN)/golangci-lint run --allow-parallel-runners --config deploy/lint/golangci.yml $(PKGS)
	@# deadcode without -test: production code only tests reach must be named in the allow list.
	@dc=$$($(LINT_BIN)/deadcode $(PKGS)) || exit 1; \
	 out=$$(echo "$$dc" | sed -E 's/:[0-9]+:[0-9]+:/:/' | grep -v -E '^internal/(platform/(pgtest|natstest|waittest|xsdtest|benchproc)|api/apitest|app/apptest)/' | \
	   grep -v -x -F -f <(grep -v '^#' deploy/lint/deadcode-allowed.txt)); \
	 if [ -n "$$out" ]; then echo "deadcode: unreachable from cadena (remove it, use it, or name it with a reason in deploy/lint/deadcode-allowed.txt):"; echo "$$out"; exit 1; fi
	@if [ -x $(REDOCLY) ]; then $(MAKE) --no-print-directory lint-contract; \
	 elif [ -n "$$CI" ]; then echo "lint: no Redocly CLI at $(REDOCLY): CI must lint the contract (make redocly)"; exit 1; \
	 else echo "lint: contract lint skipped: no Redocly CLI $(REDOCLY_VERSION) (make redocly installs it with npm)"; fi

# --- Go linters -----------------------------------------------------------
# golangci-lint v2 and deadcode, pinned in internal/tools/lint/go.mod, built
# through the Go module proxy into a cache outside the repo, once per version
# (about four minutes on two cores the first time). deploy/lint/golangci.yml
# holds the linters and the depguard import rules; see docs/architecture.md.
GOLANGCI_VERSION := $(shell sed -n 's|^\s*github.com/golangci/golangci-lint/v2 \(v[^ ]*\).*|\1|p' internal/tools/lint/go.mod)
LINT_BIN ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cadena/lint-$(GOLANGCI_VERSION)-$(shell sha256sum internal/tools/lint/go.sum | cut -c1-12)

lint-tools:
	@if [ ! -x $(LINT_BIN)/golangci-lint ] || [ ! -x $(LINT_BIN)/deadcode ]; then \
	  echo "lint: building golangci-lint $(GOLANGCI_VERSION) and deadcode into $(LINT_BIN)"; \
	  cd internal/tools/lint && GOWORK=off GOFLAGS=-mod=readonly $(GO) build -o $(LINT_BIN)/ \
	    github.com/golangci/golangci-lint/v2/cmd/golangci-lint golang.org/x/tools/cmd/deadcode; \
	fi
# --- end of Go linters ----------------------------------------------------

# --- Contract lint -------------------------------------------------------
# Redocly CLI, pinned, lints contracts/openapi.yaml with the recommended rules
# and no warning allowed (contracts/redocly.yaml). `make redocly` installs it
# with npm into a cache outside the repo; .ci/run does so before `make test`.
REDOCLY_VERSION := 2.77.0
REDOCLY_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/cadena/redocly-cli-$(REDOCLY_VERSION)
REDOCLY := $(REDOCLY_DIR)/node_modules/.bin/redocly

redocly:
	@if [ ! -x $(REDOCLY) ]; then \
	  command -v npm >/dev/null || { echo "redocly: npm not found: install Node.js 20.19 or later with npm"; exit 1; }; \
	  echo "redocly: installing @redocly/cli@$(REDOCLY_VERSION) into $(REDOCLY_DIR)"; \
	  mkdir -p $(REDOCLY_DIR) && npm install --prefix $(REDOCLY_DIR) --no-audit --no-fund --loglevel=error @redocly/cli@$(REDOCLY_VERSION); \
	fi

# Telemetry off and no update check: the lint talks to nothing.
lint-contract: redocly
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config contracts/redocly.yaml contracts/openapi.yaml
# --- end of contract lint ------------------------------------------------

# Tests need PostgreSQL (found or started by deploy/dev/postgres.sh); NATS runs in-process.
test: lint
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 $(GO) test -count=1 -timeout 20m $(PKGS)

# The concurrent packages, whose tests run background work (outbox relay,
# JetStream consumers, auction scheduler, lender-bot, concurrent acceptances
# and settlement): `test-race` runs them once under the race detector (CI does,
# after `make test`); `test-stress` repeats them on one and two CPUs, then
# under -race. See docs/testing.md.
RACE_PKGS ?= ./internal/platform/outbox/ ./internal/platform/natsauth/ ./internal/platform/db/ ./internal/platform/idempotency/ ./internal/offer/... ./internal/settlement/... ./internal/app/acceptance/ ./internal/server/ ./cmd/cadena/ ./internal/api/
STRESS_PKGS ?= $(RACE_PKGS)
STRESS_COUNT ?= 3
test-race:
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 $(GO) test -race -count=1 -timeout 30m $(RACE_PKGS)

test-stress:
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 set -e; \
	 echo "== -cpu 1,2 -count $(STRESS_COUNT)"; $(GO) test -cpu 1,2 -count=$(STRESS_COUNT) -timeout 120m $(STRESS_PKGS); \
	 echo "== -race -count $(STRESS_COUNT)"; $(GO) test -race -count=$(STRESS_COUNT) -timeout 120m $(STRESS_PKGS)

# The portal's end-to-end tests in headless Chromium (also part of `make test`);
# screenshots land in $(SCREENSHOTS). Needs Debian's chromium or CHROME_PATH.
SCREENSHOTS ?= $(CURDIR)/.data/screenshots
test-browser:
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 CADENA_SCREENSHOT_DIR=$(SCREENSHOTS) $(GO) test -count=1 -run 'Browser' -v ./internal/web/

# Short runs of every fuzz target; FUZZTIME=5m for a longer hunt.
FUZZTIME ?= 10s
fuzz:
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Every mutation of every operation of contracts/openapi.yaml against a real
# server (about 11,000 requests, a minute or two); `make test` sends a seeded
# sample of 45 per operation. FUZZ_API_SEED picks another sample order.
FUZZ_API_MUTATIONS ?= 1000000
FUZZ_API_SEED ?= 11
fuzz-api:
	@set -o pipefail; export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 CADENA_FUZZ_API_MUTATIONS=$(FUZZ_API_MUTATIONS) CADENA_FUZZ_API_SEED=$(FUZZ_API_SEED) \
	 $(GO) test -count=1 -v -timeout 30m -run '^TestEveryOperationSurvivesMutations$$' ./internal/api/ | grep -v '^=== '

bench-pricing:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./internal/pricing/

# 1,000,000 invoices over HTTP to a real `cadena serve` (a child process on a
# fresh database), against a raw COPY of the same rows; see docs/benchmarks.md.
bench-invoices: build
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 CADENA_BIN=$(CURDIR)/bin/cadena $(GO) test -run '^$$' -bench BenchmarkInvoicePublication -benchtime 1x -timeout 30m ./internal/invoice/invoicebench/

# Acceptances over HTTP to a real `cadena serve` with PostgreSQL and NATS, quote
# latency, acceptance-to-lender event latency, and pgbench on the same server;
# see docs/benchmarks.md.
bench-acceptance: build
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 CADENA_BIN=$(CURDIR)/bin/cadena $(GO) test -run '^$$' -bench BenchmarkAcceptance -benchtime 1x -timeout 30m ./internal/offer/offerbench/

clean:
	rm -rf bin
