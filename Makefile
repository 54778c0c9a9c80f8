# make run   — set up everything on a fresh machine and serve the demo forum
# make test  — ruff, mypy and the whole pytest suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app maruf_reg
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE := $(or $(MARUF_INSTANCE_PATH),instance)
# Mail links use the address `make run` serves on when MARUF_BASE_URL is not set.
SERVED_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname -f 2>/dev/null || hostname),$(HOST))

.PHONY: run test lint typecheck pytest translations messages worker clean cluster test-cluster

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@scripts/system-deps install
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(VENV)/.installed
	$(PY) scripts/i18n.py compile

messages: $(VENV)/.installed
	$(PY) scripts/i18n.py extract

run: export MARUF_SERVED_URL := http://$(SERVED_HOST):$(PORT)
run: $(VENV)/.installed translations
	@scripts/system-deps install
	@scripts/new-instance-config
	$(FLASK) init-db
	$(FLASK) demo --if-absent
	@echo
	@echo "MARUF-Reg is at http://$(HOST):$(PORT)/  — staff log in at http://$(HOST):$(PORT)/login with:"
	@cat $(INSTANCE)/demo-logins.txt 2>/dev/null || echo "  (your own staff users: flask --app maruf_reg create-user EMAIL --role admin)"
	@echo
	@$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

worker: $(VENV)/.installed
	$(FLASK) worker

# The production topology on loopback (deploy/): nginx, 2 app servers, 2 workers, PostgreSQL and
# Redis on 127.0.0.1. CLUSTER_PORT=8443 by default; Ctrl-C stops it and drops its database.
CLUSTER_PORT ?= 8443
cluster: $(VENV)/.installed translations
	@scripts/system-deps install-cluster
	$(PY) scripts/cluster.py --port $(CLUSTER_PORT)

test-cluster: $(VENV)/.installed translations
	@scripts/system-deps install-cluster
	$(VENV)/bin/pytest -m cluster tests/cluster $(PYTEST_ARGS)

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
