# The two commands the README opens with: `make run` and `make test`.
# Both create .venv (if needed) and install the project into it; nothing global is changed
# except, for `make test`, the system packages the tests need (see .ci/install-system-deps).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: install run demo-cli test lint bench
install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	# Background tasks (de-identification, e-mails) run in the web process here; production runs manage.py db_worker.
	SPINEPATH_TASKS=immediate $(BIN)/python manage.py runserver 127.0.0.1:8000

demo-cli: $(STAMP)
	$(BIN)/spinepath assess examples/intake/06-routine-mild-candidate.json

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: $(STAMP)
	bash .ci/install-system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
