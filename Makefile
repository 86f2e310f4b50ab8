# The ESET reseller platform. `make run` on a fresh machine, `make test` for the whole suite.
# Nothing needs configuring: with no DATABASE_URL the project uses SQLite under var/, with
# no REDIS_URL Celery uses kombu's filesystem broker under var/ (see README.md).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
# pyproject.toml requires Python 3.11; `python3` is the fallback where it is that version.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PORT ?= 8000
# Rebuilt whenever pyproject.toml changes, so `make install` is instant when nothing did.
STAMP := $(VENV)/.installed

.PHONY: help install run migrate seed test bench lint format clean

help:
	@echo "make install  create $(VENV) and install the project with its dev tools"
	@echo "make run      install, migrate, load demo data, serve on PORT=$(PORT) with Celery worker + beat"
	@echo "make test     the whole test suite (SQLite, or DATABASE_URL / REDIS_URL when set)"
	@echo "make bench    the scale benchmarks of DESIGN.md §10 (needs DATABASE_URL: PostgreSQL, and REDIS_URL for bench_mail)"
	@echo "make lint     ruff check, ruff format --check, mypy"
	@echo "make format   ruff format + ruff check --fix"
	@echo "make migrate  apply migrations;  make seed: load the demo data (idempotent)"
	@echo "make clean    remove var/ (SQLite database, broker files), caches and collected static"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet ".[dev]"
	@# setuptools leaves its build metadata in the tree; the installed copy is in the venv.
	@rm -rf build *.egg-info
	@touch $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python scripts/devserver.py --port $(PORT)

test: install
	$(BIN)/pytest

# Not part of `make test`: minutes of work on a database it builds itself (tests/bench/).
bench: install
	@if [ -z "$$DATABASE_URL" ]; then \
		echo "make bench needs PostgreSQL (and Redis for bench_mail): DATABASE_URL=postgres://postgres@127.0.0.1:5432/eset_platform REDIS_URL=redis://127.0.0.1:6379/6 make bench" >&2; \
		exit 2; \
	fi
	$(BIN)/python -m tests.bench.run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var staticfiles .mypy_cache .ruff_cache .pytest_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
