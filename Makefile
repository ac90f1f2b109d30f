# Graph CRM: `make up` runs the whole stack locally, `make test` runs the suite.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CRM_PORT ?= 8000
# Test services run on their own ports with throw-away data, beside a running `make up`.
TEST_NEO4J_BOLT ?= 127.0.0.1:7697
TEST_REDIS_PORT ?= 6389

.PHONY: install media launcher services web browser up down test lint typecheck schema bench clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || PY=python3; \
	  if [ ! -x $(BIN)/python ]; then $${PY:-$(PY)} -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV); fi
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) media

# ffmpeg and espeak-ng from Debian when missing (voice notes: decoding, and the spoken notes of tests and bench)
media:
	scripts/media-tools.sh

# The front end (web/): npm ci only when package-lock.json changed, then tsc --noEmit and esbuild into web/dist.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package-lock.json
	scripts/web.sh install

web: $(WEB_STAMP)
	scripts/web.sh build

browser:
	scripts/chromium.sh

launcher:
	scripts/neo4j.sh build

services: install launcher
	@if [ -z "$$NEO4J_URI" ]; then scripts/neo4j.sh start; else echo "using Neo4j at $$NEO4J_URI"; fi
	@if [ -z "$$REDIS_URL" ]; then scripts/redis.sh start; else echo "using Redis at $$REDIS_URL"; fi

up: services web
	$(BIN)/crm migrate
	$(BIN)/crm seed --demo
	scripts/mailpit.sh start
	CRM_PORT=$(CRM_PORT) scripts/run.sh start
	@echo ""
	@echo "  Graph CRM is up."
	@echo "  GraphiQL:   http://127.0.0.1:$(CRM_PORT)/graphql"
	@echo "  Mail:       http://127.0.0.1:8025 (Mailpit; every mail the CRM sends lands here)"
	@echo "  Explorer:   http://127.0.0.1:$(CRM_PORT)/explorer/"
	@echo "  Demo login: admin@demo.crm / demo-password   (also manager@, rep@, marketing@, service@, tech@, erp@demo.crm)"
	@echo "  Stop with:  make down"

down:
	scripts/run.sh stop
	scripts/mailpit.sh stop
	@if [ -z "$$NEO4J_URI" ]; then scripts/neo4j.sh stop; fi
	@if [ -z "$$REDIS_URL" ]; then scripts/redis.sh stop; fi

test: install launcher web browser
	scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

schema: install
	$(BIN)/python -m crm.export_schema > schema.graphql

bench: services
	$(BIN)/python bench/run.py

clean:
	rm -rf .data/test-* launcher/target
