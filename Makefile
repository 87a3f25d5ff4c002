# Annex: `make run` starts the portal; `make test` runs every check CI runs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_SCALE ?= default

.PHONY: run test bench lint venv clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Annex needs Python 3.11 ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

test: $(STAMP)
	@bash scripts/test.sh

bench: $(STAMP)
	@BENCH_SCALE=$(BENCH_SCALE) bash scripts/bench.sh

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/ test-artifacts/ .pytest_cache
