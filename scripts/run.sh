#!/usr/bin/env bash
# Starts/stops the API, the Celery worker and beat in the background for `make up` / `make down`.
# Each runs under `crm supervise`: restarted when it dies (back-off 1 s doubling to 30 s, reset after a stable
# minute), its output appended to $RUN/<name>.log and rotated at CRM_LOG_MAX_BYTES (10 MiB) into .1 ... .5.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN=${CRM_RUN_DIR:-.data/run}
mkdir -p "$RUN"
PY=${CRM_PYTHON:-.venv/bin/python}
CRM=("$PY" -m crm.cli)

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_one() {
  local name=$1; shift
  if alive "$RUN/$name.pid"; then
    echo "run.sh: $name already running (supervisor pid $(cat "$RUN/$name.pid"))"; return
  fi
  nohup "${CRM[@]}" supervise --name "$name" --log "$RUN/$name.log" --child-pid "$RUN/$name.child.pid" -- "$@" \
    >>"$RUN/supervisor.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  echo "run.sh: $name started (supervisor pid $!, log $RUN/$name.log)"
}

stop_one() {
  local name=$1
  if [ -f "$RUN/$name.pid" ]; then
    local pid; pid=$(cat "$RUN/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true   # the supervisor stops its child (SIGTERM, SIGKILL after 20 s)
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      if kill -0 "$pid" 2>/dev/null; then   # a stuck supervisor: kill it and its child's process group
        kill -9 "$pid" 2>/dev/null || true
        [ -f "$RUN/$name.child.pid" ] && kill -9 -- "-$(cat "$RUN/$name.child.pid")" 2>/dev/null || true
      fi
    fi
    rm -f "$RUN/$name.pid" "$RUN/$name.child.pid"; echo "run.sh: $name stopped"
  fi
}

case "${1:-}" in
  start)
    export CRM_ENV="${CRM_ENV:-dev}"
    start_one api "${CRM[@]}" serve --port "${CRM_PORT:-8000}" --workers "${CRM_WORKERS:-$(nproc)}"
    start_one worker "${CRM[@]}" worker
    start_one beat "${CRM[@]}" beat
    start_one webhooks "${CRM[@]}" webhooks
    start_one webhook-worker "${CRM[@]}" webhook-worker
    for _ in $(seq 1 300); do
      curl -fsS "http://127.0.0.1:${CRM_PORT:-8000}/readyz" >/dev/null 2>&1 && exit 0; sleep 0.2
    done
    echo "run.sh: API not ready; see $RUN/api.log" >&2; tail -n 30 "$RUN/api.log" >&2; exit 1
    ;;
  stop) stop_one webhook-worker; stop_one webhooks; stop_one beat; stop_one worker; stop_one api ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
