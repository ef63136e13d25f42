# kosodate — the two commands of the README, and a few more.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PORT ?= 5000

.PHONY: run test lint format bench cluster-test

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

## run: the app with the FY2017 Atsugi demo data on SQLite, at http://127.0.0.1:$(PORT)
run: $(VENV)/.runtime-installed
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	KOSODATE_EMBEDDED_SCHEDULER=1 KOSODATE_BASE_URL=http://127.0.0.1:$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

## test: the whole suite (also on PostgreSQL when KOSODATE_TEST_DATABASE_URL is set)
test: $(VENV)/.dev-installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: load measurements on SQLite and PostgreSQL (README, "Performance"); BENCH_ARGS="--followups 1000" for a quick one
bench: $(VENV)/.dev-installed
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) -m bench.run $(BENCH_ARGS)

## cluster-test: nginx, two web nodes, two schedulers, PostgreSQL and Redis on loopback (README, "Production"); ~1 minute
cluster-test: $(VENV)/.dev-installed
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx)
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) -m tests.cluster.run $(CLUSTER_ARGS)
