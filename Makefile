# zhtopics -- `make` lists the targets. `make run` / `make test` set up .venv
# from the pinned requirements.lock on first use (and again whenever the lock
# or pyproject.toml changes); nothing is taken from the machine's site-packages.
# `make test` and `make bench` add the Spark extra (requirements-spark.lock, about
# 0.5 GB); `make bench` also the peers' packages (requirements-bench.lock).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
BENCH_STAMP := $(VENV)/.installed-bench
ARGS ?=
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv spark run verify figures reports bench lint test lab lock clean distclean

help: ## list the targets
	@echo "usage: make TARGET   (ARGS=... for run, PYTEST_ARGS=... for test)"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# The venv is (re)built only when missing, when its python no longer runs or is
# not 3.11, or when requirements.lock / pyproject.toml is newer than the stamp.
$(STAMP): requirements.lock pyproject.toml
	@echo ">> installing requirements.lock and zhtopics (editable) into $(VENV)"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "error: $(PYTHON) is not Python 3.11 (set PYTHON=python3.11)" >&2; exit 1; }
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	@touch $@
	@echo ">> $(VENV) is up to date"

venv: $(STAMP) ## set up .venv from the pinned lock if missing or stale

# The extras' locks pin only what they add to requirements.lock: installed with --no-deps.
$(SPARK_STAMP): $(STAMP) requirements-spark.lock
	@echo ">> installing requirements-spark.lock (pyspark) into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -r requirements-spark.lock
	@touch $@

$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	@echo ">> installing requirements-bench.lock (the peer pipelines' packages) into $(VENV)"
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -r requirements-bench.lock
	@touch $@

spark: $(SPARK_STAMP) ## add the Spark extra (pyspark, about 0.5 GB) to .venv, for `zhtopics run --spark`

run: venv ## regenerate everything from data/raw/, and the coders' validation kit in validation/ (extra options: ARGS=...)
	$(BIN)/zhtopics run data/raw --out . --readme README.md $(ARGS)
	$(BIN)/zhtopics validate export . --out validation

verify: venv ## re-run the recorded run of results/run_manifest.json and list any file that differs
	$(BIN)/zhtopics verify results/run_manifest.json

figures: venv ## redraw figures/ from the current results (after make run)
	$(BIN)/zhtopics figures --out .

reports: venv ## re-execute the notebooks into reports/*.html (after make run)
	$(BIN)/zhtopics report --out .

bench: venv $(SPARK_STAMP) $(BENCH_STAMP) ## speed, memory and recovery of zhtopics and its peers up to 10^6 documents (over an hour on 2 cores; ARGS="--sizes 1e5" for a quicker pass)
	$(BIN)/python benchmarks/run.py $(ARGS)

LINTED := src tests benchmarks tools notebooks

lint: venv ## ruff: lint and formatting check (configured in pyproject.toml)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

test: lint $(SPARK_STAMP) ## lint, then run the test suite (the Spark tests included) (extra options: PYTEST_ARGS=...)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# JupyterLab refuses to run as root unless told (containers and CI machines often are root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab lists each notebook once: the paired .py files are hidden from its file browser
# (jupytext still writes them when a notebook is saved).
LAB_HIDDEN := '--ContentsManager.hide_globs=["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", "*.py"]'

lab: venv ## start JupyterLab on notebooks/ (start from 00-explore)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT) $(LAB_HIDDEN)

lock: ## regenerate requirements.lock and environment.yml pins
	PYTHON=$(PYTHON) bash tools/lock.sh

clean: ## remove generated data, models and the sweep cache; keeps data/raw, results/ and .venv
	rm -rf data/interim data/processed models .cache .pytest_cache
	find . -path ./$(VENV) -prune -o -path ./.git -prune -o \
		-type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf $(VENV)
