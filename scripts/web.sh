#!/usr/bin/env bash
# Builds the front end (web/) into web/dist with the machine's Node: `install` runs `npm ci` (the Makefile
# calls it only when package-lock.json changed), `build` type-checks (tsc --noEmit) and bundles (esbuild).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/web"
if ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm from Debian"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi
case "${1:-build}" in
  install)
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.installed
    ;;
  build)
    npm run --silent build
    ;;
  *) echo "usage: $0 install|build" >&2; exit 2 ;;
esac
