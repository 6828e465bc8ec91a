#!/usr/bin/env bash
# Print the URL of a PostgreSQL server for the tests, starting a throwaway one if needed.
# Order: $DUBAN_TEST_PG_URL; a server answering on 127.0.0.1:5432; as root on Debian, a cluster of
# our own (installed from Debian's packages) on port 54329. Prints nothing if none can be had.
set -uo pipefail
say() { printf '[postgres] %s\n' "$*" >&2; }

answers() { uv run python -c "import psycopg,sys; psycopg.connect(sys.argv[1].replace('+psycopg',''), connect_timeout=3).close()" "$1" >/dev/null 2>&1; }

if [ -n "${DUBAN_TEST_PG_URL:-}" ]; then echo "$DUBAN_TEST_PG_URL"; exit 0; fi
local_url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
if [ -z "${DUBAN_TEST_PG_OWN:-}" ] && answers "$local_url"; then echo "$local_url"; exit 0; fi

own_url="postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
if answers "$own_url"; then echo "$own_url"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  say "没有可用的 PostgreSQL,且无法自动安装"; exit 0
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bindir" ]; then
  say "安装 PostgreSQL(Debian 软件包)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || { say "安装失败"; exit 0; }
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
data=/tmp/duban-pg
if [ ! -f "$data/PG_VERSION" ]; then
  rm -rf "$data"; mkdir -p "$data"; chown postgres "$data"
  su postgres -c "$bindir/initdb -D $data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null || { say "initdb 失败"; exit 0; }
fi
su postgres -c "$bindir/pg_ctl -D $data -l $data/log -o '-p 54329 -k /tmp -c listen_addresses=127.0.0.1' -w start" >/dev/null \
  || { say "启动失败,见 $data/log"; exit 0; }
answers "$own_url" && echo "$own_url"
