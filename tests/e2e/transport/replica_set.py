"""Webhook replicas of the bot as separate processes behind a small round-robin balancer: the
environment each replica runs with, waiting until it is healthy, and the balancer that remembers
where each update went. Shared by the replica test and bench/replicas.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.conftest import ADMIN_ID, PG_URL, REDIS_URL, TOKEN
from tests.e2e.http_steps import WEBHOOK_PATH

REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0  # a cold interpreter importing aiogram, two at once, on a busy CI box
STOP_TIMEOUT = 20.0
SECRET = "replica-shared-secret"
REPLICA_COUNT = 2


@dataclass
class Balancer:
    """Round robin over the replicas; remembers where each update went."""

    upstreams: list[str]
    routed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _next: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        index = self._next
        self._next = (self._next + 1) % len(self.upstreams)
        body = await request.read()
        self.routed.append((index, await request.json()))
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        url = self.upstreams[index] + request.path
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, data=body, headers=headers) as resp,
        ):
            payload = await resp.read()
            return web.Response(
                status=resp.status, body=payload, content_type=resp.content_type or None
            )

    def replicas_of(self, user_id: int) -> list[int]:
        """Which replica got each of this user's updates, in order."""
        return [index for index, update in self.routed if _sender(update) == user_id]


def _sender(update: dict[str, Any]) -> int | None:
    for kind in ("message", "callback_query"):
        if kind in update:
            return int(update[kind]["from"]["id"])
    return None


@asynccontextmanager
async def balancer(upstreams: list[str]) -> AsyncIterator[tuple[Balancer, str]]:
    state = Balancer(upstreams)
    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield state, f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def replica_env(api_server: str, public_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env |= {
        "PYTHONPATH": str(REPO),
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": str(ADMIN_ID),
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL or "",
        "TELEGRAM_API_SERVER": api_server,
        "WEBHOOK_URL": public_url,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_PATH": WEBHOOK_PATH,
        "DEFAULT_TIMEZONE": "Europe/Moscow",
        "DEFAULT_LOCALE": "ru",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        # The replicas share the bot's 30/s: each takes a share (see bot/delivery/ratelimit.py).
        "DELIVERY_RATE_PER_SECOND": str(24 / REPLICA_COUNT),
        # Small batches, so both replicas' schedulers get rows of the same queue.
        "DELIVERY_BATCH_SIZE": "5",
        "LOG_LEVEL": os.environ.get("REPLICAS_LOG_LEVEL", "WARNING"),
    }
    return env


async def wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(START_TIMEOUT), aiohttp.ClientSession() as http:
        while True:
            assert process.returncode is None, "a replica exited during start"
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)  # polling a process we do not control: bounded above
