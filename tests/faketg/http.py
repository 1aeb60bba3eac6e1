"""The fake Bot API over real HTTP (aiohttp), plus webhook delivery to the bot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .faults import Disconnected, Hang
from .spec import Upload

if TYPE_CHECKING:
    from .core import FakeTelegram

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_TIMEOUT = 10.0  # seconds Telegram waits for a webhook answer (stricter than reality)


@dataclass
class FakeServer:
    fake: FakeTelegram
    host: str
    port: int

    @property
    def url(self) -> str:
        """Base URL for TelegramAPIServer.from_base(...)."""
        return f"http://{self.host}:{self.port}"


@asynccontextmanager
async def serve_http(
    fake: FakeTelegram, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[FakeServer]:
    """Serve `fake` at http://host:port/bot<token>/<method> and /file/bot<token>/<path>."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", _api_handler(fake))
    app.router.add_get("/file/bot{token}/{path:.+}", _file_handler(fake))
    # Cancel handlers on shutdown: a bot's last long poll must not hold the close for its timeout.
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    try:
        yield FakeServer(fake, host, bound_port)
    finally:
        await fake.close()
        await runner.cleanup()


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)


def _api_handler(fake: FakeTelegram) -> Any:
    async def handler(request: web.Request) -> web.Response:
        if request.method not in ("GET", "POST"):
            return _error(405, "Method Not Allowed")
        if request.match_info["token"] != fake.token:
            return _error(401, "Unauthorized")
        try:
            params, files = await read_params(request)
        except ValueError as exc:
            status, body = (
                400,
                {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"},
            )
            fake.violations.append(f"{request.match_info['method']}: {body['description']}")
            return web.json_response(body, status=status)
        try:
            status, body = await fake.handle(request.match_info["method"], params, files)
        except Hang:
            # Injected: no answer at all; the client's timeout ends it (or the server's shutdown).
            await asyncio.Event().wait()
            raise
        except Disconnected:
            # Injected: the call was executed; close the socket instead of answering.
            if request.transport is not None:
                request.transport.abort()
            raise web.HTTPInternalServerError() from None
        return web.json_response(body, status=status)

    return handler


def _file_handler(fake: FakeTelegram) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != fake.token:
            return _error(401, "Unauthorized")
        record = fake.files.by_path.get(request.match_info["path"])
        if record is None:
            return _error(404, "Not Found")
        return web.Response(body=record.data, content_type="application/octet-stream")

    return handler


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError as exc:
                raise ValueError(f"can't parse JSON body: {exc}") from exc
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            params.update(body)
        elif ctype == "multipart/form-data":
            await _read_multipart(await request.multipart(), params, files)
        elif ctype == "application/x-www-form-urlencoded":
            params.update(await request.post())
        else:
            raise ValueError(f"unsupported Content-Type {ctype!r}")
    return params, files


async def _read_multipart(
    reader: aiohttp.MultipartReader, params: dict[str, Any], files: dict[str, Upload]
) -> None:
    async for part in reader:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            raise ValueError("malformed multipart body")
        if part.filename is not None:
            files[part.name] = Upload(part.filename, bytes(await part.read()))
        else:
            params[part.name] = await part.text()


async def post_update(
    fake: FakeTelegram, url: str, secret: str | None, update: dict[str, Any]
) -> str | None:
    """Deliver one update to the bot's webhook; None on success, else the error text.

    A 2xx answer may carry a method call (aiogram's "reply into webhook"); Telegram executes it,
    so the fake does too, through the same strict `handle`.
    """
    headers = {SECRET_HEADER: secret} if secret else {}
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=update, headers=headers) as resp,
        ):
            if not 200 <= resp.status < 300:
                return f"Wrong response from the webhook: {resp.status} {resp.reason}"
            params: dict[str, Any] = {}
            files: dict[str, Upload] = {}
            if resp.content_type == "multipart/form-data":
                await _read_multipart(
                    aiohttp.MultipartReader(resp.headers, resp.content), params, files
                )
            elif resp.content_type == "application/json":
                body = await resp.json()
                params = body if isinstance(body, dict) else {}
            else:
                await resp.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return f"Connection failed: {type(exc).__name__}: {exc}"
    method = params.pop("method", None)
    if method:
        await fake.handle(str(method), params, files)
    return None
