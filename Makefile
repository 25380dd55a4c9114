# Yingji: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CODE   := service dispatch rosters plans

.PHONY: run test lint fmt install clean bench ui ui-test chromium e2e

# the web UI (frontend/): npm ci when the lock changed, a build when any source is newer
UI       := frontend
UI_DIST  := $(UI)/dist/index.html
UI_DEPS  := $(UI)/node_modules/.package-lock.json
UI_SRC   := $(shell find $(UI)/src $(UI)/public $(UI)/scripts -type f 2>/dev/null) \
            $(UI)/index.html $(UI)/vite.config.ts $(UI)/tsconfig.json $(UI)/package.json
CHROMIUM := /usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(UI_DEPS): $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund
	touch $(UI_DEPS)

$(UI_DIST): $(UI_DEPS) $(UI_SRC)
	cd $(UI) && npm run build

ui: $(UI_DIST)

ui-test: $(UI_DEPS)
	cd $(UI) && npm test

# the browser tests use Debian's Chromium (never a downloaded browser build) and CJK fonts
chromium:
	@if [ ! -x $(CHROMIUM) ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "tests/e2e need $(CHROMIUM): run 'sudo apt-get install chromium fonts-noto-cjk'" >&2; exit 1; fi; \
	fi

e2e: install ui chromium
	$(BIN)/pytest tests/e2e -n 0

run: install ui
	$(BIN)/yingji db upgrade
	$(BIN)/yingji demo
	$(BIN)/yingji serve --host 127.0.0.1 --port 8000

test: install lint ui ui-test chromium
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check $(CODE) tests bench
	$(BIN)/ruff format --check $(CODE) tests bench
	$(BIN)/mypy $(CODE) bench

fmt: install
	$(BIN)/ruff check --fix $(CODE) tests bench
	$(BIN)/ruff format $(CODE) tests bench

# full size; run on a quiet machine (see bench/README.md)
bench: install
	$(BIN)/python -m bench.broadcast
	$(BIN)/python -m bench.clock
	$(BIN)/python -m bench.clock --loops 3 --out bench/results/clock-loops3.json
	$(BIN)/python -m bench.duty_now
	$(BIN)/python -m bench.nearest
	$(BIN)/python -m bench.incidents
	$(BIN)/python -m bench.acks
	$(BIN)/python -m bench.deadlines

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(UI)/dist $(UI)/node_modules
