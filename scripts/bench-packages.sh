#!/usr/bin/env bash
# Installs the Debian packages `make bench` needs when they are missing: wrk, the HTTP load tool.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian package: wrk. Install it with: sudo apt-get install wrk" >&2
  exit 1
fi
echo "Installing Debian package: wrk"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends wrk > /dev/null
