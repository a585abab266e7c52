# China regional trade warehouse. `make help` lists the targets.
# Every target that reads the warehouse takes WAREHOUSE=path (default: the published file).

PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
WAREHOUSE ?= warehouse/china_regional_trade.duckdb
# TARGET=spark: `make build` builds on Apache Spark (profiles.yml `spark`, docs/spark.md) instead.
TARGET    ?= duckdb
SPARK_VENV := .venv-spark
SPARK_BIN  := $(SPARK_VENV)/bin
SUPERSET_VENV := .venv-superset
SUPERSET_BIN  := $(SUPERSET_VENV)/bin
SCORE_VENV := .venv-score
SCORE_BIN  := $(SCORE_VENV)/bin
# what the last `make build` of $(WAREHOUSE) left: dbt's manifest.json and catalog.json
ARTIFACTS  ?= $(dir $(WAREHOUSE)).build/$(basename $(notdir $(WAREHOUSE))).staging.target
ROWS      ?= 10000000

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_PROJECT_DIR  := $(CURDIR)

.DEFAULT_GOAL := help
.PHONY: help venv test-deps build validate test lint export docs report sql bench score clean spark-venv java build-spark test-spark superset-venv test-superset

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(BIN)/.installed ## create .venv and install the pinned requirements

ifeq ($(TARGET),spark)
build: build-spark
else
# `make build` starts from a copy of the published file (only newly landed months are processed);
# FULL_REFRESH=1 builds everything from scratch.
build: venv ## build (incremental; FULL_REFRESH=1 from scratch), validate, then publish to $(WAREHOUSE)
	$(BIN)/python scripts/build.py --warehouse $(WAREHOUSE) $(if $(filter-out 0,$(FULL_REFRESH)),--full-refresh)
endif

validate: venv ## Great Expectations on $(WAREHOUSE), read-only; Data Docs in warehouse/data_docs/
	$(BIN)/python scripts/validate.py --warehouse $(WAREHOUSE)

test-deps: ## Debian packages the browser tests need (chromium, a CJK font): installed when missing, as root
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
	  else echo "test-deps: chromium is missing; as root: apt-get install -y chromium fonts-wqy-microhei" >&2; fi; }

test: venv test-deps ## the whole test suite: lint (ruff, sqlfluff, dbt parse --warn-error) and pytest
	$(BIN)/python -m pytest

lint: venv ## only the linters
	$(BIN)/python -m pytest tests/test_lint.py

export: venv ## every mart as Parquet in warehouse/parquet/
	$(BIN)/python scripts/export_parquet.py --warehouse $(WAREHOUSE)

docs: venv ## the dbt docs site as one page: warehouse/docs/index.html
	$(BIN)/python scripts/build_docs.py --warehouse $(WAREHOUSE)

report: venv ## an offline HTML report with charts: warehouse/report/index.html
	$(BIN)/python scripts/build_report.py --warehouse $(WAREHOUSE)

sql: venv ## a locked SQL shell on $(WAREHOUSE): read-only, no files, no shell commands, settings locked
	@$(BIN)/python scripts/sql_shell.py --warehouse $(WAREHOUSE)

bench: venv ## benchmark at ROWS rows (default 10 million); writes warehouse/bench/results.json
	$(BIN)/python scripts/bench.py --rows $(ROWS)

$(SCORE_BIN)/.installed: requirements-score.txt
	@test -x $(SCORE_BIN)/python || $(PYTHON) -m venv $(SCORE_VENV)
	$(SCORE_BIN)/python -m pip install --quiet -r requirements-score.txt
	@touch $@

# Reads the artifacts of the last `make build` (docs/metadata.md); not part of `make test`.
score: $(SCORE_BIN)/.installed ## dbt-score (metadata lint) and dbt-coverage (column docs) of the last build, in .venv-score
	@test -f $(ARTIFACTS)/catalog.json || { echo "score: no $(ARTIFACTS)/catalog.json: run make build first" >&2; exit 1; }
	$(SCORE_BIN)/dbt-score lint --manifest $(ARTIFACTS)/manifest.json --show failing-items
	$(SCORE_BIN)/dbt-coverage compute doc --run-artifacts-dir $(ARTIFACTS) --cov-report $(ARTIFACTS)/coverage-doc.json

$(SPARK_BIN)/.installed: requirements-spark.txt
	@test -x $(SPARK_BIN)/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --upgrade pip
	$(SPARK_BIN)/python -m pip install --quiet -r requirements-spark.txt
	@touch $@

spark-venv: $(SPARK_BIN)/.installed java ## create .venv-spark (dbt-spark, PySpark 3.5; apart from .venv)

java: ## Java 17 for PySpark: Debian's openjdk-17-jre-headless, installed when missing, as root
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	  else echo "java: not found; as root: apt-get install -y openjdk-17-jre-headless" >&2; exit 1; fi; }

build-spark: spark-venv ## TARGET=spark build: seeds, then models and tests on a local Spark (warehouse/spark/)
	DBT_TARGET=spark DBT_TARGET_PATH=$${DBT_TARGET_PATH:-target/spark} nice -n 10 $(SPARK_BIN)/dbt seed
	DBT_TARGET=spark DBT_TARGET_PATH=$${DBT_TARGET_PATH:-target/spark} nice -n 10 $(SPARK_BIN)/dbt build --exclude resource_type:seed

# Not part of `make test` (kept light); .ci/run runs it after `make test`: 2-3 minutes from
# scratch on 2 cores, .venv-spark included (docs/spark.md).
test-spark: venv spark-venv ## every mart built on DuckDB and on Spark, compared row for row
	nice -n 10 $(BIN)/python scripts/test_spark.py

$(SUPERSET_BIN)/.installed: requirements-superset.txt
	@test -x $(SUPERSET_BIN)/python || $(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_BIN)/python -m pip install --quiet --upgrade pip
	$(SUPERSET_BIN)/python -m pip install --quiet -r requirements-superset.txt
	@touch $@

superset-venv: $(SUPERSET_BIN)/.installed ## create .venv-superset (Apache Superset 6.1 with duckdb-engine; apart from .venv)

# Not part of `make test`: installing Superset takes 2-3 minutes. Needs a built $(WAREHOUSE).
test-superset: superset-venv ## Superset's connection test and a query on $(WAREHOUSE), as docs/connect-bi.md configures it
	$(SUPERSET_BIN)/python tests/superset_probe.py $(WAREHOUSE) $(or $(SUPERSET_WORK),$(CURDIR)/warehouse/.superset)

# Temporary files of a killed build, publication, export or validation are removed only when the
# process that wrote them is gone (tradewh.leftovers): a build running meanwhile keeps its own.
clean: ## remove build outputs and what killed builds left (not the published warehouse)
	rm -rf target logs
	@PYTHONPATH=scripts $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) -m tradewh.leftovers --warehouse $(WAREHOUSE)
