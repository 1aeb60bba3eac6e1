#!/usr/bin/env bash
# Refresh the translation catalogs after changing texts in the code:
#   bash scripts/i18n.sh   → extracts messages, merges them into locales/*/LC_MESSAGES/messages.po
# Then translate the new entries (tests fail while any is empty). Catalogs compile at start.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -m babel.messages.frontend extract -k N_ -k T -k _ --no-location --omit-header \
  --sort-output -o locales/messages.pot bot
for lang in ru en; do
  po=locales/$lang/LC_MESSAGES/messages.po
  if [ -f "$po" ]; then
    "$PY" -m babel.messages.frontend update -i locales/messages.pot -o "$po" -l "$lang" \
      --no-fuzzy-matching --ignore-obsolete
  else
    "$PY" -m babel.messages.frontend init -i locales/messages.pot -o "$po" -l "$lang"
  fi
done
