# Yingji: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CODE   := service dispatch rosters plans

.PHONY: run test lint fmt install clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/yingji db upgrade
	$(BIN)/yingji demo
	$(BIN)/yingji serve --host 127.0.0.1 --port 8000

test: install lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check $(CODE) tests bench
	$(BIN)/ruff format --check $(CODE) tests bench
	$(BIN)/mypy $(CODE)

fmt: install
	$(BIN)/ruff check --fix $(CODE) tests bench
	$(BIN)/ruff format $(CODE) tests bench

# full size; run on a quiet machine (see bench/README.md)
bench: install
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.clock
	$(BIN)/python -m bench.clock --loops 3 --out bench/results/clock-loops3.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
