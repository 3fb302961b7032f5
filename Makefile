# AutCloud — the two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
REQUEST ?= A containerised web API with PostgreSQL and Redis in Seoul, highly available, about 50,000 daily users, budget 800 USD a month
PACKAGES := src agent operator
SOURCES := $(shell find $(PACKAGES) -name '*.py' 2>/dev/null)

.PHONY: help run test lint typecheck imports format setup system-deps bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: setup ## Design the example request on embedded defaults into ./out
	$(BIN)/autcloud design "$(REQUEST)" --out $(OUT) --yes

test: setup system-deps ## Set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup ## ruff, mypy and the import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.linked ## Create the virtualenv and install the project (editable)

# Strict editable mode links each module into build/, so mypy and import-linter see the
# folder-to-package mapping; a new module needs a re-link, hence the dependency on SOURCES.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=23' 'setuptools>=68'
	$(BIN)/pip install -q -e '.[dev]' --config-settings editable_mode=strict
	touch $@

$(VENV)/.linked: $(VENV)/.installed $(SOURCES)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e . --config-settings editable_mode=strict
	touch $@

system-deps: ## Install the system tools the tests use (root: apt-get; otherwise a list)
	@scripts/install-system-deps.sh

bench: setup ## Run the benchmarks and print their figures
	$(BIN)/python bench/design_speed.py
	$(BIN)/python bench/level_parallelism.py

clean: ## Remove the virtualenvs and build output
	rm -rf $(VENV) build *.egg-info $(OUT) .mypy_cache .ruff_cache .pytest_cache
