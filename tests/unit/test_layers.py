"""The README's "Layers", made executable.

handlers/ and dialogs/ (Telegram) → services/ (rules; no aiogram, no SQL) → repositories and
read models in bot/db/ (every query, never commit) → models.

A service that builds a query or executes SQL, a handler or dialog that imports a repository or
builds SQL, and a service that imports aiogram fail here. Issue #18 moves the queries services
still hold into repositories; until it is done, `SERVICE_SQL_DEBT` lists them by module with the
number of places, and the count may only go down: a new query in a service fails, and so does a
module that has shed some without lowering its number here (keep the list honest).
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"

# What builds or runs SQL: SQLAlchemy's statement builders and a session's execute calls.
SQL_BUILDERS = {
    "select",
    "insert",
    "update",
    "delete",
    "func",
    "text",
    "and_",
    "or_",
    "not_",
    "exists",
    "case",
    "literal",
    "literal_column",
    "union",
    "union_all",
    "tuple_",
    "distinct",
    "cast",
    "null",
    "true",
    "false",
    "aliased",
}
SQL_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.orm", "sqlalchemy.dialects")
EXECUTING = {"execute", "scalars", "scalar", "stream", "stream_scalars"}

# Services that still build queries (issue #18 moves them into bot/db/): module → places.
SERVICE_SQL_DEBT: dict[str, int] = {
    "bot.services.meetings": 30,
    "bot.services.srs": 10,
}


def _modules(folder: str) -> list[Path]:
    return sorted((BOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return str(path.relative_to(BOT.parent)).removesuffix(".py").replace("/", ".")


def _sql_places(tree: ast.AST) -> list[int]:
    """Lines that import an SQL builder or call a session's execute-like method."""
    places = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_MODULES):
            places += [node.lineno for a in node.names if a.name in SQL_BUILDERS]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in EXECUTING
            and node.args  # session.execute(stmt); not a widget's scalar() accessor
        ):
            places.append(node.lineno)
    return places


def _count_sql_uses(tree: ast.AST, path: Path) -> int:
    """Imports of SQL builders count once per use of the imported name, plus execute calls."""
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_MODULES)
        for alias in node.names
        if alias.name in SQL_BUILDERS
    }
    uses = sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in imported)
            or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in EXECUTING
                and bool(node.args)
            )
        )
    )
    return uses


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _service_debt() -> dict[str, int]:
    debt = {}
    for path in _modules("services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _sql_places(tree):
            debt[_name(path)] = _count_sql_uses(tree, path)
    return debt


def test_services_build_no_new_queries() -> None:
    debt = _service_debt()
    grown = {
        m: (n, SERVICE_SQL_DEBT.get(m, 0))
        for m, n in debt.items()
        if n > SERVICE_SQL_DEBT.get(m, 0)
    }
    assert not grown, (
        "services build SQL (module: (now, allowed)); put the query in a repository under "
        f"bot/db/: {grown}"
    )
    shed = {m: (debt.get(m, 0), n) for m, n in SERVICE_SQL_DEBT.items() if debt.get(m, 0) < n}
    assert not shed, f"fewer queries than SERVICE_SQL_DEBT says: lower the numbers {shed}"


def test_services_do_not_know_telegram() -> None:
    offenders = {
        _name(path): sorted(
            i for i in _imports(ast.parse(path.read_text())) if i.startswith("aiogram")
        )
        for path in _modules("services")
    }
    assert not {m: i for m, i in offenders.items() if i}


def test_handlers_and_dialogs_neither_query_nor_reach_repositories() -> None:
    offenders = {}
    for folder in ("handlers", "dialogs"):
        for path in _modules(folder):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            reasons = [f"builds or runs SQL at line {n}" for n in _sql_places(tree)]
            reasons += [
                f"imports {i}"
                for i in sorted(_imports(tree))
                if i.startswith("bot.db.repositories")
            ]
            if reasons:
                offenders[_name(path)] = reasons
    assert not offenders, offenders


def test_the_check_sees_a_query_and_a_repository_import() -> None:
    query = ast.parse(
        "from sqlalchemy import select\n"
        "async def f(session):\n"
        "    return await session.scalars(select(X).where(X.a == 1))\n"
    )
    assert _sql_places(query) == [1, 3]
    assert _count_sql_uses(query, Path("x.py")) == 2
    assert "bot.db.repositories.people" in _imports(
        ast.parse("from bot.db.repositories import people\n")
    )
    widget = ast.parse("manager.find('x').get_checked()\nvalue = w.scalar()\n")
    assert _sql_places(widget) == []
