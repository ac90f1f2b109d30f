#!/usr/bin/env bash
# Starts/stops the API, the Celery worker and beat in the background for `make up` / `make down`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN=.data/run
mkdir -p "$RUN"
CRM=.venv/bin/crm

start_one() {
  local name=$1; shift
  if [ -f "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    echo "run.sh: $name already running (pid $(cat "$RUN/$name.pid"))"; return
  fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  echo "run.sh: $name started (pid $!, log $RUN/$name.log)"
}

stop_one() {
  local name=$1
  if [ -f "$RUN/$name.pid" ]; then
    local pid; pid=$(cat "$RUN/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/$name.pid"; echo "run.sh: $name stopped"
  fi
}

case "${1:-}" in
  start)
    export CRM_ENV="${CRM_ENV:-dev}"
    start_one api "$CRM" serve --port "${CRM_PORT:-8000}"
    start_one worker "$CRM" worker
    start_one beat "$CRM" beat
    for _ in $(seq 1 100); do
      curl -fsS "http://127.0.0.1:${CRM_PORT:-8000}/readyz" >/dev/null 2>&1 && exit 0; sleep 0.2
    done
    echo "run.sh: API not ready; see $RUN/api.log" >&2; tail -n 30 "$RUN/api.log" >&2; exit 1
    ;;
  stop) stop_one beat; stop_one worker; stop_one api ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
