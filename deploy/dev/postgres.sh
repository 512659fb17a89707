#!/usr/bin/env bash
# Prints the URL of a PostgreSQL maintenance database for local runs and tests.
# Order: $DATABASE_ADMIN_URL if set; a server already on 127.0.0.1:5432 (unless
# CADENA_PG_PRIVATE=1);
# otherwise a private cluster under .data/pg (Debian's postgresql package is
# installed if initdb is missing). Progress goes to stderr, the URL to stdout.
# `postgres.sh stop` (make stop) stops the private cluster, if it runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

DATA="$PWD/.data/pg"
# initdb refuses to run as root, so the private cluster belongs to postgres then.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-}" = stop ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ] || [ ! -f "$DATA/postmaster.pid" ]; then
    echo "no private PostgreSQL running under $DATA" >&2; exit 0
  fi
  as_owner "$bindir/pg_ctl" -D "$DATA" -m fast -w stop >&2
  exit 0
fi

if [ -n "${DATABASE_ADMIN_URL:-}" ]; then echo "$DATABASE_ADMIN_URL"; exit 0; fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "${CADENA_PG_PRIVATE:-}" ] && listening 5432; then
  echo "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  exit 0
fi

PORT=${CADENA_PG_PORT:-54329}
if listening "$PORT"; then
  echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
  exit 0
fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  echo "PostgreSQL not found: installing Debian's postgresql package" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

mkdir -p "$DATA" "$PWD/.data/pg-run"
if [ "$(id -u)" -eq 0 ]; then
  chmod 711 "$PWD/.data"   # postgres must traverse it; the keys folder inside stays 0700
  chown postgres "$DATA" "$PWD/.data/pg-run"; chmod 700 "$DATA"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  echo "creating a private PostgreSQL cluster in $DATA" >&2
  as_owner "$bindir/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >&2
fi
echo "starting the private PostgreSQL on 127.0.0.1:$PORT" >&2
as_owner "$bindir/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
  -o "-p $PORT -k $PWD/.data/pg-run -c listen_addresses=127.0.0.1" start >&2
echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
