# Signalroom developer commands. `make ci` is exactly what CI runs (see .ci/run).
PYTHON ?= python3
PIP_FLAGS ?=

.PHONY: help install lint types arch test bench ci

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' Makefile | awk -F ':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

install: ## install Signalroom with its development and model-training tools (pinned)
	$(PYTHON) -m pip install $(PIP_FLAGS) -c constraints.txt -e '.[dev,train]'

lint: ## ruff: lint and formatting
	$(PYTHON) -m ruff check src tests
	$(PYTHON) -m ruff format --check src tests

types: ## mypy --strict on the package
	$(PYTHON) -m mypy

arch: ## import-linter: the layers point toward the foundation
	lint-imports

test: ## the whole test suite (browser tests need Chromium: see README)
	$(PYTHON) -m pytest

bench: ## the benchmarks reported in the issues
	signalroom bench pipeline --posts 200000
	signalroom bench match --topics 2000

ci: install lint types arch test ## everything CI checks, in order
