# Two entry points for a new user: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test

$(PY):
	python3 -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q console
	touch $(STAMP)

# `make run` works on a git-ignored copy of the demo flows, made on first run: what the console
# saves there (and the versions it keeps) stays out of this repository's history.
RUN_FLOWS ?= demo/flows.toml

run: $(STAMP)
	@test -f $(RUN_FLOWS) || $(VENV)/bin/console init $(dir $(RUN_FLOWS))
	$(VENV)/bin/console --flows $(RUN_FLOWS) ui --sandbox

# Two pytest processes keep both cores of a 2-core machine busy. Each test file runs whole in one
# process (--dist loadfile), so a module's sandbox starts once and its tests run in their order;
# each process starts its own PostgreSQL. PYTEST_WORKERS=0 runs the suite in one process, and a
# test file run on its own (pytest tests/test_x.py) shows a snapshot's SVG diff report.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile
