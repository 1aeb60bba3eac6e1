"""The messages around a file made in the background (/report, /charts, the case file): the
chat action while it is made, and the «Preparing…» note edited into the outcome (or said anew
when that note is gone). Retried after a 429 like everything else the bot sends."""

from __future__ import annotations

import logging
from typing import Protocol

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.clock import Clock
from bot.delivery.retry import with_retry_after
from bot.services.access import Actor

log = logging.getLogger(__name__)


class ChatRequest(Protocol):
    @property
    def bot(self) -> Bot: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def actor(self) -> Actor: ...


async def show_progress(request: ChatRequest, action: ChatAction) -> None:
    # "sending a file…" under the chat title is a courtesy: never a reason to stop.
    try:
        await request.bot.send_chat_action(request.chat_id, action)
    except TelegramAPIError as exc:
        log.info("chat action for person %s: %s", request.actor.person_id, type(exc).__name__)


async def say(request: ChatRequest, text: str) -> None:
    await with_retry_after(request.clock, lambda: request.bot.send_message(request.chat_id, text))


async def edit_or_say(request: ChatRequest, message_id: int, text: str) -> None:
    try:
        await with_retry_after(
            request.clock,
            lambda: request.bot.edit_message_text(
                text=text, chat_id=request.chat_id, message_id=message_id
            ),
        )
    except TelegramBadRequest:  # the "preparing" message is gone: say it anew
        await say(request, text)
