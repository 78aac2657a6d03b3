# Two commands: `make run` (the main job) and `make test`. Both create .venv on first use.
# `make test-current`: the second test tier, the package as a Colab reader installs it, on the newest fastai.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-current venv readme docs benchmarks plan run-all

# `make run`: every notebook in reading order, each executed once, in place, slow cells included (tools/run_nbs.py);
# then the benchmarks, the home page, the docs sources and README.md. Make skips a notebook whose stamp in .make_run/
# (out of git) is newer than the notebook, the package and the records it reads: an interrupted `make run` starts
# again at the notebook it was in. It prints its plan and estimate first (tools/make_run_times.py).
#   FORCE=1 make run            every notebook again
#   NB=05_resnet18 make run     that notebook again, and what reads its records (06, the home page)
STAMP := .make_run
NBS := $(sort $(wildcard nbs/[0-9][0-9]_*.ipynb))
RECORDS := $(wildcard results/*.json)
STEPS := $(NBS:nbs/%.ipynb=$(STAMP)/%) $(STAMP)/benchmarks $(STAMP)/index
# The package by content, not by date (nbdev_export rewrites every module): $(STAMP)/package changes when it does.
$(shell mkdir -p $(STAMP) && cat mnist_nb/*.py | sha256sum >$(STAMP)/package.new && \
	{ cmp -s $(STAMP)/package.new $(STAMP)/package && rm $(STAMP)/package.new || mv $(STAMP)/package.new $(STAMP)/package; })

run: venv
	@[ -z "$(NB)" ] || [ -f nbs/$(NB).ipynb ] || { echo "NB=$(NB): there is no nbs/$(NB).ipynb"; exit 2; }
	$(if $(NB),@rm -f $(STAMP)/$(NB))
	$(BIN)/nbdev_export
	@$(MAKE) -s --no-print-directory plan
	@$(MAKE) -s --no-print-directory $(if $(FORCE),-B) $(STAMP)/index
	@$(BIN)/python tools/make_run_times.py time finish $(MAKE) -s --no-print-directory readme

plan:
	@$(BIN)/python tools/make_run_times.py plan $(foreach s,$(STEPS),$(notdir $(s)):$$($(MAKE) -sq $(if $(FORCE),-B) $(s) && echo fresh || echo run))

$(STAMP)/%: nbs/%.ipynb $(STAMP)/package $(wildcard nbs/posts/*)
	@$(BIN)/python tools/make_run_times.py time $* $(BIN)/python tools/run_nbs.py --inplace $<
	@touch $@
$(STAMP)/05_resnet18: $(wildcard runs/*/run.json)
$(STAMP)/06_results: $(RECORDS) $(filter-out $(STAMP)/06_results,$(RECORDS:results/%.json=$(STAMP)/%))
$(STAMP)/index: $(filter-out $(STAMP)/index,$(STEPS)) $(RECORDS)
$(STAMP)/benchmarks: $(wildcard benchmarks/*.py)
	@$(BIN)/python tools/make_run_times.py time benchmarks $(BIN)/python benchmarks/run_all.py
	@touch $@

test: venv
	tools/test.sh

# .venv only builds the package here; the tier installs everything else in a venv of its own.
test-current: venv
	tools/current_stack.sh

# A reader's Run all in that venv: the post notebooks 01-05, slow cells included, each one's time (13 minutes on 2 cores,
# measured 2026-12-07; OUT=folder keeps the executed notebooks). The tier's other checks run as usual.
run-all: venv
	tools/current_stack.sh --run-all $(OUT)

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
