#!/usr/bin/env bash
# Provisions Debian's chromium (/usr/bin/chromium) for the approvals inbox's browser test and the
# inbox screenshots. Fresh machines lack it; CI runs as root and installs it here. Idempotent: a
# machine that has it only prints its version. Not root: prints how to install it and exits 1.
#
#   bash scripts/provision-chromium.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium: present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "chromium: $CHROMIUM is missing. Install Debian's chromium as root:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi

started=$(date +%s)
echo "chromium: $CHROMIUM is missing; installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
updated=$(date +%s)
echo "chromium: apt-get update took $(( updated - started )) s"
apt-get install -y -qq --no-install-recommends chromium >/dev/null
finished=$(date +%s)
echo "chromium: apt-get install took $(( finished - updated )) s ($(( finished - started )) s in all): $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
