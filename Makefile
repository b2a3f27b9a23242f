# The two commands: `make run` and `make test`. Every target honours
# RAW_DATA_DIR, DUCKDB_PATH and AS_OF_DATE from the environment.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed

# Values reach commands through the environment, quoted ("$$NAME"), never
# pasted into a recipe's text, and dates are checked before use: a value like
# `2026-01-01"; touch x` is refused, not run.
RAW_DATA_DIR ?= data/raw
DUCKDB_PATH ?= warehouse/customer_segments.duckdb
AS_OF_DATE ?=
DAGSTER_PORT ?= 3000
DASHBOARD_PORT ?= 8501
# The dbt target (profiles.yml): duckdb (the embedded default), postgres or spark (README "Other warehouses").
DBT_TARGET ?= duckdb
# pytest workers (pytest-xdist); a module's tests stay on one worker, so module fixtures build once.
PYTEST_WORKERS ?= 2
export RAW_DATA_DIR DUCKDB_PATH AS_OF_DATE FROM TO ARGS SCALE SEGMENT DEFINITION DAGSTER_PORT DASHBOARD_PORT PYTEST_WORKERS SAMPLE_ARGS DBT_TARGET

# Telemetry off everywhere; dbt reads the project's own profile.
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export DAGSTER_DISABLE_TELEMETRY := true
export GX_ANALYTICS_ENABLED := false
# The Dagster instance lives in the project (dagster_home/dagster.yaml).
DAGSTER_HOME ?= $(CURDIR)/dagster_home
export DAGSTER_HOME

# Shell snippets for recipes. `paths` makes RAW_DATA_DIR and DUCKDB_PATH
# absolute (a relative one is relative to the project root); `dbt_vars` checks
# AS_OF_DATE (YYYY-MM-DD, a real day, or empty for today) and sets the array
# dbt_vars to dbt's --vars for it.
paths = RAW_DATA_DIR="$$(realpath -m -- "$${RAW_DATA_DIR}")"; DUCKDB_PATH="$$(realpath -m -- "$${DUCKDB_PATH}")"; export RAW_DATA_DIR DUCKDB_PATH
check_date = if [[ -n "$${$(1)}" ]] && ! { [[ "$${$(1)}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$$ ]] && date -d "$${$(1)}" +%F >/dev/null 2>&1 && [[ "$$(date -d "$${$(1)}" +%F)" == "$${$(1)}" ]]; }; then \
	printf '%s must be a date YYYY-MM-DD (a real calendar day), got: %q\n' '$(1)' "$${$(1)}" >&2; exit 2; fi
dbt_vars = $(call check_date,AS_OF_DATE); dbt_vars=(); if [[ -n "$${AS_OF_DATE}" ]]; then dbt_vars=(--vars "{as_of_date: \"$${AS_OF_DATE}\"}"); fi

# Size of the sample data `make run` generates when RAW_DATA_DIR has none.
SAMPLE_ARGS ?= --contacts 10000 --orders 60000 --events 400000

.PHONY: help install data build publish run count summary metrics dashboard validate export manifest dagster backfill test test-python lint lint-sql lint-python load docs benchmark lock clean postgres-up postgres-down check-target test-engines-full

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the pinned dependencies (once)

# uv installs the lock file's exact versions in parallel and compiles them (as pip does: with
# PYTHONDONTWRITEBYTECODE set, nothing else would), about 15 s instead of pip's 75.
UV_VERSION := 0.13.8
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	@touch $(STAMP)

data: install ## Generate sample raw data into RAW_DATA_DIR unless it holds a raw file of any entity (never touches other files)
	@$(paths); read -ra sample <<< "$${SAMPLE_ARGS}"; \
	$(BIN)/python -m orchestration.generator --unless-raw-data --out "$${RAW_DATA_DIR}" "$${sample[@]}"

check-target:
	@[[ "$${DBT_TARGET}" =~ ^(duckdb|postgres|spark)$$ ]] || { printf 'DBT_TARGET must be duckdb, postgres or spark, got: %q\n' "$${DBT_TARGET}" >&2; exit 2; }

# Unit tests prove the SQL on fixed rows, not the data: make test runs them, a build of your data skips them.
build: install check-target ## dbt build (seeds, models and data tests) on DBT_TARGET (default duckdb)
	@$(paths); $(dbt_vars); mkdir -p "$$(dirname "$${DUCKDB_PATH}")"; \
	echo "dbt build --exclude-resource-type unit_test $${dbt_vars[*]}"; \
	$(BIN)/python -m orchestration.dbt_gate build --exclude-resource-type unit_test "$${dbt_vars[@]}"

count: install ## Count a segment's members on the built warehouse, no build: make count SEGMENT=<key> (or DEFINITION=<yml file>)
	@$(paths); $(call check_date,AS_OF_DATE); args=(); \
	if [[ -n "$${SEGMENT:-}" ]]; then args+=(--segment "$${SEGMENT}"); fi; \
	if [[ -n "$${DEFINITION:-}" ]]; then args+=(--definition "$${DEFINITION}"); fi; \
	if [[ -n "$${AS_OF_DATE}" ]]; then args+=(--as-of-date "$${AS_OF_DATE}"); fi; \
	$(BIN)/python -m orchestration.segment_count "$${args[@]}"

summary: install ## Print rows per mart and rows rejected per reason
	@$(paths); $(BIN)/python -m orchestration.summary

# Publishing copies the marts into the serving file readers open (published/ beside DUCKDB_PATH) and
# swaps it into place atomically; it runs only when the build and its tests passed.
publish: install ## Publish the built marts to the serving file readers use (PUBLISHED_DUCKDB_PATH)
	@$(paths); $(BIN)/python -m orchestration.publish

# On PostgreSQL the raw files are loaded into the server's raw schema first (the build reads tables there);
# on Spark into Parquet files that the build's raw tables read.
run: install check-target data $(if $(filter postgres spark,$(DBT_TARGET)),load) build publish summary ## Install, generate sample data if none, (load,) build, publish, summarise

validate: install ## Great Expectations suites on every published mart; writes offline Data Docs beside DUCKDB_PATH
	@$(paths); $(BIN)/python -m orchestration.validate

export: install ## Customers export of every active segment (CSV, Parquet, manifest) from the published marts into exports/<as-of date>/; ARGS="--hash-email" etc.
	@$(paths); read -ra args <<< "$${ARGS:-}"; $(BIN)/python -m orchestration.segment_export "$${args[@]}"

metrics: install ## Query the semantic layer over the published marts: make metrics ARGS="--metrics revenue --group-by contact__persona" (ARGS="--list" lists them)
	@$(paths); [[ -f target/semantic_manifest.json ]] || $(BIN)/python -m orchestration.dbt_gate parse --quiet; \
	METRICS_ARGS="$${ARGS:---list}" $(BIN)/python -m orchestration.metrics

dashboard: install ## Serve the marketers' dashboard on http://127.0.0.1:$(DASHBOARD_PORT), read-only over the published marts
	@$(paths); [[ "$${DASHBOARD_PORT}" =~ ^[0-9]+$$ ]] || { echo "DASHBOARD_PORT must be a port number" >&2; exit 2; }; \
	exec $(BIN)/python -m dashboard.serve --port "$${DASHBOARD_PORT}"

manifest: install ## dbt parse: the manifest Dagster loads the assets from
	@$(paths); $(BIN)/python -m orchestration.dbt_gate parse --quiet

# dagster dev stops on SIGTERM by running its SIGINT handler, so SIGINT must
# not be ignored (a job started in the background inherits it ignored).
dagster: manifest ## Start the Dagster UI and daemon on http://127.0.0.1:$(DAGSTER_PORT)
	@$(paths); [[ "$${DAGSTER_PORT}" =~ ^[0-9]+$$ ]] || { echo "DAGSTER_PORT must be a port number" >&2; exit 2; }; \
	mkdir -p "$${DAGSTER_HOME}" "$$(dirname "$${DUCKDB_PATH}")"; \
	exec $(BIN)/python -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		$(BIN)/dagster dev -m orchestration.code_location.definitions -h 127.0.0.1 -p "$${DAGSTER_PORT}"

backfill: manifest ## Queue one refresh run per day: make backfill FROM=2026-06-01 TO=2026-06-30 (needs `make dagster` running)
	@$(paths); [[ -n "$${FROM:-}" && -n "$${TO:-}" ]] || { echo "usage: make backfill FROM=YYYY-MM-DD TO=YYYY-MM-DD" >&2; exit 2; }; \
	$(call check_date,FROM); $(call check_date,TO); \
	$(BIN)/dagster job backfill -m orchestration.code_location.definitions -j refresh_segments --from "$${FROM}" --to "$${TO}" --noprompt

postgres-up: install ## Start the local PostgreSQL server in warehouse/postgres (PGPORT 55432), with its database and BI role
	@$(BIN)/python -m orchestration.postgres_server up

postgres-down: install ## Stop the local PostgreSQL server
	@$(BIN)/python -m orchestration.postgres_server down

load: install check-target ## Load RAW_DATA_DIR into raw.* tables of DBT_TARGET (on DuckDB, then build with raw_source_mode: tables)
	@$(paths); $(BIN)/python -m orchestration.loader

docs: install ## Generate the dbt docs site into target/ and say how to serve it
	@$(paths); $(dbt_vars); mkdir -p "$$(dirname "$${DUCKDB_PATH}")"; \
	$(BIN)/python -m orchestration.dbt_gate docs generate "$${dbt_vars[@]}"
	@echo "Open it with: $(BIN)/dbt docs serve"

# pytest and sqlfluff side by side (each prints when it ends): the linter, in one process (each of its
# processes parses the dbt project), fills the cores pytest leaves idle.
# The PostgreSQL server (make postgres-up) serves the engine parity tests (tests_py/test_postgres.py).
test: install lint-python postgres-up ## Everything CI runs: ruff, then pytest and sqlfluff
	@LINT_PROCESSES=1 $(MAKE) --no-print-directory -j2 --output-sync=target test-python lint-sql

# Release check: the PostgreSQL and Spark parity builds run every data test too (make test runs seeds and models there).
test-engines-full: install postgres-up ## The engine parity tests with every data test on each engine
	@CUSTOMER_SEGMENTS_ENGINE_TESTS=full $(BIN)/pytest -n "$${PYTEST_WORKERS}" --dist loadfile tests_py/test_postgres.py tests_py/test_spark.py

lint-python: install
	$(BIN)/ruff check orchestration dashboard tests_py models


test-python: install ## pytest: generator, loader, and end-to-end builds on generated data
	@[[ "$${PYTEST_WORKERS}" =~ ^([0-9]+|auto)$$ ]] || { echo "PYTEST_WORKERS must be a number or auto" >&2; exit 2; }; \
	$(BIN)/pytest -n "$${PYTEST_WORKERS}" --dist loadfile --no-loadscope-reorder --durations=25

lint-sql: install ## sqlfluff lint of models, macros' SQL and singular tests (dbt templater)
	@set -euo pipefail; work=$$(mktemp -d); trap 'rm -rf "$$work"' EXIT; \
	DUCKDB_PATH=$$work/lint.duckdb $(BIN)/sqlfluff lint models tests --processes "$${LINT_PROCESSES:-2}"

lint: lint-python lint-sql ## All linters

benchmark: install ## Generate, build, compare with pandas/Polars/DuckDB, refresh a day, publish, export and fit the predictions: make benchmark SCALE=large (BENCHMARKS.md)
	@$(paths); $(BIN)/python -m orchestration.benchmark --scale "$${SCALE:-small}" --steps generate,build,peers,refresh,publish,export,predictions

lock: ## Re-resolve requirements.lock from pyproject.toml in a clean venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^customer-segments' > requirements.lock
	rm -rf .lock-venv

clean: ## Remove dbt artefacts (not the warehouse or the data)
	rm -rf target logs dbt_packages
