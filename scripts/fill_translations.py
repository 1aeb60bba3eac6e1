"""Fill empty translations after `bash scripts/i18n.sh`.

    .venv/bin/python scripts/fill_translations.py ru.json [more.json ...]

Each JSON file maps English message ids to Russian. English entries get the id itself.
Only empty entries are filled; existing translations are kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def main(paths: list[str]) -> int:
    russian: dict[str, str] = {}
    for path in paths:
        russian.update(json.loads(Path(path).read_text(encoding="utf-8")))
    missing = []
    for locale in ("ru", "en"):
        po_path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id or message.string:
                continue
            if locale == "en":
                message.string = message.id
            elif message.id in russian:
                message.string = russian[message.id]
            else:
                missing.append(message.id)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=100)
    for message_id in missing:
        print(f"no Russian yet: {message_id!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
