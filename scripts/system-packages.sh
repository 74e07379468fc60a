#!/usr/bin/env bash
# Installs the Debian packages the suite needs when they are missing: Chromium for the
# browser journeys (Playwright never downloads a browser here; it drives Debian's), gettext
# for the check that the catalogues are up to date, and dovecot for the IMAP tests (they
# start their own dovecot on a loopback port, so the system service is stopped and disabled).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || missing+=(dovecot-imapd)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
if [[ " ${missing[*]} " == *" dovecot-imapd "* ]]; then
  # The package may start a system dovecot on ports 143/993; nothing here uses it.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now dovecot.service >/dev/null 2>&1 || true
  else
    service dovecot stop >/dev/null 2>&1 || true
    update-rc.d dovecot disable >/dev/null 2>&1 || true
  fi
fi
