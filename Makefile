# Qinglang: `make demo` to try it, `make test` to run the suite, `make check` before a commit.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SOURCES := src tests bench migrations scripts

.PHONY: install demo test lint check bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/qinglang demo

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint
	$(BIN)/pytest -W error

bench: install
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/workflow.py
	$(BIN)/python bench/ledger_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
