# mockserver: `make run` serves the mock on http://127.0.0.1:8080, `make test` lints and runs the whole suite.
# Both create .venv and install the project first; nothing needs installing by hand.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

.PHONY: install run test fuzz lint clean bench bench-smoke bench-peers bench-tools redis-server php

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || (apt-get update && apt-get install -y python3 python3-venv)
	$(PYTHON) -m venv $(VENV) || (apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV))
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: install
	$(BIN)/mockserver run $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy  # what and how strictly: [tool.mypy] in pyproject.toml

test: lint redis-server php
	$(BIN)/pytest -n 2  # two processes: most tests wait on a server or schemathesis
	cd examples/grade-sync && $(CURDIR)/$(BIN)/pytest -n 4
	cd examples/enrolment && $(CURDIR)/$(BIN)/pytest -n 2
	$(MAKE) bench-smoke

# Every contract fuzzed by schemathesis (stateless and stateful) with 1,000 test cases per operation,
# where `make test` runs 15 to 50 (far longer than `make test`; not part of it).
fuzz: install redis-server
	MOCKSERVER_FUZZ_EXAMPLES=1000 $(BIN)/pytest -n 2 tests/cli/test_verify.py

# The tests of the Redis store start real redis-servers (Debian's), each on a free port of its own.
redis-server:
	@command -v redis-server >/dev/null || (apt-get update && apt-get install -y redis-server)

# tests/clients runs real HTTPS clients against the mock; the PHP one needs Debian's php-cli and php-curl
# (about 20 s to install). Node and a JDK are used where they are, and their tests skipped where not.
php:
	@php -m 2>/dev/null | grep -qx curl || (apt-get update && apt-get install -y php-cli php-curl)

# `make bench` measures for a few minutes and writes docs/benchmarks.md; `make bench-smoke` (part of
# `make test`) runs the same pipeline in seconds; `make bench-peers` adds Prism and WireMock to `make bench`.
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench-tools: $(BENCH_STAMP) redis-server
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)

bench: bench-tools
	$(BIN)/python -m benchmarks

bench-smoke: bench-tools
	$(BIN)/python -m benchmarks --smoke

bench-peers:
	@command -v npm >/dev/null || (apt-get update && apt-get install -y npm)
	@command -v java >/dev/null || (apt-get update && apt-get install -y openjdk-17-jre-headless)
	npm install --prefix benchmarks/peers --no-audit --no-fund @stoplight/prism-cli@5 wiremock@3

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis dist build
