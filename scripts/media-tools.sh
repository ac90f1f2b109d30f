#!/usr/bin/env bash
# [field] Debian's ffmpeg (decodes voice notes for speech-to-text) and espeak-ng (speaks the test's and the
# bench's voice notes), installed with apt-get when missing, like redis-server in scripts/redis.sh.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "media-tools.sh: installing ${missing[*]} (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi
