#!/usr/bin/env bash
# Makes sure a local PostgreSQL server runs for the runtime's tests and prints
# its URL. Idempotent: installs Debian's package if missing, creates a cluster
# named `sopflow` on port $SOPFLOW_PG_PORT (default 54329) if there is none,
# starts it if it is down, and creates the role and database `sopflow`.
# Run as root on a Debian machine.
set -euo pipefail
port="${SOPFLOW_PG_PORT:-54329}"

if ! command -v pg_createcluster >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

if ! pg_lsclusters -h | awk '{print $1 " " $2}' | grep -qx "$version sopflow"; then
    pg_createcluster "$version" sopflow --port "$port" >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "sopflow" {print $4}' | grep -q online; then
    pg_ctlcluster "$version" sopflow start >&2
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "sopflow" {print $3}')"

psql_admin() { su postgres -c "psql -X -q -p $port -tAc \"$1\""; }
for _ in $(seq 1 30); do psql_admin "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'sopflow'")" != 1 ]; then
    psql_admin "CREATE ROLE sopflow LOGIN CREATEDB PASSWORD 'sopflow'" >&2
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'sopflow'")" != 1 ]; then
    psql_admin "CREATE DATABASE sopflow OWNER sopflow" >&2
fi
echo "postgres://sopflow:sopflow@127.0.0.1:$port/sopflow"
