# The two commands of the README: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast test-browser lint bench clean messages

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

# Credential reports are built by django-tasks' database worker, started beside the server by
# `make run` and `make serve` and stopped with it. No autoreload: a reloader's child would outlive
# the kill of its parent. It looks for a queued report every 0.1 s, not its default 1 s: idle, that is
# ~37 ms of CPU a second (measured on PostgreSQL, one short transaction a poll), and a report no
# longer waits up to a second to be started.
TASK_ENV := RAMCONSOLE_TASK_BACKEND=django_tasks_db.DatabaseBackend
REPORT_WORKER := $(BIN)/python manage.py db_worker --no-reload --interval 0.1

## make run: install, migrate, seed the demo account, start the sandbox DNS server and the report
## worker, and serve the console on http://$(HOST):$(PORT) in demo mode
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	RAMCONSOLE_COLLECTED_STATIC=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "ramconsole: http://$(HOST):$(PORT)/  (demo logins above; sandbox DNS on 127.0.0.1:$(DNS_PORT); report worker; Ctrl-C stops)"
	$(SANDBOX_ENV) $(BIN)/python manage.py run_sandbox_dns --port $(DNS_PORT) & dns=$$!; \
	$(SANDBOX_ENV) $(TASK_ENV) $(REPORT_WORKER) & worker=$$!; \
	trap 'kill $$dns $$worker 2>/dev/null' EXIT INT TERM; \
	$(SANDBOX_ENV) $(TASK_ENV) RAMCONSOLE_COLLECTED_STATIC=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

WORKERS ?= 2
DEMO ?= 1
PLAIN_HTTP ?= 1
SERVE_SECRET_FILE ?= .serve-secret-key
SERVE_ALLOWED_HOSTS := $(HOST),127.0.0.1,localhost,[::1]
SERVE_DATABASE_URL = $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/ramconsole_serve)
SERVE_REDIS_URL = $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
SERVE_ENV = DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$$(cat $(SERVE_SECRET_FILE))" \
	DJANGO_ALLOWED_HOSTS="$(or $(DJANGO_ALLOWED_HOSTS),$(SERVE_ALLOWED_HOSTS))" \
	DATABASE_URL="$(SERVE_DATABASE_URL)" REDIS_URL="$(SERVE_REDIS_URL)" RAMCONSOLE_DEMO_MODE=$(DEMO) \
	$(if $(filter 1,$(PLAIN_HTTP)),DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0)

## make serve: the production profile: DEBUG off, PostgreSQL, Redis, static files collected, gunicorn
## with $(WORKERS) workers and the report worker on http://$(HOST):$(PORT) (plain HTTP unless PLAIN_HTTP=0; demo seed unless DEMO=0).
## Stops at once, in one line, if PostgreSQL cannot be reached; without Redis it warns and serves degraded.
serve: $(VENV)/.installed-run
	@test -s $(SERVE_SECRET_FILE) || (umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SERVE_SECRET_FILE))
	@$(SERVE_ENV) $(BIN)/python -m ramconsole.preflight
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(if $(filter 1,$(DEMO)),$(SERVE_ENV) $(BIN)/python manage.py seed_demo)
	@echo "ramconsole: http://$(HOST):$(PORT)/  ($(WORKERS) gunicorn workers and a report worker; health: /health; Ctrl-C stops)"
	$(SERVE_ENV) $(TASK_ENV) $(REPORT_WORKER) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(SERVE_ENV) $(TASK_ENV) $(BIN)/gunicorn --config ramconsole/gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT)

## make test: install the dev tools, lint, and run the whole suite (browser tests need Debian's chromium)
## on $(TEST_PROCESSES) processes (pytest-xdist); the multi-worker tests share one (their xdist_group)
TEST_PROCESSES ?= 2
test: lint
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## make messages: collect the marked strings into ramconsole/locale/zh_Hans (makemessages needs GNU
## gettext: apt-get install gettext), then compile the .mo files in pure Python (polib); translate
## the new entries of the .po, run it again, and commit both files.
MESSAGES_IGNORE := $(foreach d,.venv tests benchmarks static staticfiles scripts test-results,--ignore=$(d))
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-wrap $(MESSAGES_IGNORE)
	$(BIN)/python scripts/compile_messages.py

bench: $(VENV)/.installed-dev
	@ls benchmarks/[!_]*.py >/dev/null 2>&1 && for b in benchmarks/[!_]*.py; do $(BIN)/python $$b; done || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) test-results staticfiles
