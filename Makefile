# Cadena. `make run` serves the demo platform; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test test-race test-stress test-browser build lint fuzz bench-pricing bench-invoices bench-acceptance clean

run:
	@deploy/dev/run.sh

build:
	@mkdir -p bin
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/cadena ./cmd/cadena

lint:
	@out=$$(gofmt -l cmd internal migrations); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Tests need PostgreSQL (found or started by deploy/dev/postgres.sh); NATS runs in-process.
test: lint
	@export CADENA_TEST_DATABASE_URL=$${CADENA_TEST_DATABASE_URL:-$$(deploy/dev/postgres.sh)}; \
	 $(GO) test -count=1 -timeout 20m $(PKGS)

# The concurrent packages, whose tests run background work (outbox relay,
# JetStream consumers, auction scheduler, lender-bot, concurrent acceptances
# and settlement): `test-race` runs them once under the race detector (CI does,
# after `make test`); `test-stress` repeats them on one and two CPUs, then
# under -race. See docs/testing.md.
RACE_PKGS ?= ./internal/platform/outbox/ ./internal/platform/natsauth/ ./internal/offer/... ./internal/settlement/... ./internal/server/ ./cmd/cadena/ ./internal/api/
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
