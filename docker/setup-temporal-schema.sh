#!/bin/sh
# Creates (or upgrades) Temporal's PostgreSQL databases with the admin tools' temporal-sql-tool:
# the `temporal` and `temporal_visibility` databases, the schema version tables, then every
# versioned schema step up to the one this server version ships. docker-compose.yml runs it once
# per `up` (service temporal-schema) before the server starts; the native lane
# (scripts/cluster/, test/cluster/) runs the same script against its own PostgreSQL.
#
# Safe to run again: an existing database is kept, `setup-schema -v 0.0` leaves a newer version
# alone, and `update-schema` applies only the steps a database lacks (this is also how a server
# upgrade moves the schema forward: run the new admin-tools' job, then the new server).
#
# Environment (the same names as the server's): POSTGRES_SEEDS (host), DB_PORT (5432),
# POSTGRES_USER, POSTGRES_PWD, DBNAME (temporal), VISIBILITY_DBNAME (temporal_visibility);
# TEMPORAL_SCHEMA_DIR, the admin-tools image's /etc/temporal/schema by default;
# AGENTRUN_SETUP_ATTEMPTS, how many times to try reaching the database, 2 s apart (default 30).
set -eu

host="${POSTGRES_SEEDS:?POSTGRES_SEEDS (the PostgreSQL host) is required}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:?POSTGRES_USER is required}"
password="${POSTGRES_PWD:-}"
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"
attempts="${AGENTRUN_SETUP_ATTEMPTS:-30}"

sql_tool() {
  temporal-sql-tool --plugin postgres12 --endpoint "$host" --port "$port" --user "$user" --password "$password" "$@"
}

for directory in "$schema_dir/temporal/versioned" "$schema_dir/visibility/versioned"; do
  if [ ! -d "$directory" ]; then
    echo "agentrun: no schema at $directory (set TEMPORAL_SCHEMA_DIR)" >&2
    exit 1
  fi
done

# The database may still be starting (compose waits for its health check, but a restart can race):
# wait on the call we are about to make.
attempt=1
until sql_tool --database "${DBNAME:-temporal}" create-database >/dev/null 2>&1; do
  if [ "$attempt" -ge "$attempts" ]; then
    echo "agentrun: PostgreSQL at ${host}:${port} refused create-database ${attempts} times; last attempt:" >&2
    sql_tool --database "${DBNAME:-temporal}" create-database >&2 || true
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

setup() {
  database="$1"
  versioned="$2"
  sql_tool --database "$database" create-database
  sql_tool --database "$database" setup-schema --version 0.0
  sql_tool --database "$database" update-schema --schema-dir "$versioned"
  echo "agentrun: database ${database} is at the latest schema in ${versioned}"
}

setup "${DBNAME:-temporal}" "$schema_dir/temporal/versioned"
setup "${VISIBILITY_DBNAME:-temporal_visibility}" "$schema_dir/visibility/versioned"
