# Cyberbeeld — two commands do all set-up: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= cyberbeeld.config.settings.dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run setup test lint typecheck test-sqlite test-postgres install clean benchmarks

# --- environment -------------------------------------------------------------------------------
# Every step says what it does and how long it takes, and prints a line at least every 10 s
# (scripts/talk.py); CI fails when a fresh install is silent for more than 15 s.
TALK := $(PYTHON) scripts/talk.py --label

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ nodig / needed"'
	@$(TALK) "Virtualenv maken / creating the virtualenv (~10 s)" -- $(PYTHON) -m venv $(VENV)
	@$(TALK) "pip bijwerken / upgrading pip (~15 s)" -- $(BIN)/pip install --progress-bar off --upgrade pip

# Installs the app; re-runs only when pyproject.toml changes (a second `make run` starts in seconds).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(TALK) "Cyberbeeld en afhankelijkheden installeren / installing Cyberbeeld and its dependencies (eerste keer 2-8 min)" \
	  -- $(BIN)/pip install --progress-bar off -e .
	@$(TALK) "Caches bouwen / building caches (eerste keer 1-7 min)" -- $(BIN)/cyberbeeld warm-up
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	@$(TALK) "Testgereedschap installeren / installing the test tools (eerste keer 1-4 min)" \
	  -- $(BIN)/pip install --progress-bar off -e '.[test,spark]'
	@touch $@

install: $(VENV)/.installed

# The page checks of the browser tests: IBM Equal Access engine (ace.js) and the Nu HTML Checker (vnu.jar,
# runs on Java 17), pinned in tools/a11y/package-lock.json. Installed once here (cache in .cache/npm), never
# at test time; --ignore-scripts because vnu-jar's postinstall would download a Java runtime.
A11Y := tools/a11y/node_modules/.installed
$(A11Y): tools/a11y/package.json tools/a11y/package-lock.json
	@$(TALK) "Paginacontroles installeren / installing the page checkers (npm, eerste keer ~30 s)" \
	  -- npm ci --prefix tools/a11y --ignore-scripts --no-audit --no-fund --cache .cache/npm
	@touch $@

# --- run ---------------------------------------------------------------------------------------
# `setup` is everything `run` does before serving (CI times it on a fresh clone).
setup: $(VENV)/.installed
	@mkdir -p var/static
	@$(TALK) "Database bijwerken / migrating the database (eerste keer ~30 s)" -- $(BIN)/cyberbeeld migrate --no-input
	@$(TALK) "Demogemeente laden / loading the demo (eerste keer ~1 min)" -- $(BIN)/cyberbeeld demo

run: setup
	@echo ""
	@echo "Cyberbeeld draait op / runs at http://127.0.0.1:$(PORT)/nl/  (Ctrl+C stopt / stops)"
	$(BIN)/cyberbeeld serve 127.0.0.1:$(PORT) --noreload

# --- test --------------------------------------------------------------------------------------
# House rules (docs/architecture.md "Enforcement"): import contracts (.importlinter), no ORM writes in
# views and forms (scripts/orm_writes_baseline.txt may only shrink), every model change has a migration,
# every import inside a function says why it waits (scripts/import_graph.py --check, a budget that may only shrink).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	PYTHONPATH=src $(BIN)/lint-imports --no-logo
	$(BIN)/python scripts/check_orm_writes.py
	$(BIN)/python scripts/import_graph.py --check
	PYTHONPATH=src DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test-sqlite: $(VENV)/.installed-test $(A11Y)
	scripts/ensure-system-deps.sh
	DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.test $(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

# The database tests again on a real PostgreSQL server (DATABASE_URL, else 127.0.0.1:5432, else a
# throwaway cluster from Debian's postgresql).
test-postgres: $(VENV)/.installed-test
	DATABASE_URL="$$(scripts/ensure-postgres.sh)" DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.test \
	  $(BIN)/pytest -p no:cacheprovider -m "db and not e2e" $(PYTEST_ARGS)

test: lint typecheck test-sqlite test-postgres

# load_bench needs PostgreSQL: the same server as test-postgres, database cyberbeeld_bench(_quick).
benchmarks: $(VENV)/.installed-test
	@export CYBERBEELD_BENCH_DATABASE_URL="$${CYBERBEELD_BENCH_DATABASE_URL:-$$(scripts/ensure-postgres.sh | sed 's#/[^/]*$$#/cyberbeeld_bench#')}"; \
	  for b in benchmarks/*_bench.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
