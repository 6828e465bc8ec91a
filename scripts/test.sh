#!/usr/bin/env bash
# Run every test: lint, types, the suite on SQLite, then the suite again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.local/bin:$PATH"
bash scripts/bootstrap.sh --test

echo "== ruff"; uv run ruff check src tests bench scripts
echo "== mypy"; uv run mypy
echo "== import contracts"; uv run lint-imports
mkdir -p test-output
echo "== pytest on SQLite"
DUBAN_TEST_DB=sqlite uv run pytest -q "$@"

pg_url=$(bash scripts/postgres.sh || true)
if [ -z "$pg_url" ]; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!  PostgreSQL 不可用:PostgreSQL 那一半测试被跳过 (PostgreSQL half SKIPPED)  !!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  [ -n "${CI:-}" ] && exit 1
  exit 0
fi
echo "== pytest on PostgreSQL ($pg_url)"
DUBAN_TEST_DB=postgres DUBAN_TEST_PG_URL="$pg_url" uv run pytest -q -p no:cacheprovider "$@"
