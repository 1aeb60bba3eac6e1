#!/usr/bin/env bash
# Run every test. On SQLite by default; with TEST_DATABASE_URL (postgresql+asyncpg://...) and
# TEST_REDIS_URL the same suite runs on PostgreSQL with Redis FSM storage.
#   bash scripts/test.sh             → all tests
#   bash scripts/test.sh -k access   → pytest arguments pass through
source "$(dirname "$0")/_env.sh" dev
exec .venv/bin/python -m pytest "$@"
