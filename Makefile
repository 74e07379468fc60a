# Allié — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help

help: #: list the targets
	@grep -E '^[a-z-]+:.*#:' $(MAKEFILE_LIST) | sed -E 's/:.*#: /\t/' | column -t -s $$'\t'

$(STAMP): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMP) node_modules/.installed #: create the virtual environment, install Python and npm packages, compile translations
	$(PY) manage.py compilecatalogs

migrate: setup #: apply database migrations
	$(PY) manage.py migrate --no-input

demo: migrate #: load the bilingual demo organisation (once)
	$(PY) manage.py seed_demo

run: demo #: set up and serve Allié with its worker on http://127.0.0.1:8000
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py demo_logins
	@trap 'kill 0' EXIT; \
	  $(PY) manage.py run_huey --quiet & \
	  DEBUG=$${DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

worker: setup #: run the background worker alone
	$(PY) manage.py run_huey

system-packages: #: install the Debian packages the tests need (chromium, gettext, dovecot-imapd)
	@bash scripts/system-packages.sh

test: setup system-packages #: run the whole suite on SQLite, then on PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) manage.py check_catalogues
	$(BIN)/pytest -n 2 -q
	@bash scripts/ensure-postgres.sh
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q -m "not browser"

test-fast: setup #: the suite on SQLite without the browser journeys
	$(BIN)/pytest -n 2 -q -m "not browser"

lint: setup #: ruff and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: setup #: format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup #: extract the translatable strings into the catalogues
	$(PY) manage.py makemessages --locale fr --locale en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' --ignore 'tests/*' --ignore '*/tests/*' --no-obsolete
	$(PY) manage.py compilecatalogs

bench-sweep: $(STAMP) #: benchmark the deadline sweep on PostgreSQL (100,000 open tickets, 100 due)
	@bash scripts/ensure-postgres.sh
	$(PY) bench/sweep.py

bench-mail: $(STAMP) #: benchmark email intake on PostgreSQL (messages parsed, threaded and stored per second)
	@bash scripts/ensure-postgres.sh
	$(PY) bench/mail_intake.py

bench: setup #: benchmark Allié under HTTP load on PostgreSQL, side by side with django-helpdesk (BENCH_TICKETS, BENCH_DURATION, BENCH_SKIP_PEER=1)
	@bash scripts/ensure-postgres.sh
	@bash scripts/bench-packages.sh
	$(PY) bench/run.py

clean: #: remove the local database, uploads and build artefacts (keeps the virtual environment)
	rm -rf var/allie.sqlite3* var/huey.sqlite3* var/static var/attachments var/mail test-results

.PHONY: help setup migrate demo run worker system-packages test test-fast lint fmt messages clean bench-sweep bench-mail bench
