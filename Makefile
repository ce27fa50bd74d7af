# Two entry points, each doing all set-up on a fresh machine:
#   make repro   install into .venv, then `dvc repro` the whole pipeline (embedded defaults)
#   make test    install into .venv (with test extras), then run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

repro: $(BIN)/.installed
	dvc repro

test: $(BIN)/.installed
	python -m ruff check storycast stages tests benchmarks scripts
	python -m pytest -q

bench: $(BIN)/.installed
	python benchmarks/bench_planning.py

.PHONY: install repro test bench
