#!/usr/bin/env bash
# Runs the whole suite against real services: a throw-away Neo4j and Redis on their own
# ports (unless NEO4J_URI / REDIS_URL are set), stopped again afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BOLT="${TEST_NEO4J_BOLT:-127.0.0.1:7697}"
RPORT="${TEST_REDIS_PORT:-6389}"
started_neo4j=0; started_redis=0

cleanup() {
  if [ "$started_neo4j" = 1 ]; then NEO4J_HOME_DIR=.data/test-neo4j NEO4J_BOLT="$BOLT" scripts/neo4j.sh stop >/dev/null || true; fi
  if [ "$started_redis" = 1 ]; then REDIS_PORT="$RPORT" REDIS_DIR=.data/test-redis scripts/redis.sh stop >/dev/null || true; fi
}
trap cleanup EXIT

if [ -z "${NEO4J_URI:-}" ]; then
  rm -rf .data/test-neo4j
  NEO4J_HOME_DIR=.data/test-neo4j NEO4J_BOLT="$BOLT" NEO4J_HEAP="${TEST_NEO4J_HEAP:-1g}" scripts/neo4j.sh start
  started_neo4j=1
  export NEO4J_URI="bolt://$BOLT"
fi
if [ -z "${REDIS_URL:-}" ]; then
  rm -rf .data/test-redis
  REDIS_PORT="$RPORT" REDIS_DIR=.data/test-redis scripts/redis.sh start
  started_redis=1
  export REDIS_URL="redis://127.0.0.1:$RPORT/0"
fi
export CRM_ENV=test
export CRM_SECRET="${CRM_SECRET:-test-secret-not-for-production-0123456789}"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/pytest "$@"
