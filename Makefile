# gongji: every task a newcomer needs. `make run` serves, `make test` tests; both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/gen
PROTO_FILES := $(shell find protos -name '*.proto' | sort)

# INSTANCES (2) and STANDBY (1; 0: one PostgreSQL server) shape `make ha`.
INSTANCES ?= 2
STANDBY ?= 1
# SEED (required) and MINUTES of load (3) shape `make chaos`.
MINUTES ?= 3

.PHONY: help setup protos check-protos contract-baseline run ha chaos test test-unit lint bench soak conformance clean lock docs golden
.DEFAULT_GOAL := help

## List the targets, each with the `## ` line written above it (the default goal).
help:
	@awk '/^## / { desc = substr($$0, 4); next } \
	     /^[a-z][a-z0-9-]*:/ && desc { split($$0, t, ":"); printf "  make %-18s %s\n", t[1], desc } \
	     { desc = "" }' $(MAKEFILE_LIST)

## Create .venv with the pinned dependencies of requirements.txt (again whenever it changes).
setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

## Regenerate the Python code of the proto contract into gen/ (committed; `check-protos` catches drift).
protos: setup
	rm -rf gen && mkdir -p gen
	$(PY) -m grpc_tools.protoc -I protos --python_out=gen --grpc_python_out=gen --pyi_out=gen $(PROTO_FILES)

## Fail if gen/ is stale, then run `buf lint` and `buf breaking` against the released contract.
check-protos: setup
	rm -rf build/gen-check && mkdir -p build/gen-check
	$(PY) -m grpc_tools.protoc -I protos --python_out=build/gen-check --grpc_python_out=build/gen-check \
		--pyi_out=build/gen-check $(PROTO_FILES)
	diff -r -x __pycache__ gen build/gen-check || (echo "gen/ is stale: run 'make protos' and commit" && exit 1)
	tools/contract.sh check

## Release the contract: the breaking-change check compares against this image from now on (a reviewed step).
contract-baseline: setup
	tools/contract.sh baseline

## Start PostgreSQL (embedded unless DATABASE_URL is set), migrate, and serve both services from the committed gen/.
run: setup
	$(PY) -m tools.run

## Several instances of each service over a PostgreSQL primary and its synchronous standby (`python -m tools.ha failover`).
ha: setup
	$(PY) -m tools.ha serve --instances $(INSTANCES) $(if $(filter 0,$(STANDBY)),--no-standby,)

## Seeded chaos soak: load while instances are killed, the primary fails over, links drop; then a global audit.
chaos: setup
	@test -n "$(SEED)" || (echo "usage: make chaos SEED=<number> [MINUTES=3]" && exit 2)
	$(PY) -m tools.chaos --seed $(SEED) --minutes $(MINUTES) --instances $(INSTANCES)

## The whole test suite against a real PostgreSQL it starts itself (or TEST_DATABASE_URL).
test: setup check-protos
	$(PY) -m pytest -q

## The unit tests only (tests/unit): seconds, no PostgreSQL, no buf.
test-unit: setup
	$(PY) -m pytest -q tests/unit

## Rewrite README.md's reason-code table from services/common/errors.py.
docs: setup
	$(PY) -m tools.readme_reasons

## Rewrite the golden wire-contract files (tests/contract/golden/): a deliberate, reviewed contract change.
golden: setup
	GONGJI_UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/contract

## The POS conformance kit against a running deployment (default: make run's, with its development certificates).
conformance: setup
	$(PY) -m tools.conformance $(if $(TOKEN),--token $(TOKEN),) $(if $(TARGET),--target $(TARGET),)

## ruff (lint and formatting) over services, tools and tests; mypy --strict over services and tools.
lint: setup
	$(VENV)/bin/ruff check services tools tests
	$(VENV)/bin/ruff format --check services tools tests
	$(VENV)/bin/mypy

## Settle and Authorize+Capture at 16/64/256 in flight beside a bare gRPC chain, CPU per process; needs `make run`.
bench: setup
	$(PY) -m tools.bench $(BENCH_ARGS)

## Ten minutes of mixed POS traffic against `make run`; each process's memory (RSS) at the start and the end.
soak: setup
	$(PY) -m tools.bench --soak 600 $(BENCH_ARGS)

## Re-pin requirements.txt from requirements.in at the newest versions (review the diff).
lock:
	$(PYTHON) -m venv build/lock-venv && build/lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Pinned runtime, test and tooling dependencies. Change requirements.in, then \`make lock\`."; \
	 build/lock-venv/bin/pip freeze | grep -v '^pip==') > requirements.txt

## Remove build output and caches (not .venv, not .data).
clean:
	rm -rf build .pytest_cache
