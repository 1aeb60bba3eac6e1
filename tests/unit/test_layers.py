"""The README's "Layers", made executable.

handlers/ and dialogs/ (Telegram) → services/ (rules; no aiogram, no SQL) → repositories and
read models in bot/db/ (every query, never commit) → models.

A service that builds a query or executes SQL, a service that asks its session for rows itself
(session.get, .delete, .refresh ...), a handler or dialog that imports a repository or builds SQL,
and a service that imports aiogram fail here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
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
# What a service may not ask its `session` for: loading, deleting or re-reading rows is a
# repository's job. session.add and session.flush of objects the service made stay: the unit of
# work writes those, no query is involved.
SESSION_QUERIES = EXECUTING | {"get", "delete", "refresh", "merge"}


@cache
def _trees(folder: str) -> dict[str, ast.Module]:
    """Every module under bot/<folder>, parsed once: dotted name → syntax tree."""
    return {
        str(path.relative_to(BOT.parent)).removesuffix(".py").replace("/", "."): ast.parse(
            path.read_text(encoding="utf-8"), str(path)
        )
        for path in sorted((BOT / folder).rglob("*.py"))
    }


def _sql_module_names(tree: ast.AST) -> set[str]:
    """Names bound to an SQLAlchemy module (`import sqlalchemy as sa`, `from sqlalchemy import
    orm`), so that `sa.select(...)` counts like an imported `select`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(
                a.asname or a.name.partition(".")[0]
                for a in node.names
                if a.name.startswith(SQL_MODULES)
            )
        elif isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            names.update(
                a.asname or a.name for a in node.names if f"sqlalchemy.{a.name}" in SQL_MODULES
            )
    return names


def _root_name(node: ast.expr) -> str | None:
    """`sa` for `sa.orm.aliased`: the name an attribute chain starts from."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _sql_places(tree: ast.AST) -> list[int]:
    """Lines that import an SQL builder (or reach one through a module: `sa.select`) or call a
    session's execute-like method."""
    places = []
    modules = _sql_module_names(tree)
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
        if (
            isinstance(node, ast.Attribute)
            and node.attr in SQL_BUILDERS
            and _root_name(node.value) in modules
        ):
            places.append(node.lineno)  # sa.select(...), sa.orm.aliased(...)
    return places


def _session_queries(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, method) of every call like `session.get(...)` or `session.delete(...)`."""
    return sorted(
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "session"
        and node.func.attr in SESSION_QUERIES
    )


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_services_build_no_queries() -> None:
    offenders = {
        module: places
        for module, tree in _trees("services").items()
        if (places := _sql_places(tree))
    }
    assert not offenders, (
        "services build or run SQL (module: lines); put the query in a repository under "
        f"bot/db/: {offenders}"
    )


def test_services_leave_loading_rows_to_repositories() -> None:
    offenders = [
        f"{module.replace('.', '/')}.py:{line} session.{method}(...)"
        for module, tree in _trees("services").items()
        for line, method in _session_queries(tree)
    ]
    assert not offenders, (
        "services load, delete or re-read rows through the session themselves; add a named "
        "function to the aggregate's repository under bot/db/repositories/ (session.add and "
        f"session.flush stay in the service): {offenders}"
    )


def test_services_do_not_know_telegram() -> None:
    offenders = {
        module: sorted(i for i in _imports(tree) if i.startswith("aiogram"))
        for module, tree in _trees("services").items()
    }
    assert not {m: i for m, i in offenders.items() if i}


def test_services_do_not_load_telegram_through_another_module() -> None:
    """Not even by way of a helper they import (the i18n mark, content, markup): every service
    imported in a fresh interpreter leaves aiogram unloaded."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import bot.services as services\n"
        "for found in pkgutil.iter_modules(services.__path__):\n"
        "    importlib.import_module(f'bot.services.{found.name}')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('aiogram')}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_handlers_and_dialogs_neither_query_nor_reach_repositories() -> None:
    offenders = {}
    for folder in ("handlers", "dialogs"):
        for module, tree in _trees(folder).items():
            reasons = [f"builds or runs SQL at line {n}" for n in _sql_places(tree)]
            reasons += [
                f"imports {i}"
                for i in sorted(_imports(tree))
                if i.startswith("bot.db.repositories")
            ]
            if reasons:
                offenders[module] = reasons
    assert not offenders, offenders


def test_the_check_sees_a_query_and_a_repository_import() -> None:
    query = ast.parse(
        "from sqlalchemy import select\n"
        "async def f(session):\n"
        "    return await session.scalars(select(X).where(X.a == 1))\n"
    )
    assert _sql_places(query) == [1, 3]
    assert "bot.db.repositories.people" in _imports(
        ast.parse("from bot.db.repositories import people\n")
    )
    widget = ast.parse("manager.find('x').get_checked()\nvalue = w.scalar()\n")
    assert _sql_places(widget) == []


def test_the_check_sees_a_session_lookup_and_a_module_alias() -> None:
    lookups = ast.parse(
        "async def f(session, data):\n"
        "    row = await session.get(X, 1)\n"
        "    await session.delete(row)\n"
        "    await session.refresh(row)\n"
        "    session.add(Y())\n"
        "    await session.flush()\n"
        "    return data.get('x')\n"
    )
    assert _session_queries(lookups) == [(2, "get"), (3, "delete"), (4, "refresh")]
    aliased = ast.parse(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import orm\n"
        "query = sa.select(X).where(sa.func.count() > 0)\n"
        "other = orm.aliased(X)\n"
        "error = sa.exc.IntegrityError\n"
    )
    assert sorted(_sql_places(aliased)) == [3, 3, 4]
