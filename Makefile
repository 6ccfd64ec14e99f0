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

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q
