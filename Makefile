# BRM Portal: the two commands a newcomer needs are `make run` and `make test` (README).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# The tests run on the machine's PostgreSQL and Redis unless told otherwise; Redis database
# 15 keeps their tasks away from a development worker on the same Redis.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/brm
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint format migrations-check install install-dev browser clean bench bench-quick audit

$(VENV)/.run-installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-installed $@

install: $(VENV)/.run-installed
install-dev: $(VENV)/.dev-installed

## run: install, migrate, seed demo data, serve web + Celery worker + beat on 127.0.0.1:8000
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo "Portal on http://127.0.0.1:8000/ — e-mails land in var/mail/. Ctrl-C stops all three."
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A brm worker -P solo --loglevel=INFO -n demo-worker@%h & \
	$(VENV)/bin/celery -A brm beat --loglevel=INFO & \
	$(PY) manage.py runserver 127.0.0.1:8000

## browser: Debian's Chromium for the browser tests (Playwright cannot download one here)
browser:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	  else echo "Chromium missing: install Debian's chromium package to run the browser tests."; fi; \
	fi

## test: install what the tests need and run them all on PostgreSQL and Redis
test: install-dev browser
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## audit: bandit over the project's code (each exception a `# nosec <id>` with its reason) and
## pip-audit over the pinned requirements (.ci/pip_audit.py: WARNING when it cannot check)
audit: install-dev
	$(VENV)/bin/bandit -q -r brm customers services relationships integrations manage.py -x '*/migrations/*'
	$(PY) .ci/pip_audit.py requirements.txt requirements-dev.txt

migrations-check: install-dev
	DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var staticfiles test-results .pytest_cache

## bench: the benchmark at scales 1 and 10 on the machine's PostgreSQL and Redis (README)
bench: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; }
	$(PY) -m bench.run

## bench-quick: small scales, a few seconds each; fails on errors or growing query counts
bench-quick: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; }
	$(PY) -m bench.run --quick
