# The two commands of the README: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-browser lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

DNS_PORT ?= 5353
SANDBOX_ENV := RAMCONSOLE_DEMO_MODE=1 RAMCONSOLE_SANDBOX_DNS=1 RAMCONSOLE_DNS_RESOLVER=127.0.0.1 RAMCONSOLE_DNS_PORT=$(DNS_PORT)

## make run: install, migrate, seed the demo account, start the sandbox DNS server and serve the
## console on http://$(HOST):$(PORT) in demo mode
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "ramconsole: http://$(HOST):$(PORT)/  (demo logins above; sandbox DNS on 127.0.0.1:$(DNS_PORT); Ctrl-C stops)"
	$(SANDBOX_ENV) $(BIN)/python manage.py run_sandbox_dns --port $(DNS_PORT) & \
	trap 'kill $$!' EXIT INT TERM; \
	$(SANDBOX_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install the dev tools, lint, and run the whole suite (browser tests need Debian's chromium)
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: $(VENV)/.installed-dev
	@ls benchmarks/*.py >/dev/null 2>&1 && for b in benchmarks/*.py; do $(BIN)/python $$b; done || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) test-results staticfiles
