# make demo : create .venv when missing, then scan the built-in lab of emulated devices
# make test : the same set-up, then lint, type-check and the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint check bench clean

$(STAMP): pyproject.toml setup.py $(wildcard src/camaudit/*/*.c)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/camaudit demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

test: lint
	PY=$(PY) scripts/test.sh

bench: $(STAMP)
	$(PY) bench/scan_vs_nmap.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache camaudit-demo.json camaudit-demo.html
