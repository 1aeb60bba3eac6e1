"""Let pydantic build aiogram's Telegram types when they are first used, not all at import.

aiogram.types ends its import by calling `model_rebuild()` on each of its ~400 types, and
pydantic then compiles a validator for every one of them, each with copies of the types nested
in it: ~100 MB resident and ~3 s of start-up, for a bot that meets a few dozen of those types.
The types already ask for `defer_build`; only that loop defeats it. Once `install()` ran, the
loop's calls are skipped and their namespace kept, so that a type's first validation builds it
from the same names the loop would have used (pydantic's deferred build calls `model_rebuild`
without one). tests/unit/test_lazy_telegram_types.py checks, in a fresh interpreter, that every
type and method then builds and that the JSON schemas match aiogram's own eager build.

It relies on `model_rebuild`'s `_types_namespace` keyword (pydantic 2.x, pinned in
pyproject.toml). Installing imports nothing of aiogram; if aiogram.types was imported before,
its types are already built and nothing changes.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_TYPES_PACKAGE = "aiogram.types"
_installed = False


def install() -> None:
    """Make aiogram.types' import leave its types unbuilt. Call before anything imports aiogram."""
    global _installed
    if _installed:
        return
    _installed = True
    rebuild = BaseModel.__dict__["model_rebuild"].__func__
    namespace: dict[str, Any] = {}

    def lazy_rebuild(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if cls.__module__.startswith("aiogram."):
            if (
                _types_namespace is not None
                and not force
                and sys._getframe(1).f_globals.get("__name__") == _TYPES_PACKAGE
            ):
                namespace.update(_types_namespace)  # the loop at the end of aiogram/types/__init__
                return None
            if _types_namespace is None and namespace:
                # A deferred build (a type's, or a method's or response's nesting a type):
                # pydantic would look names up in the caller's frames, where they are not.
                _types_namespace = namespace
        return rebuild(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth + 1,
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(lazy_rebuild)  # type: ignore[method-assign,assignment]
