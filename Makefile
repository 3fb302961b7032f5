# AutCloud — the two commands are `make run` and `make test`; everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out
REQUEST ?= A containerised web API with PostgreSQL and Redis in Seoul, highly available, about 50,000 daily users, budget 800 USD a month

.PHONY: help run test test-deploy lint format setup system-deps checkov bench eval clean kind-up operator-local kind-demo kind-down

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: setup ## Design the example request on embedded defaults into ./out
	$(BIN)/autcloud design "$(REQUEST)" --out $(OUT) --yes

test: setup system-deps checkov ## Set up and run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# checkov pins boto3 and installs an `hcl2` module over python-hcl2's, so it never shares .venv;
# autcloud runs it through agent/validation/checkov_worker.py with this venv's python.
CHECKOV_VENV ?= .venv-checkov
CHECKOV_VERSION ?= 3.3.30
checkov: $(CHECKOV_VENV)/.checkov-$(CHECKOV_VERSION) ## Install checkov in a virtualenv of its own
$(CHECKOV_VENV)/.checkov-$(CHECKOV_VERSION):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q --upgrade 'pip>=23'
	$(CHECKOV_VENV)/bin/pip install -q 'checkov==$(CHECKOV_VERSION)'
	$(CHECKOV_VENV)/bin/python -c 'import checkov.terraform.runner'
	rm -f $(CHECKOV_VENV)/.checkov-*
	touch $@

lint: setup ## ruff, mypy, the import-linter contracts, the chart README's values table and design.schema.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/values_table.py --check  # the chart README's values table is current
	$(BIN)/python scripts/design_schema.py --check  # docs/design.schema.json is the model's
	$(BIN)/python scripts/cli_reference.py --check  # docs/cli.md is the command table's

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.installed ## Create the virtualenv and install the project (editable)
	@scripts/relink-if-new-modules.sh $(BIN)

# Strict editable mode links every module into build/__editable__*: the folder-to-package
# mapping then works for Python, mypy and import-linter alike, and operator/ can stay a
# namespace folder (see operator/README.md). A module added later needs a re-link, which
# `make setup` does whenever the set of modules changed.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade 'pip>=23' 'setuptools>=68'
	$(BIN)/pip install -q -e '.[dev]' --config-settings editable_mode=strict
	rm -f $(VENV)/.modules
	touch $@

system-deps: ## Install the system tools the tests use (root: apt-get; otherwise a list)
	@scripts/install-system-deps.sh

bench: setup checkov ## Run the benchmarks and print their figures
	$(BIN)/python bench/design_speed.py
	$(BIN)/python bench/level_parallelism.py
	$(BIN)/python bench/validation_speed.py
	$(BIN)/python bench/git_publish.py
	$(BIN)/python bench/scan_speed.py
	$(BIN)/python bench/tagging_scale.py
	$(BIN)/python bench/metrics_scale.py
	$(BIN)/python bench/sse_fanout.py
	$(BIN)/python bench/operator_scale.py
	$(BIN)/python bench/diagram_layout.py

test-deploy: setup system-deps ## Apply every design of tests/deploy against moto (CI applies a subset)
	AUTCLOUD_DEPLOY_ALL=1 $(BIN)/python -m pytest tests/deploy $(PYTEST_ARGS)

eval: setup ## Design every request of eval/requests and check its facts (EVAL_ARGS=...)
	$(BIN)/python eval/run.py --misses $(EVAL_ARGS)

clean: ## Remove the virtualenvs and build output
	rm -rf $(VENV) $(CHECKOV_VENV) build *.egg-info $(OUT) .mypy_cache .ruff_cache .pytest_cache

# Run it for real on kind (needs Docker and kind; see docs/operator.md). Not runnable on CI.
KIND_CLUSTER ?= autcloud
DEMO_REPO ?= /tmp/autcloud-demo.git

kind-up: ## Create a kind cluster and install the CRDs (needs Docker and kind)
	kind create cluster --name $(KIND_CLUSTER) --wait 120s
	kubectl --context kind-$(KIND_CLUSTER) apply -f crds/
	kubectl --context kind-$(KIND_CLUSTER) wait --for condition=Established crd --all --timeout=60s

operator-local: setup ## Run the operator on this machine (local bare repositories allowed for the demo)
	$(BIN)/autcloud operator --all-namespaces --allow-local-repositories

kind-demo: ## A bare repository with a main branch in $(DEMO_REPO), then the demo designs
	rm -rf $(DEMO_REPO) && git init -q --bare -b main $(DEMO_REPO)
	git -C $(DEMO_REPO) update-ref refs/heads/main $$(git -C $(DEMO_REPO) \
	  -c user.name=AutCloud -c user.email=autcloud@localhost \
	  commit-tree -m Start $$(git -C $(DEMO_REPO) mktree </dev/null))
	kubectl --context kind-$(KIND_CLUSTER) apply -f operator/demo/

kind-down: ## Delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)
