# Pilar: every target sets up what it needs (a virtual environment pinned by uv.lock).
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

SRC := contracts/src services/kit/src services/registry/src services/cases/src \
       services/notifications/src services/analytics/src

.PHONY: help setup run test test-fast lint format typecheck browser bench asyncapi schemas clean

help:
	@echo "make run        start nats-server and the four services locally (SQLite)"
	@echo "make test       lint, typecheck and every test (real nats-server, SQLite and PostgreSQL)"
	@echo "make test-fast  unit tests only"
	@echo "make bench      benchmarks, printed as ratios against raw nats-py"
	@echo "make asyncapi   write contracts/asyncapi.json"
	@echo "make schemas    re-export contracts/schemas/*.json after an intended contract change"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml */pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

setup: $(VENV)/.synced

run: setup
	$(PY) -m pilar_kit.devrun

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m deploy.nats.generate --check

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: setup
	$(VENV)/bin/mypy $(SRC) deploy/nats tests bench

browser:  # Chromium (Debian's package) for the dashboard's browser test
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

test: lint typecheck browser
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: setup
	$(PY) -m pytest -q -m "not integration and not e2e"

bench: setup
	$(PY) -m bench
	$(PY) -m bench.analytics
	$(PY) -m bench.cases
	-$(PY) -m bench.intake  # exits 1 when its 200 cases/s target is missed (a busy machine)
	$(PY) -m bench.registry
	$(PY) -m bench.callout
	-$(PY) -m bench.notifications  # exits 1 when its 10 s target is missed (a busy machine)

asyncapi: setup
	$(PY) -m pilar_contracts.asyncapi > contracts/asyncapi.json
	@echo "wrote contracts/asyncapi.json"

schemas: setup
	$(PY) -m pilar_contracts.schemas contracts/schemas
	@echo "wrote contracts/schemas/"

clean:
	rm -rf $(VENV) $(TOOLS) .run .mypy_cache .ruff_cache
