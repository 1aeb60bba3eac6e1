"""Telegram tells us when someone blocks or unblocks the bot: the outbox stops or resumes."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import people


async def on_blocked(event: ChatMemberUpdated, session: AsyncSession, clock: Clock) -> None:
    await people.set_blocked(session, event.from_user.id, clock.now())


async def on_unblocked(event: ChatMemberUpdated, session: AsyncSession) -> None:
    await people.set_blocked(session, event.from_user.id, None)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(
        on_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER)
    )
    return router
