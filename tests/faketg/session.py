"""FakeSession: aiogram talks to FakeTelegram in-process, serialised exactly as over the network."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from .faults import Disconnected, Hang
from .spec import Upload

if TYPE_CHECKING:
    from aiogram import Bot

    from .core import FakeTelegram

_FILE_URL_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


class FakeSession(BaseSession):
    """A BaseSession whose "network" is `fake.handle`.

    Serialisation mirrors AiohttpSession.build_form_data: each field goes through
    prepare_value (defaults such as parse_mode resolved from bot.default, objects JSON-encoded,
    InputFiles replaced by attach:// references) and falsy values are dropped. The response goes
    through check_response, so aiogram raises its real exceptions and builds real objects.
    """

    def __init__(self, fake: FakeTelegram, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fake = fake
        self.closed = False

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's interface
    ) -> TelegramType:
        params, uploads = await self.serialise(bot, method)
        if bot.token != self.fake.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            try:
                status, body = await self.fake.handle(method.__api_method__, params, uploads)
            except Hang:
                # What AiohttpSession raises when its timeout runs out; the wait is on the clock.
                await self.fake.clock.sleep(float(timeout or self.timeout))
                raise TelegramNetworkError(method, "Request timeout error") from TimeoutError()
            except Disconnected:
                dropped = aiohttp.ServerDisconnectedError()
                raise TelegramNetworkError(method, f"{type(dropped).__name__}: {dropped}") from (
                    dropped
                )
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=json.dumps(body)
        )
        return cast(TelegramType, response.result)

    async def serialise(
        self, bot: Bot, method: TelegramMethod[Any]
    ) -> tuple[dict[str, str], dict[str, Upload]]:
        """The multipart fields AiohttpSession would post: strings plus uploaded files."""
        files: dict[str, InputFile] = {}
        params: dict[str, str] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if not prepared:
                continue  # AiohttpSession skips falsy values (None, "") the same way
            # A str-based enum (ParseMode.HTML) goes on the wire as its plain string value.
            params[key] = str.__str__(prepared)
        uploads: dict[str, Upload] = {}
        for key, input_file in files.items():
            chunks = [chunk async for chunk in input_file.read(bot)]
            uploads[key] = Upload(input_file.filename or key, b"".join(chunks))
        return params, uploads

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's interface
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        match = _FILE_URL_RE.search(url)
        record = None
        if match and match["token"] == self.fake.token:
            record = self.fake.files.by_path.get(match["path"])
        if record is None:
            if raise_for_status:
                raise FileNotFoundError(f"fake Telegram has no file at {url}")
            return
        for start in range(0, len(record.data), chunk_size):
            yield record.data[start : start + chunk_size]

    async def close(self) -> None:
        # Like AiohttpSession, a closed session still works if used again (it would reconnect).
        self.closed = True
