# make run   — set up everything on a fresh machine and serve the demo forum
# make test  — ruff, mypy and the whole pytest suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app maruf_reg
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE := $(or $(MARUF_INSTANCE_PATH),instance)

.PHONY: run test lint typecheck pytest translations messages worker clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@scripts/system-deps install
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(PY) scripts/i18n.py compile

messages: $(VENV)/.installed
	$(PY) scripts/i18n.py extract

run: $(VENV)/.installed translations
	@scripts/system-deps install
	@scripts/new-instance-config
	$(FLASK) init-db
	$(FLASK) demo --if-absent
	@echo
	@echo "MARUF-Reg is at http://$(HOST):$(PORT)/  — staff log in at http://$(HOST):$(PORT)/login with:"
	@cat $(INSTANCE)/demo-logins.txt 2>/dev/null || echo "  (your own staff users: flask --app maruf_reg create-user EMAIL --role admin)"
	@echo
	@trap 'kill 0' INT TERM EXIT; $(FLASK) worker & $(FLASK) run --host $(HOST) --port $(PORT)

worker: $(VENV)/.installed
	$(FLASK) worker

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check maruf_reg tests bench scripts
	$(VENV)/bin/ruff format --check maruf_reg tests bench scripts
	$(VENV)/bin/bandit -c pyproject.toml -r maruf_reg -q
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

pytest: $(VENV)/.installed translations
	@scripts/system-deps install-test
	@scripts/vnu install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
