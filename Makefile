# Cyberbeeld — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= cyberbeeld.config.settings.dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint typecheck test-sqlite test-postgres install clean benchmarks

# --- environment -------------------------------------------------------------------------------
$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ nodig / needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs the app; re-runs only when pyproject.toml changes (a second `make run` starts in seconds).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/cyberbeeld warm-up
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,spark]'
	@touch $@

install: $(VENV)/.installed

# --- run ---------------------------------------------------------------------------------------
run: $(VENV)/.installed
	@mkdir -p var/static
	$(BIN)/cyberbeeld migrate --no-input -v 0
	$(BIN)/cyberbeeld demo --quiet
	@echo ""
	@echo "Cyberbeeld draait op / runs at http://127.0.0.1:$(PORT)/nl/  (Ctrl+C stopt / stops)"
	$(BIN)/cyberbeeld serve 127.0.0.1:$(PORT) --noreload

# --- test --------------------------------------------------------------------------------------
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test-sqlite: $(VENV)/.installed-test
	scripts/ensure-system-deps.sh
	DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.test $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# The database tests again on a real PostgreSQL server (DATABASE_URL, else 127.0.0.1:5432, else a
# throwaway cluster from Debian's postgresql).
test-postgres: $(VENV)/.installed-test
	DATABASE_URL="$$(scripts/ensure-postgres.sh)" DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.test \
	  $(BIN)/pytest -p no:cacheprovider -m "db and not e2e" $(PYTEST_ARGS)

test: lint typecheck test-sqlite test-postgres

benchmarks: $(VENV)/.installed-test
	@for b in benchmarks/*_bench.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
