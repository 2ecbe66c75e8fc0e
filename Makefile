# make demo: create .venv, install, set up the demo database (SQLite rota.db: the example teams, next
# month's rotas solved in-process and published), print one of them with a lead token and a feed URL,
# then serve on 127.0.0.1:8000 until Ctrl-C.  make serve: serve the database again.
# make test: install, lint, type-check rota/ and rota/solver/ (mypy), check the import contracts
# (lint-imports) and run the suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# the wheel ships rota/ alone; this checkout on the venv's path lets `rota bench` and the tests
	@# import benchmarks/ (the tools around the product, not installed)
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "rota-checkout.pth").write_text("$(CURDIR)\n")'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rota serve --demo

serve: $(STAMP)
	$(BIN)/rota serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) lint
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/rota bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
