#!/usr/bin/env bash
# Starts the machine's PostgreSQL server when it is down (CI reuses the machine's own server).
set -euo pipefail
host=${PGHOST:-127.0.0.1}
if pg_isready -q -h "$host" -p 5432 2>/dev/null; then
  exit 0
fi
echo "PostgreSQL is not answering on $host:5432; starting it"
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -n | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h "$host" -p 5432 && exit 0
  sleep 1
done
echo "PostgreSQL did not start on $host:5432" >&2
exit 1
