#!/usr/bin/env bash
# Start the bot: SQLite under ./data and long polling, unless .env says otherwise.
#   bash scripts/start.sh            → python -m bot run
#   bash scripts/start.sh migrate    → any other `python -m bot` command
source "$(dirname "$0")/_env.sh" runtime
exec .venv/bin/python -m bot "$@"
