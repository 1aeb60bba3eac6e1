"""The outbox sender against the fake Telegram, on virtual time and a real SQLite database."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import OutboxMessage, OutboxStatus, Person
from bot.delivery import OutboxSender, Outgoing, Translator, message_kind
from bot.delivery.sender import INTERRUPTED, _Row
from bot.services.outbox import Recipient, enqueue
from tests.faketg import FakeSession, FakeTelegram, FakeUser

CONTENT = Content()
KIND = "test.delivery.note"
KIND_WITH_BUTTON = "test.delivery.button"


@message_kind(KIND)
def _note(params: dict[str, Any], t: Translator) -> Outgoing:
    return Outgoing(text=t.gettext("Note <b>{tag}</b>").format(tag=escape(params["tag"])))


@message_kind(KIND_WITH_BUTTON)
def _with_button(params: dict[str, Any], t: Translator) -> Outgoing:
    button = InlineKeyboardButton(text=t.gettext("Open"), callback_data=f"open:{params['tag']}")
    return Outgoing(
        text=f"[{t.locale}] {escape(params['tag'])}",
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
        disable_notification=True,
    )


@dataclass
class Passthrough:
    locale: str

    def gettext(self, message: str) -> str:
        return message


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


@dataclass
class World:
    clock: ManualClock
    fake: FakeTelegram
    bot: Bot
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings = field(default_factory=make_settings)
    users: dict[int, FakeUser] = field(default_factory=dict)
    locales_asked: list[str] = field(default_factory=list)

    def translator(self, locale: str) -> Translator:
        self.locales_asked.append(locale)
        return Passthrough(locale)

    def sender(self, worker_id: str, bot: Bot | None = None, **kwargs: Any) -> OutboxSender:
        settings = kwargs.pop("settings", self.settings)
        return OutboxSender(
            bot or self.bot,
            self.sessionmaker,
            self.clock,
            settings,
            self.translator,
            worker_id,
            content=CONTENT,
            **kwargs,
        )

    async def person(
        self,
        telegram_id: int,
        *,
        timezone: str = "Europe/Moscow",
        locale: str | None = None,
        started: bool = True,
    ) -> int:
        user = self.fake.user(telegram_id)
        self.users[telegram_id] = user
        if started:
            await user.send_start()  # Telegram only lets the bot write to people who wrote first
        async with self.sessionmaker() as session, session.begin():
            person = Person(
                telegram_id=telegram_id,
                display_name=f"Person {telegram_id}",
                locale=locale,
                timezone=timezone,
                created_at=self.clock.now(),
            )
            session.add(person)
            await session.flush()
            return person.id

    async def enqueue(
        self,
        person_id: int,
        chat_id: int,
        tag: str,
        *,
        kind: str = KIND,
        due_at: datetime | None = None,
        family_facing: bool = False,
    ) -> bool:
        async with self.sessionmaker() as session, session.begin():
            return await enqueue(
                session,
                recipient=Recipient(person_id, chat_id),
                purpose="test",
                kind=kind,
                params={"tag": tag},
                now=self.clock.now(),
                due_at=due_at,
                object_type="note",
                object_id=None,
                occurrence=tag,
                family_facing=family_facing,
            )

    async def rows(self) -> list[OutboxMessage]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def row(self, tag: str) -> OutboxMessage:
        (found,) = [r for r in await self.rows() if r.params["tag"] == tag]
        return found

    async def set_status(
        self, tags: Sequence[str], status: OutboxStatus, worker: str, lease_seconds: float
    ) -> None:
        """Leave rows as a crashed worker would have: claimed or sending, lease running."""
        async with self.sessionmaker() as session, session.begin():
            rows = [r for r in await self.rows() if r.params["tag"] in tags]
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows]))
                .values(
                    status=status,
                    claimed_by=worker,
                    lease_until=self.clock.now() + timedelta(seconds=lease_seconds),
                )
            )

    def delivered(self) -> Counter[str]:
        """How many times each text reached a chat (successful sendMessage calls)."""
        return Counter(
            message.visible_text for chat in self.users for message in self.fake.chat_messages(chat)
        )

    def send_calls(self, chat_id: int | None = None) -> list[Any]:
        calls = self.fake.calls_of("sendMessage")
        return [c for c in calls if chat_id is None or c.chat_id == chat_id]

    def statuses(self, rows: Sequence[OutboxMessage]) -> Counter[str]:
        return Counter(r.status for r in rows)


def text_of(tag: str) -> str:
    return f"Note {tag}"


async def migrated_sessionmaker(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    await upgrade_async(url)
    engine = create_engine(url)
    return engine, create_sessionmaker(engine)


def fake_bot(fake: FakeTelegram, session: FakeSession | None = None) -> Bot:
    return Bot(
        token="123456:TEST",
        session=session or FakeSession(fake),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@pytest.fixture
async def world(tmp_path: Any) -> AsyncIterator[World]:
    engine, sessionmaker = await migrated_sessionmaker(
        f"sqlite+aiosqlite:///{tmp_path / 'delivery.sqlite3'}"
    )
    clock = ManualClock()
    fake = FakeTelegram(clock)
    bot = fake_bot(fake)
    try:
        yield World(clock, fake, bot, sessionmaker)
    finally:
        await bot.session.close()
        await fake.close()
        await engine.dispose()


class FlakySession(FakeSession):
    """The in-process transport, but the first `failures` sendMessage calls hit a network error."""

    def __init__(self, fake: FakeTelegram, failures: int) -> None:
        super().__init__(fake)
        self.failures = failures

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        if isinstance(method, SendMessage) and self.failures > 0:
            self.failures -= 1
            raise TelegramNetworkError(method=method, message="connection reset by peer")
        return await super().make_request(bot, method, timeout)


# ---------------------------------------------------------------------------- the main path


async def test_200_messages_to_50_users_each_delivered_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.delivery")
    tags = []
    for user in range(50):
        person_id = await world.person(1000 + user)
        for n in range(4):  # grouped per user: the per-chat limit is what bites
            tag = f"u{user}-m{n}"
            tags.append(tag)
            assert await world.enqueue(person_id, 1000 + user, tag)
    sender = world.sender("w1")
    start = world.clock.monotonic()

    await sender.drain()

    rows = await world.rows()
    assert world.statuses(rows) == {OutboxStatus.SENT: 200}
    assert all(r.telegram_message_id and r.sent_at for r in rows)
    assert world.delivered() == Counter(text_of(tag) for tag in tags)
    for user in range(50):
        sent = [c for c in world.send_calls(1000 + user) if c.ok]
        assert [c.params["text"] for c in sent] == [
            f"Note <b>u{user}-m{n}</b>" for n in range(4)
        ]  # in queue order
    too_many = [c for c in world.send_calls() if c.status == 429]
    assert sender.stats.retried_429 == len(too_many)  # every 429 went back to the queue
    assert too_many == []  # and within the limits there are none
    world.fake.assert_no_violations()
    assert sender.stats.sent == 200
    # 25/s overall, and four messages per chat need three 1 s gaps.
    elapsed = world.clock.monotonic() - start
    assert 200 / 25 - 0.1 <= elapsed < 30
    # Logs carry ids and kinds, never the texts.
    assert caplog.records
    assert not any("Note" in record.getMessage() for record in caplog.records)


async def test_sends_are_spaced_by_the_global_rate(world: World) -> None:
    for user in range(60):
        person_id = await world.person(2000 + user)
        await world.enqueue(person_id, 2000 + user, f"g{user}")
    fake_times: list[float] = []
    original = world.fake.handle

    async def timed(method: str, params: dict[str, Any], files: Any = None) -> Any:
        if method == "sendMessage":
            fake_times.append(world.clock.monotonic())
        return await original(method, params, files)

    world.fake.handle = timed  # type: ignore[method-assign]
    await world.sender("w1").drain()
    gaps = [b - a for a, b in itertools.pairwise(fake_times)]
    assert len(fake_times) == 60
    assert min(gaps) >= 1 / 25 - 1e-9


async def test_rendering_uses_the_recipients_locale_at_send_time(world: World) -> None:
    en = await world.person(3001, locale="en")
    default = await world.person(3002, locale=None)
    await world.enqueue(en, 3001, "a", kind=KIND_WITH_BUTTON)
    await world.enqueue(default, 3002, "b", kind=KIND_WITH_BUTTON)
    await world.sender("w1").drain()
    assert world.users[3001].last_text() == "[en] a"
    assert world.users[3002].last_text() == "[ru] b"
    message = world.users[3001].last()
    assert message.button_texts() == ["Open"]
    assert world.send_calls(3001)[0].params.get("disable_notification") is True
    assert world.locales_asked == ["en", "ru"]
    world.fake.assert_no_violations()


async def test_unknown_kind_fails_without_a_call(world: World) -> None:
    person_id = await world.person(3101)
    await world.enqueue(person_id, 3101, "x", kind="test.delivery.nobody-knows")
    sender = world.sender("w1")
    await sender.drain()
    row = await world.row("x")
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "unknown kind")
    assert world.send_calls() == []
    assert sender.stats.failed == 1


async def test_a_chat_that_never_wrote_fails_with_chat_not_found(world: World) -> None:
    person_id = await world.person(3201, started=False)
    await world.enqueue(person_id, 3201, "x")
    await world.sender("w1").drain()
    row = await world.row("x")
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "chat not found")
    world.fake.assert_no_violations()


# ---------------------------------------------------------------------------- blocked users


async def test_a_user_who_blocked_the_bot(world: World) -> None:
    people = {tg: await world.person(tg) for tg in (4001, 4002, 4003)}
    await world.users[4002].block()
    for tg, person_id in people.items():
        for n in range(3):
            await world.enqueue(person_id, tg, f"{tg}-{n}")
    sender = world.sender("w1")
    await sender.drain()

    async with world.sessionmaker() as session:
        blocked = await session.get(Person, people[4002])
        assert blocked is not None
        assert blocked.blocked_at is not None
    rows = await world.rows()
    by_chat = {tg: [r.status for r in rows if r.chat_id == tg] for tg in people}
    assert by_chat == {
        4001: [OutboxStatus.SENT] * 3,
        4002: [OutboxStatus.BLOCKED] * 3,
        4003: [OutboxStatus.SENT] * 3,
    }
    calls = world.send_calls(4002)
    assert [c.status for c in calls] == [403]  # only the first row reached Telegram
    assert sender.stats.blocked == 3

    # Rows queued later for that person never reach Telegram either.
    await world.enqueue(people[4002], 4002, "later")
    await sender.drain()
    assert (await world.row("later")).status == OutboxStatus.BLOCKED
    assert len(world.send_calls(4002)) == 1
    world.fake.assert_no_violations()


# ---------------------------------------------------------------------------- restarts


async def test_restart_mid_queue_sends_everything_once(world: World) -> None:
    tags = []
    for user in range(30):
        person_id = await world.person(5000 + user)
        tags.append(f"r{user}")
        await world.enqueue(person_id, 5000 + user, f"r{user}")
    first = world.sender("before-restart", settings=make_settings(delivery_batch_size=10))
    assert await first.run_once() == 10
    # The process dies holding a batch: five rows claimed, one in the middle of a request.
    await world.set_status([f"r{n}" for n in range(10, 15)], OutboxStatus.CLAIMED, "dead", 60)
    await world.set_status(["r15"], OutboxStatus.SENDING, "dead", 60)

    second = world.sender("after-restart")
    await second.drain()
    rows = {r.params["tag"]: r for r in await world.rows()}
    # Leases still running: the dead worker's rows are left alone for now.
    assert {rows[f"r{n}"].status for n in range(10, 15)} == {OutboxStatus.CLAIMED}
    assert rows["r15"].status == OutboxStatus.SENDING
    assert len(world.delivered()) == 30 - 6

    world.clock.advance(61)
    await second.drain()
    rows = {r.params["tag"]: r for r in await world.rows()}
    assert rows["r15"].status == OutboxStatus.FAILED
    assert rows["r15"].last_error == INTERRUPTED
    assert {r.status for tag, r in rows.items() if tag != "r15"} == {OutboxStatus.SENT}
    assert world.delivered() == Counter(text_of(tag) for tag in tags if tag != "r15")
    assert second.stats.recovered_claims == 5
    assert second.stats.interrupted == 1
    world.fake.assert_no_violations()


async def test_a_worker_whose_lease_ran_out_does_not_resend(world: World) -> None:
    """Worker A claimed, stalled past its lease; B took over; A's late send is refused."""
    person_id = await world.person(5101)
    await world.enqueue(person_id, 5101, "late")
    await world.set_status(["late"], OutboxStatus.CLAIMED, "stalled", 60)
    world.clock.advance(61)
    taker = world.sender("taker")
    await taker.drain()
    assert (await world.row("late")).status == OutboxStatus.SENT
    stalled = world.sender("stalled")
    # The stalled worker's compare-and-set finds the row no longer claimed by it.
    row = await world.row("late")
    claimed = _Row(row.id, row.person_id, row.chat_id, row.kind, row.params, False, 0)
    assert not await stalled._mark_sending(claimed)
    assert world.delivered() == {text_of("late"): 1}


async def test_the_same_key_twice_is_one_message(world: World) -> None:
    person_id = await world.person(5201)
    assert await world.enqueue(person_id, 5201, "once")
    assert not await world.enqueue(person_id, 5201, "once")
    await world.sender("w1").drain()
    assert not await world.enqueue(person_id, 5201, "once")  # also after it was sent
    await world.sender("w1").drain()
    assert len(await world.rows()) == 1
    assert world.delivered() == {text_of("once"): 1}


# ---------------------------------------------------------------------------- quiet hours


async def test_family_facing_messages_wait_for_the_morning(world: World) -> None:
    # 16:00 UTC is 23:00 in Novosibirsk (UTC+7).
    world.clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    person_id = await world.person(6001, timezone="Asia/Novosibirsk")
    await world.enqueue(person_id, 6001, "family", family_facing=True)
    await world.enqueue(person_id, 6001, "staff", family_facing=False)
    sender = world.sender("w1")

    await sender.drain(max_idle_wait=60)
    assert (await world.row("staff")).status == OutboxStatus.SENT
    waiting = await world.row("family")
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.due_at == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 local
    assert sender.stats.deferred_quiet == 1

    await sender.drain()
    sent = await world.row("family")
    assert sent.status == OutboxStatus.SENT
    assert sent.sent_at == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert world.delivered() == {text_of("family"): 1, text_of("staff"): 1}


# ---------------------------------------------------------------------------- 429 and network


async def test_flood_control_429_is_retried_and_delivered_once(world: World) -> None:
    # No per-chat spacing on our side: the fake's 3-per-3-seconds chat limit answers 429.
    settings = make_settings(delivery_chat_interval_seconds=0)
    person_id = await world.person(7001)
    tags = [f"burst{n}" for n in range(6)]
    for tag in tags:
        await world.enqueue(person_id, 7001, tag)
    sender = world.sender("w1", settings=settings)
    start = world.clock.now()
    await sender.drain()

    # The 4th message met the 3-per-3-s limit and went out only after retry_after.
    assert world.clock.now() - start >= timedelta(seconds=3)
    too_many = [c for c in world.send_calls(7001) if c.status == 429]
    assert too_many, "the burst should have met flood control"
    assert sender.stats.retried_429 == len(too_many)
    assert world.delivered() == Counter(text_of(tag) for tag in tags)
    assert world.statuses(await world.rows()) == {OutboxStatus.SENT: 6}
    world.fake.assert_no_violations()


async def test_a_network_error_is_retried_with_backoff(world: World) -> None:
    bot = fake_bot(world.fake, FlakySession(world.fake, failures=1))
    person_id = await world.person(7101)
    await world.enqueue(person_id, 7101, "flaky")
    start = world.clock.now()
    sender = world.sender("w1", bot=bot)
    try:
        await sender.drain()
    finally:
        await bot.session.close()
    row = await world.row("flaky")
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.sent_at - start >= timedelta(seconds=2)  # 2**1 s backoff
    assert sender.stats.retried_network == 1
    assert world.delivered() == {text_of("flaky"): 1}


async def test_network_errors_fail_the_row_after_max_attempts(world: World) -> None:
    bot = fake_bot(world.fake, FlakySession(world.fake, failures=1_000))
    person_id = await world.person(7201)
    await world.enqueue(person_id, 7201, "doomed")
    sender = world.sender("w1", bot=bot, settings=make_settings(delivery_max_attempts=3))
    try:
        await sender.drain()
    finally:
        await bot.session.close()
    row = await world.row("doomed")
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert row.last_error is not None
    assert row.last_error.startswith("network: ")
    assert sender.stats.retried_network == 2
    assert sender.stats.failed == 1
    assert world.delivered() == {}


async def test_overlapping_rounds_in_one_process_do_not_double_send(world: World) -> None:
    for user in range(20):
        person_id = await world.person(7300 + user)
        await world.enqueue(person_id, 7300 + user, f"o{user}")
    sender = world.sender("w1")
    await asyncio.gather(sender.run_once(), sender.run_once(), sender.run_once())
    await sender.drain()
    assert world.delivered() == Counter(text_of(f"o{n}") for n in range(20))


# ---------------------------------------------------------------------------- two workers


async def run_two_workers(world: World, n_users: int, per_user: int) -> list[OutboxSender]:
    tags = []
    for user in range(n_users):
        person_id = await world.person(8000 + user)
        for n in range(per_user):
            tags.append(f"t{user}-{n}")
            await world.enqueue(person_id, 8000 + user, f"t{user}-{n}")
    # Two replicas share the bot's rate: each gets half.
    settings = make_settings(delivery_rate_per_second=12.5, delivery_batch_size=20)
    workers = [world.sender(name, settings=settings) for name in ("replica-a", "replica-b")]
    await asyncio.gather(*(w.drain() for w in workers))
    # A last round each, in case one stopped while the other still held rows.
    for w in workers:
        await w.drain()
    rows = await world.rows()
    assert world.statuses(rows) == {OutboxStatus.SENT: len(tags)}
    assert world.delivered() == Counter(text_of(tag) for tag in tags)
    assert sum(w.stats.sent for w in workers) == len(tags)
    world.fake.assert_no_violations()
    return workers


async def test_two_workers_share_one_sqlite_database(world: World) -> None:
    workers = await run_two_workers(world, n_users=40, per_user=3)
    assert all(w.stats.claimed > 0 for w in workers)


@pytest.fixture
async def pg_world() -> AsyncIterator[World]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql+asyncpg://"):
        pytest.skip("TEST_DATABASE_URL is not a postgresql+asyncpg URL")
    base, _, _ = url.rpartition("/")
    name = f"delivery_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine, sessionmaker = await migrated_sessionmaker(f"{base}/{name}")
    clock = ManualClock()
    fake = FakeTelegram(clock)
    bot = fake_bot(fake)
    try:
        yield World(clock, fake, bot, sessionmaker)
    finally:
        await bot.session.close()
        await fake.close()
        await engine.dispose()
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_two_workers_share_one_postgresql_database(pg_world: World) -> None:
    workers = await run_two_workers(pg_world, n_users=40, per_user=3)
    assert all(w.stats.claimed > 0 for w in workers)
