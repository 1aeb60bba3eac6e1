"""Delivery throughput against the fake Telegram over real HTTP, on the real clock.

    .venv/bin/python -m bench.delivery            # 3000 reminders, one per recipient
    .venv/bin/python -m bench.delivery --quick    # 300
    .venv/bin/python bench/delivery.py --n 1000 --recipients 100

The fake enforces Telegram's flood control (30 messages per sliding second overall, 3 per 3 s per
chat). The sender runs with default Settings, so the target is its 25/s: >= 80 % of the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import OutboxMessage, Person
from bot.delivery import (
    KindRegistry,
    OutboxSender,
    Outgoing,
    PassthroughTranslator,
    Translator,
)
from bot.services.outbox import Recipient, enqueue
from tests.faketg import FakeTelegram, serve_http

TELEGRAM_LIMIT = 30.0  # messages per second, what the fake (and Telegram) allow overall
TOKEN = "123456:BENCH"
KIND = "bench.reminder"
FIRST_USER_ID = 10_000


@dataclass
class Result:
    sent: int
    elapsed: float
    too_many: int
    duplicates: int
    failed: int
    not_sent: int

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0


def _reminder(params: dict[str, object], t: Translator) -> Outgoing:
    return Outgoing(text=t.gettext("Reminder <b>#{n}</b>").format(n=params["n"]))


async def run(n: int, recipients: int) -> Result:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    kinds = KindRegistry()
    kinds.register(KIND, _reminder)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        await upgrade_async(url)
        engine = create_engine(url)
        sessionmaker = create_sessionmaker(engine)
        fake = FakeTelegram(clock, token=TOKEN, global_limit=int(TELEGRAM_LIMIT))
        try:
            async with sessionmaker() as session, session.begin():
                people = [
                    Person(
                        telegram_id=FIRST_USER_ID + i,
                        display_name=f"Bench {i}",
                        timezone="Europe/Moscow",
                        created_at=clock.now(),
                    )
                    for i in range(recipients)
                ]
                session.add_all(people)
                await session.flush()
                for i in range(n):
                    person = people[i % recipients]
                    await enqueue(
                        session,
                        recipient=Recipient(person.id, person.telegram_id),
                        purpose="bench",
                        kind=KIND,
                        params={"n": i},
                        now=clock.now(),
                        occurrence=str(i),
                    )
            for person in people:
                fake.user(person.telegram_id)
                fake.mark_started(person.telegram_id)  # as if they had sent /start

            async with serve_http(fake) as server:
                session_http = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
                bot = Bot(
                    token=TOKEN,
                    session=session_http,
                    default=DefaultBotProperties(parse_mode=ParseMode.HTML),
                )
                sender = OutboxSender(
                    bot,
                    sessionmaker,
                    clock,
                    settings,
                    PassthroughTranslator,
                    "bench",
                    content=Content(),
                    registry=kinds,
                )
                try:
                    started = time.monotonic()
                    await sender.drain()
                    elapsed = time.monotonic() - started
                finally:
                    await bot.session.close()

            calls = fake.calls_of("sendMessage")
            per_text = Counter(c.params["text"] for c in calls if c.ok)
            async with sessionmaker() as session:
                statuses = dict(
                    (
                        await session.execute(
                            select(OutboxMessage.status, func.count()).group_by(
                                OutboxMessage.status
                            )
                        )
                    ).all()
                )
            sent = statuses.get("sent", 0)
            return Result(
                sent=sent,
                elapsed=elapsed,
                too_many=sum(1 for c in calls if c.status == 429),
                duplicates=sum(count - 1 for count in per_text.values() if count > 1),
                failed=statuses.get("failed", 0) + statuses.get("blocked", 0),
                not_sent=n - sent,
            )
        finally:
            await fake.close()
            await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="reminders to send")
    parser.add_argument("--recipients", type=int, default=None, help="default: one per reminder")
    parser.add_argument("--quick", action="store_true", help="300 reminders, a fast check")
    args = parser.parse_args(argv)
    n = 300 if args.quick else args.n
    recipients = min(args.recipients or n, n)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    result = asyncio.run(run(n, recipients))
    share = 100 * result.rate / TELEGRAM_LIMIT
    print(f"messages sent     {result.sent} of {n} ({recipients} recipients)")
    print(f"elapsed           {result.elapsed:.2f} s")
    print(f"rate              {result.rate:.2f} msgs/s")
    print(f"share of 30/s     {share:.1f} %")
    print(f"429s met          {result.too_many}")
    print(f"duplicates        {result.duplicates}")
    print(f"failed/blocked    {result.failed}")
    ok = result.duplicates == 0 and result.not_sent == 0 and share >= 80
    print("OK" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
