# Two entry points: `make run` serves the map on the bundled data, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/explorer check
	$(BIN)/explorer serve

AXE := tests/a11y/node_modules/axe-core/axe.min.js

# axe-core for the accessibility tests comes from npm when npm is there (they skip without it).
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/a11y --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility tests will skip"; fi

test: $(STAMP) $(AXE)
	$(BIN)/ruff check explorer tests scripts
	$(BIN)/explorer check
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check explorer tests scripts

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_offers.py
	$(BIN)/python scripts/bench_db.py
	$(BIN)/python scripts/bench_phone.py
	$(BIN)/python scripts/bench_ogc.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
