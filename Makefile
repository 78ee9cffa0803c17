# Two entry points for a fresh machine with Python 3.11 and pip:
#   make demo   set everything up and run the whole pipeline on the bundled corpus
#   make test   set everything up and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test install doccano-venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# The Doccano server has its own virtualenv (never the project's); this builds it once.
doccano-venv: $(STAMP)
	$(BIN)/corpus-tools doccano install

demo: doccano-venv
	$(BIN)/corpus-tools demo

test: doccano-venv
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .pytest_cache
