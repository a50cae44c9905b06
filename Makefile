# Developer and CI entry points. Everything runs in the project venv through uv;
# Python is never downloaded (only package registries are reachable).
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)

# uv from PATH, else the one `make setup` installs with pip (run as `python3 -m uv`).
UV := $(or $(shell command -v uv 2>/dev/null),python3 -m uv)
INSTALL_UV := python3 -m pip install --quiet --user uv \
	|| python3 -m pip install --quiet uv \
	|| python3 -m pip install --quiet --user --break-system-packages uv
DEVSTACK := $(UV) run python -m mediation_devstack
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup run lint typecheck test test-unit test-integration test-faults test-containers containers contract bench fmt reset clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-17s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## install uv if missing, sync the venv, build FerretDB, helm and Dex into .tools/bin (once)
	@$(UV) --version >/dev/null 2>&1 || $(INSTALL_UV)
	@if [ -f uv.lock ]; then $(UV) sync --all-packages --locked; else $(UV) sync --all-packages; fi
	@$(DEVSTACK) setup

run: setup ## run NATS, FerretDB and the services in the foreground (Ctrl-C stops)
	@$(DEVSTACK) run

lint: ## ruff: lint and formatting check
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: ## mypy (strict; configured in pyproject.toml)
	$(UV) run mypy

test: setup lint typecheck ## everything CI runs: lint, types, all tests
	$(UV) run pytest $(PYTEST_ARGS)

test-unit: ## fast tests, no servers
	$(UV) run pytest tests/unit $(PYTEST_ARGS)

test-integration: setup ## tests against real NATS and FerretDB (free ports), browser tests too
	$(UV) run pytest tests/integration tests/browser tests/browser_oidc $(PYTEST_ARGS)

test-faults: setup ## the fault suite alone: kills and outages under load, with figures
	$(UV) run pytest tests/faults $(PYTEST_ARGS)

test-containers: setup ## the image and the clustered compose deployment alone (needs Docker)
	$(UV) run pytest tests/containers $(PYTEST_ARGS)

containers: ## wheelhouse (built here) + image mediation:latest; BASE_IMAGE=, MEDIATION_IMAGE= to change
	@$(UV) --version >/dev/null 2>&1 || $(INSTALL_UV)
	@UV="$(UV)" deploy/images/build.sh

contract: ## regenerate the JSON Schemas, event catalog and AsyncAPI documents
	$(UV) run python -m mediation_contracts.schemas
	$(UV) run python -m intake.asyncapi
	$(UV) run python -m scheduling.asyncapi
	$(UV) run python -m notes.asyncapi
	$(UV) run python -m notifications.asyncapi
	$(UV) run python -m insights.asyncapi
	$(UV) run python -m gateway.asyncapi

bench: setup ## the whole system against same-work baselines; JSON in var/bench/system.json
	$(UV) run python -m benchmarks.system $(BENCH_ARGS)

fmt: ## fix lint findings and format the code
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

reset: ## delete var/ (local stack data and logs); refuses while the stack runs
	@$(DEVSTACK) reset

clean: ## remove caches (keeps .venv, .tools and var/)
	rm -rf .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
