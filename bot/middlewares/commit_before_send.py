"""An update's transaction is committed before the bot talks to Telegram.

Each update runs in one session (`DbSessionMiddleware`). A step that writes and then shows its
screen (a language chosen, a visit saved, a dialog started) would otherwise keep its transaction
open through every Bot API round trip, ~100 ms each on a real network:

- on SQLite the write lock is held meanwhile, so every other person's write waits and the
  whole bot answers one update at a time (measured: 5 updates/s, p50 6 s with 40 people);
- on PostgreSQL a pooled connection (and any row lock) is held meanwhile;
- a person could be told "saved" for rows a crash then loses.

So before each outgoing call the update's session commits if it has written or holds changes
not yet flushed; on PostgreSQL also if it has only read (`release_reads`), to hand its pooled
connection back. On SQLite a read holds nothing another update waits for, and ending it would
cost a round trip to the driver's thread for every screen. A service's writes come before any
screen (services never talk to Telegram), so each service call still commits or rolls back as a
whole; what the step writes after the call (aiogram-dialog saves the form's state last) is
committed at the update's end.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from bot.db.current import current_session

_WROTE = "commit_before_send.wrote"


class CommitBeforeSend(BaseRequestMiddleware):
    def __init__(self, *, release_reads: bool) -> None:
        self.release_reads = release_reads

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        session = current_session.get()
        if session is not None and (
            has_writes(session.sync_session) or (self.release_reads and session.in_transaction())
        ):
            await session.commit()
        return await make_request(bot, method)


def has_writes(session: Session) -> bool:
    if session.info.get(_WROTE) or session.new or session.deleted:
        return True
    # `dirty` also lists objects whose attributes were set to what they already held.
    return any(session.is_modified(obj) for obj in session.dirty)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed or rolled back
        session.info.pop(_WROTE, None)
