#!/usr/bin/env bash
# The browser of the end-to-end tests: Debian's chromium (Playwright drives it via executable_path; it never
# downloads a browser of its own).
set -euo pipefail
CHROMIUM="${CRM_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "installing chromium from Debian"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
"$CHROMIUM" --version
