#!/usr/bin/env bash
# Starts/stops Mailpit for `make up` / `make down`: a local SMTP server (127.0.0.1:1025) that keeps every mail and
# shows it at http://127.0.0.1:8025, so development never mails real people. The dev default CRM_SMTP_URL points here.
# Installed with `go install` into .data/bin when missing (needs Go; skipped with a warning when there is none).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSION=v1.33.1
BIN_DIR=${MAILPIT_BIN_DIR:-.data/bin}
RUN=${CRM_RUN_DIR:-.data/run}
SMTP=${MAILPIT_SMTP:-127.0.0.1:1025}
UI=${MAILPIT_UI:-127.0.0.1:8025}
PID="$RUN/mailpit.pid"
mkdir -p "$BIN_DIR" "$RUN"

alive() { [ -f "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; }

install() {
  if [ -x "$BIN_DIR/mailpit" ]; then return 0; fi
  if ! command -v go >/dev/null 2>&1; then
    echo "mailpit.sh: Go is not installed; mail goes to CRM_SMTP_URL=${CRM_SMTP_URL:-smtp://127.0.0.1:1025} unchecked" >&2
    return 1
  fi
  echo "mailpit.sh: installing mailpit $VERSION into $BIN_DIR ..."
  GOBIN="$ROOT/$BIN_DIR" go install "github.com/axllent/mailpit@$VERSION"
}

case "${1:-}" in
  start)
    if alive; then echo "mailpit.sh: already running (pid $(cat "$PID"))"; exit 0; fi
    install || exit 0
    nohup "$BIN_DIR/mailpit" --smtp "$SMTP" --listen "$UI" --smtp-auth-accept-any --smtp-auth-allow-insecure \
      >>"$RUN/mailpit.log" 2>&1 </dev/null &
    echo $! >"$PID"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/${SMTP%:*}/${SMTP##*:}") 2>/dev/null; then
        echo "mailpit.sh: SMTP on $SMTP, mails at http://$UI"; exit 0
      fi
      sleep 0.2
    done
    echo "mailpit.sh: not listening on $SMTP; see $RUN/mailpit.log" >&2; exit 1
    ;;
  stop)
    if alive; then kill "$(cat "$PID")" 2>/dev/null || true; echo "mailpit.sh: stopped"; fi
    rm -f "$PID"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
