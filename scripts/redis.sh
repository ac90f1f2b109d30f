#!/usr/bin/env bash
# Local Redis from Debian's redis-server, on loopback. Skipped when REDIS_URL points elsewhere.
#   scripts/redis.sh start|stop|status   (REDIS_PORT default 6379, REDIS_DIR default .data/redis)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${REDIS_PORT:-6379}"
DIR="${REDIS_DIR:-.data/redis}"
PID_FILE="$DIR/redis.pid"

ensure_installed() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis.sh: installing redis-server (apt-get)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  fi
}

running() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

case "${1:-}" in
  start)
    ensure_installed
    if running; then echo "redis.sh: redis already answers on 127.0.0.1:$PORT"; exit 0; fi
    mkdir -p "$DIR"
    redis-server --port "$PORT" --bind 127.0.0.1 --daemonize yes --dir "$ROOT/$DIR" \
      --pidfile "$ROOT/$PID_FILE" --logfile "$ROOT/$DIR/redis.log" --save "" --appendonly yes >/dev/null
    for _ in $(seq 1 50); do running && { echo "redis.sh: ready on 127.0.0.1:$PORT"; exit 0; }; sleep 0.1; done
    echo "redis.sh: redis did not start" >&2; tail -n 20 "$DIR/redis.log" >&2 || true; exit 1
    ;;
  stop)
    if running; then redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true; fi
    rm -f "$PID_FILE"; echo "redis.sh: stopped"
    ;;
  status) running ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
