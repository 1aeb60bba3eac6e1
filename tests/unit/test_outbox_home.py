"""Issue #18: the outbox table has one home. Every statement on it lives in
bot/db/repositories/outbox.py; elsewhere only the model's definition names it (migrations
excepted: they describe history)."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
MODEL = "OutboxMessage"
HOMES = {BOT / "db" / "repositories" / "outbox.py", BOT / "db" / "models.py"}
MIGRATIONS = BOT / "db" / "migrations"


def _mentions(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (
            (isinstance(node, ast.Name) and node.id == MODEL)
            or (isinstance(node, ast.Attribute) and node.attr == MODEL)
            or (isinstance(node, ast.alias) and MODEL in (node.name, node.asname))
            or (isinstance(node, ast.Constant) and node.value == MODEL)
        ):
            lines.append(getattr(node, "lineno", 0))
    return lines


def test_the_outbox_table_has_one_home() -> None:
    strays = []
    for path in sorted(BOT.rglob("*.py")):
        if path in HOMES or MIGRATIONS in path.parents:
            continue
        for line in _mentions(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            strays.append(f"{path.relative_to(BOT.parent)}:{line}")
    assert not strays, (
        "the outbox is queried only in bot/db/repositories/outbox.py; move these there: "
        + ", ".join(strays)
    )


def test_the_check_sees_a_stray_use() -> None:
    source = "from bot.db.models import OutboxMessage\nq = select(OutboxMessage.id)\n"
    assert _mentions(ast.parse(source)) == [1, 2]
