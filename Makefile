# Two commands: `make run` (the main job) and `make test`. Both create .venv on first use.
# `make test-current`: the second test tier, the built package on the newest fastai and fastcore 2 in a fresh venv.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-current venv readme docs benchmarks

run: venv
	tools/run_all.sh

test: venv
	tools/test.sh

# .venv only builds the package here; the tier installs everything else in a venv of its own.
test-current: venv
	tools/current_stack.sh

# The project's virtual environment: pinned versions, the project editable with its dev extras.
venv: $(VENV)/.installed
$(VENV)/.installed: settings.ini setup.py requirements-lock.txt
	@PY=$$(test -x $(BIN)/python && echo $(BIN)/python || echo python3); $$PY -c 'import sys; sys.exit(sys.version_info < (3, 11, 5))' \
	  || { echo "make venv: requirements-lock.txt needs Python 3.11.5 or newer, and $$PY is $$($$PY -V 2>&1); put a newer python3 first on PATH (and delete .venv)" >&2; exit 1; }
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements-lock.txt -e '.[dev]'
	touch $@

docs: venv
	$(BIN)/python tools/docs_check.py

readme: docs
	$(BIN)/python tools/make_readme.py

benchmarks: venv
	$(BIN)/python benchmarks/run_all.py
