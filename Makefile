# Samråd — the two commands of the quick start: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test mutation lint typecheck check-deps clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Samråd needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## demo: install, migrate, seed the demo municipality (database in SAMRAD_DATA_DIR, printed) and serve on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/samrad demo

## test: install what the tests need (Chromium, PostgreSQL where missing) and run lint, types and the suite
test: $(STAMP) check-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

## mutation: mutation testing of the core and the delivery rules against their own tests, one module at a
## time on one worker, printing each module's score (by hand, not in CI; see docs/testing.md).
## MODULES="conditions plan" runs only those.
mutation: $(VENV)/.mutation-stamp
	$(BIN)/python scripts/mutation.py $(MODULES)

$(VENV)/.mutation-stamp: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	touch $@

check-deps:
	@bash scripts/test-deps.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache samrad.egg-info
