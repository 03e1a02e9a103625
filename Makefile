# Needlecare: `make demo` runs the demo, `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo serve test test-only lint pg-test reliability clean chromium system-libs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.runtime

# WeasyPrint (printable sheets) needs Debian's pango and harfbuzz-subset.
system-libs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's pango and harfbuzz for PDF sheets..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	  else \
	    echo "PDF sheets need Debian's pango: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0'."; exit 1; \
	  fi; \
	fi

demo: $(VENV)/.runtime system-libs
	@mkdir -p var
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Needlecare demo: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it; reminders sent go to var/worker.log)"
	@EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend DEBUG=true $(BIN)/python manage.py db_worker --no-reload --interval 2 >var/worker.log 2>&1 & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend DEBUG=true SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production serving: settings from the environment or a .env file (docs/operations.md), the
# migrations, the static files, gunicorn (WORKERS processes of THREADS threads) and the task worker.
# One process suits SQLite (one writing process, docs/operations.md); raise WORKERS on PostgreSQL.
HOST ?= 127.0.0.1
WORKERS ?= 1
THREADS ?= 8
serve: $(VENV)/.runtime system-libs
	@mkdir -p var
	$(BIN)/python manage.py check --deploy --fail-level ERROR
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@$(BIN)/python manage.py db_worker --no-reload & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn needlecare.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) --timeout 60 --graceful-timeout 30

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else \
	    echo "The browser tests need Debian's Chromium: run 'sudo apt-get install chromium' (or set CHROMIUM=/path)."; exit 1; \
	  fi; \
	fi

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache  # the layer order (pyproject.toml, docs/architecture.md)
	$(BIN)/mypy

test: $(VENV)/.test chromium system-libs lint test-only

test-only: $(VENV)/.test
	@mkdir -p artifacts
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The same suite against PostgreSQL (what .ci/run does after `make test`).
pg-test: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest -q -n 2 --dist loadfile

# Issue 22's reliability benchmark: a real server with production settings on 127.0.0.1, SQLite and
# PostgreSQL (DATABASE_URL, a throwaway database it drops and recreates); `RELIABILITY_ARGS=--quick` for
# a short run. Prints one table; exits 1 when a case misses its goal (docs/operations.md, Reliability).
reliability: $(VENV)/.test system-libs
	$(BIN)/python benchmarks/reliability.py $(RELIABILITY_ARGS)

clean:
	rm -rf $(VENV) var artifacts
