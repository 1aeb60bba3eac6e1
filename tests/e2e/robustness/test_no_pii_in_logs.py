"""No personal data in logs: full flows with distinctive names and texts, every record scanned.

Everything logs at DEBUG (the bot, aiogram, aiogram-dialog) except the loggers the production
setup caps (bot.logging_setup: aiogram-dialog prints whole Chat objects at DEBUG, SQLAlchemy
prints statement parameters). A second test runs the production entry point over HTTP, polling
and webhook, at DEBUG through the same setup.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.db.models import Family, Role
from bot.logging_setup import CEILINGS, keep_personal_data_out
from tests.cli_support import CLI_TIMEOUT, finish, start_cli
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import press, reply, running, settings_for, unhurried
from tests.e2e.steps import add_participant, attach, create_meeting
from tests.faketg import FakeTelegram, serve_http
from tests.harness import BotHarness
from tests.homework_support import enrol_now, family_with_people, release, send_now

# Distinctive words nobody's code or library would log by chance.
ADMIN_FIRST, ADMIN_LAST, ADMIN_USERNAME = "Zeraphina", "Quillborne", "zq_secret_handle"
MENTOR_FIRST = "Evlampiusz"
FAMILY = "Brackenridge-Oakes"
HOMEWORK_FAMILY = "Thistlewaite"
VISIT_NOTES = "Discussed the beekeeping budget of Wolstenholme"
CONCERN = "Bruise above the eyebrow of Tiberius-Xaver"
HOMEWORK_ANSWER = "We drew our family tree with Grandpa Marmaduke"
CHILD = "Persimmonia"
TOPIC = "I want to live with Auntie Florimel"
NOTE = "Persimmonia stays with her granny Ysolde"
PARTICIPANT = "Cornelius Fenwick-Pryce"
PLACE = "Hollowmere community hall"
SECRETS = [
    ADMIN_FIRST,
    ADMIN_LAST,
    ADMIN_USERNAME,
    MENTOR_FIRST,
    FAMILY,
    HOMEWORK_FAMILY,
    VISIT_NOTES,
    CONCERN,
    HOMEWORK_ANSWER,
    CHILD,
    TOPIC,
    NOTE,
    PARTICIPANT,
    PLACE,
]


def record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """Each record as a handler would print it: the message, its args, and any traceback."""
    formatter = logging.Formatter("%(name)s %(message)s")
    texts = []
    for record in records:
        texts.append(formatter.format(record))
        texts.append(repr(record.args))
    return texts


def assert_nothing_personal(records: list[logging.LogRecord], token: str = TOKEN) -> None:
    assert records, "nothing was logged: the capture is not working"
    texts = record_texts(records)
    for secret in [*SECRETS, token, token.split(":")[1]]:
        # a word of a longer text is as bad as the whole text
        for word in {secret, *(w for w in secret.split() if len(w) > 6)}:
            leaks = [t for t in texts if word in t]
            assert not leaks, f"{word!r} in the log: {leaks[:3]}"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    capped = {name: logging.getLogger(name).level for name in CEILINGS}
    caplog.set_level(logging.DEBUG)
    for name in ("bot", "aiogram", "aiogram_dialog"):
        caplog.set_level(logging.DEBUG, logger=name)
    keep_personal_data_out()  # what `python -m bot` does at start (bot/__main__.py)
    yield caplog
    for name, level in capped.items():
        logging.getLogger(name).setLevel(level)


async def test_full_flows_log_no_names_or_texts(
    app: BotHarness, debug_logs: pytest.LogCaptureFixture
) -> None:
    admin = await app.admin(
        ADMIN_ID,
        first_name=ADMIN_FIRST,
        last_name=ADMIN_LAST,
        username=ADMIN_USERNAME,
        language_code="en",
    )
    await admin.send_command("families")
    await admin.press("➕ Add a family")
    await admin.send_text(FAMILY)
    await admin.press("Large family")
    await admin.press("basic")
    await admin.press("Moscow, Vologda (UTC+3)")
    await admin.press("✅ Save")
    assert "saved" in admin.last_text()

    # A visit with notes and a safety concern, by a mentor of that family.
    family_id = await _family_id(app, FAMILY)
    mentor = await app.joined(
        2001, await app.invitation(ADMIN_ID, Role.MENTOR), first_name=MENTOR_FIRST
    )
    await attach(app, 2001, family_id)
    await mentor.send_command("visit")
    await mentor.press("📅 Сегодня")
    await mentor.press("Визит домой")
    await mentor.press("60 мин")
    await mentor.press("▫️ Наблюдение")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")
    await mentor.press("1 — очень тяжело")
    await mentor.press("⚠️ Да")
    await mentor.send_text(CONCERN)
    await mentor.send_text(VISIT_NOTES)
    await mentor.press("Пока не запланирован")
    await mentor.press("✅ Сохранить")
    assert "Координаторы сразу получат" in mentor.last_text()
    await app.deliver()
    assert any(CONCERN in t for t in admin.texts())

    # Homework: a parent answers the week's task in their own words.
    ours = await family_with_people(app, name=HOMEWORK_FAMILY, parent_ids=(3001,), mentor_id=None)
    await enrol_now(app, ours.id)
    await send_now(app)  # the questionnaire invitation first
    app.clock.advance(60)
    assert await release(app) == 1
    await send_now(app)
    [parent] = ours.parents
    await parent.press("✍️ Ответить")
    await parent.send_text(HOMEWORK_ANSWER)
    await parent.press("✅ Готово")
    await parent.press("9")
    await parent.press("Пропустить")

    # A network meeting with a child's name, a topic, a note and a participant.
    await admin.send_command("start")
    await create_meeting(admin, FAMILY, child=CHILD, topic=TOPIC, place=PLACE, note=NOTE)
    await add_participant(admin, PARTICIPANT, "teacher or carer", True)
    assert any(PARTICIPANT in t for t in admin.texts())

    # The coordinator's statistics and an export of this month.
    await admin.send_command("stats")
    await admin.send_command("export")
    await admin.press("Other dates…")
    await admin.send_text("01.11.2026 - 30.11.2026")
    await app.settle()
    assert any(m.kind == "document" for m in admin.messages())

    assert_nothing_personal(debug_logs.records)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_production_entry_point_logs_no_names(
    mode: str, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url, log_level="DEBUG")
        async with running(settings):
            admin = fake.user(
                ADMIN_ID, first_name=ADMIN_FIRST, last_name=ADMIN_LAST, username=ADMIN_USERNAME
            )
            await admin.send_start()
            await reply(fake, admin, lambda t: "Прежде чем начать" in t)
            await press(fake, admin, "✅ Согласен(на)")
            await reply(fake, admin, lambda t: "Что хотите сделать?" in t)
            await unhurried(fake, ADMIN_ID, room=2)
            await admin.send_text(VISIT_NOTES)  # free text outside any form
            await reply(fake, admin, lambda t: "/help" in t)
    assert_nothing_personal(debug_logs.records)
    assert any("is handled" in r.getMessage() for r in debug_logs.records)


async def test_python_m_bot_at_debug_prints_no_names(tmp_path: Path) -> None:
    """The real process with LOG_LEVEL=DEBUG: its stderr is what an operator's log keeps."""
    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        process = await start_cli(
            tmp_path,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_SERVER=server.url,
            ADMIN_IDS=str(ADMIN_ID),
            LOG_LEVEL="DEBUG",
        )
        try:
            await fake.wait_for(lambda: fake.long_polls_waiting > 0, CLI_TIMEOUT)
            admin = fake.user(
                ADMIN_ID, first_name=ADMIN_FIRST, last_name=ADMIN_LAST, username=ADMIN_USERNAME
            )
            await admin.send_start()
            await reply(fake, admin, lambda t: "Прежде чем начать" in t)
            await press(fake, admin, "✅ Согласен(на)")
            await reply(fake, admin, lambda t: "Что хотите сделать?" in t)
            await unhurried(fake, ADMIN_ID, room=2)
            await admin.send_text(VISIT_NOTES)
            await reply(fake, admin, lambda t: "/help" in t)
            process.send_signal(signal.SIGTERM)
            code, _out, err = await finish(process)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if fake.long_polls_waiting:
            await fake.handle("getUpdates", {"timeout": 0})
    assert code == 0, err
    assert " DEBUG " in err and "is handled" in err  # it did log, verbosely
    for secret in [ADMIN_FIRST, ADMIN_LAST, ADMIN_USERNAME, VISIT_NOTES, TOKEN.split(":")[1]]:
        assert secret not in err, secret


async def _family_id(app: BotHarness, name: str) -> int:
    async with app.sessionmaker() as session:
        family_id = await session.scalar(select(Family.id).where(Family.name == name))
    assert family_id is not None
    return family_id
