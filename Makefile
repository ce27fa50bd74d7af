# Two entry points, each doing all set-up on a fresh machine:
#   make repro   install into .venv, then `dvc repro` the whole pipeline (embedded defaults)
#   make test    install into .venv (with test extras), then run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

# torch is pinned to the CPU build first so the `models` extra does not pull a CUDA build;
# on a GPU machine install your CUDA torch before `make`, and this step leaves it alone.
TORCH ?= torch==2.13.0

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q '$(TORCH)'
	$(BIN)/python -m pip install -q -e '.[test,models]'
	touch $@

install: $(BIN)/.installed

repro: $(BIN)/.installed
	dvc repro

test: $(BIN)/.installed
	python -m ruff check storycast stages tests benchmarks scripts
	HF_HUB_OFFLINE=1 python -m pytest -q

bench: $(BIN)/.installed
	python benchmarks/bench_planning.py

.PHONY: install repro test bench
