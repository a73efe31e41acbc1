#!/usr/bin/env bash
# A private PostgreSQL cluster for the native Temporal lane: its own data directory (under the
# git-ignored .cache/), its own loopback port, no Unix socket, never the machine's own cluster.
#
#   scripts/cluster/postgres.sh init  DATA_DIR PORT   # initdb; superuser $POSTGRES_USER (temporal)
#   scripts/cluster/postgres.sh start DATA_DIR        # start and wait until it accepts connections
#   scripts/cluster/postgres.sh stop  DATA_DIR [fast|immediate|smart]
#                                                     # immediate = no clean shutdown: crash recovery
#                                                     # (WAL replay) on the next start
#   scripts/cluster/postgres.sh pid   DATA_DIR        # the postmaster's pid, if it runs
#
# PostgreSQL refuses to run as root: as root, the data directory is owned by, and the server runs
# as, the `postgres` user (runuser). PG_BIN names the binaries (default: Debian's 15, else
# `pg_config --bindir`). POSTGRES_USER / POSTGRES_PWD: the role Temporal connects as (temporal /
# temporal); loopback connections need the password (scram-sha-256).
set -euo pipefail

command="${1:-}"
data="${2:-}"
if [ -z "$command" ] || [ -z "$data" ]; then
  sed -n '2,16p' "$0" >&2
  exit 2
fi
if [ -z "${PG_BIN:-}" ]; then
  if [ -x /usr/lib/postgresql/15/bin/postgres ]; then PG_BIN=/usr/lib/postgresql/15/bin
  elif command -v pg_config >/dev/null; then PG_BIN="$(pg_config --bindir)"
  else echo "postgres.sh: no PostgreSQL found: install it or set PG_BIN" >&2; exit 1
  fi
fi
user="${POSTGRES_USER:-temporal}"
password="${POSTGRES_PWD:-temporal}"

# Runs a PostgreSQL binary as the owner of the data directory (postgres when we are root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  init)
    port="${3:?postgres.sh init DATA_DIR PORT}"
    mkdir -p "$data"
    if [ -n "$(ls -A "$data")" ]; then echo "postgres.sh: $data is not empty" >&2; exit 1; fi
    passwordFile="$(mktemp)"
    trap 'rm -f "$passwordFile"' EXIT
    printf '%s\n' "$password" > "$passwordFile"
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$data" "$passwordFile"
      # The postgres user must be able to pass through every directory above the data directory; a
      # clone under `mktemp -d` (mode 700) lets only root in. Grant search (not read) where missing.
      dir="$(cd "$data/.." && pwd)"
      while [ "$dir" != / ]; do
        if ! runuser -u postgres -- test -x "$dir"; then
          chmod o+x "$dir"
          echo "postgres.sh: allowed the postgres user to pass through $dir (o+x)"
        fi
        dir="$(dirname "$dir")"
      done
    fi
    chmod 700 "$data"
    as_owner "$PG_BIN/initdb" --pgdata="$data" --username="$user" --pwfile="$passwordFile" \
      --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
    # Loopback TCP only, on our own port; no Unix socket (nothing to collide with the system cluster).
    as_owner sh -c "cat >> '$data/postgresql.conf'" <<CONF

# scripts/cluster/postgres.sh
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
CONF
    echo "postgres.sh: initialised $data (port $port, user $user)"
    ;;
  start)
    as_owner "$PG_BIN/pg_ctl" --pgdata="$data" --log="$data/server.log" --wait --timeout=60 start >/dev/null
    echo "postgres.sh: started $data (pid $(head -1 "$data/postmaster.pid"))"
    ;;
  stop)
    mode="${3:-fast}"
    if [ ! -f "$data/postmaster.pid" ]; then echo "postgres.sh: $data is not running"; exit 0; fi
    as_owner "$PG_BIN/pg_ctl" --pgdata="$data" --mode="$mode" --wait --timeout=60 stop >/dev/null
    echo "postgres.sh: stopped $data ($mode)"
    ;;
  pid)
    if [ -f "$data/postmaster.pid" ]; then head -1 "$data/postmaster.pid"; fi
    ;;
  *)
    echo "postgres.sh: unknown command $command (init, start, stop, pid)" >&2
    exit 2
    ;;
esac
