"""The session of the update being handled, so FSM writes join the update's transaction.

On SQLite a second connection writing while the update holds a write transaction would wait
for the lock; joining also makes a form's state and its domain rows commit (or roll back) together.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession

current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)
