# The two commands of the README: `make run` and `make test`. Each prepares the checkout first
# (scripts/setup.sh: system packages, .venv, requirements, translations), so either works
# alone on a fresh Debian/Ubuntu machine.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
ADDRESS ?= 127.0.0.1:8000
PYTEST_ARGS ?=
# For `make test-postgres`: a local PostgreSQL (trust auth) and Redis, as in CI.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/demolition
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

export VENV

.PHONY: help setup venv system-packages run test test-postgres lint check-migrations ci

help:
	@echo "make run            migrate, load demo data, print the demo accounts, serve on http://$(ADDRESS)"
	@echo "make test           the whole test suite (SQLite, tasks in-process)"
	@echo "make test-postgres  the suite on PostgreSQL with a real Celery worker on Redis"
	@echo "make lint           ruff check"
	@echo "make ci             what CI runs (.ci/run)"

setup:
	scripts/setup.sh

system-packages:
	scripts/setup.sh system-packages

venv:
	scripts/setup.sh venv

run: setup
	mkdir -p "$${DATA_DIR:-data}"
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	$(PYTHON) manage.py runserver $(ADDRESS)

test: setup
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test-postgres: setup
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		TEST_REQUIRE_SERVICES=postgres,worker $(PYTHON) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

check-migrations: setup
	$(PYTHON) manage.py makemigrations --check --dry-run

ci:
	.ci/run
