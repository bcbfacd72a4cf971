# The monorepo's single entry point. The two commands a newcomer needs:
#   make demo   -- set up the environment if needed, then run every system's main job
#   make test   -- set up the environment if needed, then run all tests
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PACKAGES := libs/imagecore mnist_sequences mnist_halves finhash fashion_pipeline \
            question_01 question_02 question_03 question_04
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

# albumentations phones home on every import unless this is set.
export NO_ALBUMENTATIONS_UPDATE := 1
export PYTHONUNBUFFERED := 1
export MPLBACKEND := Agg

.PHONY: setup demo test bench lint data lock clean help

help:
	@echo "make demo | test | bench | lint | data | lock | clean"

setup: $(STAMP)

$(STAMP): requirements/constraints.txt requirements/base.in requirements/dev.in $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade-strategy only-if-needed -c requirements/constraints.txt \
	    -r requirements/base.in -r requirements/dev.in
	$(PY) -m pip install -q --no-build-isolation --no-deps $(addprefix -e ,$(PACKAGES))
	$(PY) -m pip check
	@grep -q NO_ALBUMENTATIONS_UPDATE $(VENV)/bin/activate || echo 'export NO_ALBUMENTATIONS_UPDATE=1' >> $(VENV)/bin/activate
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py $(DEMO_ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) scripts/bench.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $(addsuffix /src,$(PACKAGES))
	$(VENV)/bin/lint-imports

data: $(STAMP)
	$(PY) -m imagecore.datasets

# Re-resolve every pin from the direct dependencies (needs the package registries).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q -r requirements/base.in -r requirements/dev.in
	.venv-lock/bin/pip freeze --exclude-editable > requirements/constraints.txt
	echo "setuptools==$$(.venv-lock/bin/python -c 'import setuptools;print(setuptools.__version__)')" >> requirements/constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
