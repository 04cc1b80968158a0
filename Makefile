# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data
QUERY ?= IVIg Guillain-Barré adults
QUESTION ?= What is the treatment for adults with Guillain-Barré syndrome?

.PHONY: demo test install install-dev system-deps lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[onnx]'

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,onnx]'

EMBED_BUDGET ?= 360

## Install, ingest $(DATA) into the default store, embed the most useful passages for
## $(EMBED_BUDGET) s (the rest: `medcite embed`), run a sample search and ask a question.
demo: install
	$(BIN)/medcite ingest $(DATA) --embed-budget $(EMBED_BUDGET)
	$(BIN)/medcite stats
	$(BIN)/medcite search "$(QUERY)" -k 5
	$(BIN)/medcite ask "$(QUESTION)"

## PostgreSQL and Chromium for the storage and browser tests (apt, only when missing).
system-deps:
	bash scripts/system-deps.sh

## Install with test tools (and PostgreSQL, Chromium) and run the whole test suite.
test: install-dev system-deps
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/answers.py
	$(BIN)/python bench/embed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
