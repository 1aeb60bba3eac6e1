"""The coordinators' weekly digest: Monday 09:00 in each coordinator's zone, once a week."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update

from bot.db.models import Family, Role
from bot.scheduler.jobs import run_due_jobs, run_weekly_digest
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_visit, link, set_zone
from tests.faketg import FakeUser
from tests.harness import BotHarness

KUZBASS_COORDINATOR = 1002
MENTOR = 2001


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def digests(user: FakeUser) -> list[str]:
    return [t for t in user.texts() if t.startswith(("📋 Сводка за неделю", "📋 Weekly digest"))]


async def digest_job(app: BotHarness) -> int:
    queued = await run_weekly_digest(app.sessionmaker, app.clock, app.settings)
    await app.sender.drain(max_idle_wait=0)
    return queued


async def test_weekly_digest_on_monday_morning_local_once_a_week(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    kuzbass = await app.joined(
        KUZBASS_COORDINATOR,
        await app.invitation(ADMIN_ID, Role.COORDINATOR),
        language_code="en",
    )
    await set_zone(app, KUZBASS_COORDINATOR, "Asia/Novokuznetsk")
    await app.joined(MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр <b>")
    visited = await app.add_family(ADMIN_ID, "Орловы")
    waiting = await app.add_family(ADMIN_ID, "Зайцевы <&>")
    async with app.sessionmaker.begin() as session:
        await session.execute(update(Family).values(created_at=utc(9, 1, 0)))
    await link(app, visited, MENTOR, "mentor", at=utc(9, 1, 0))
    await link(app, waiting, MENTOR, "mentor", at=utc(9, 1, 0))
    await add_visit(app, visited, MENTOR, date(2026, 11, 20))
    await app.sender.drain(max_idle_wait=0)

    app.clock.set(utc(11, 29, 12))  # Sunday
    assert await digest_job(app) == 0
    app.clock.set(utc(11, 30, 1, 59))  # Monday 08:59 in Novokuznetsk
    assert await digest_job(app) == 0
    app.clock.set(utc(11, 30, 2, 0))  # 09:00 in Novokuznetsk, 05:00 in Moscow
    assert await digest_job(app) == 1
    assert digests(kuzbass) and not digests(admin)
    english = digests(kuzbass)[0]
    assert english.splitlines()[0] == "📋 Weekly digest · 30.11.2026"
    assert "Mentors with no visit in 14 days: 0 of 1" in english
    assert "Families with no visit in 14 days: 1 of 2" in english
    assert "• Зайцевы <&>: no visits yet" in english
    assert "Safety concerns nobody has taken on: 0" in english
    await app.restart()
    app.clock.set(utc(11, 30, 5, 59))
    assert await digest_job(app) == 0
    app.clock.set(utc(11, 30, 6, 0))  # 09:00 in Moscow
    assert await digest_job(app) == 1
    russian = digests(admin)[0]
    assert russian.splitlines()[0] == "📋 Сводка за неделю · 30.11.2026"
    assert "Наставники без визитов за 14 дн.: 0 из 1" in russian
    assert "Семьи без визита за 14 дн.: 1 из 2" in russian
    assert "• Зайцевы <&>: визитов ещё не было" in russian
    assert "Тревоги, которые никто не взял в работу: 0" in russian
    # Every job again, later that day, after a restart, on Tuesday: nothing more.
    await app.restart()
    for moment in (utc(11, 30, 6, 5), utc(11, 30, 20, 0), utc(12, 1, 6, 0)):
        app.clock.set(moment)
        await run_due_jobs(app.sessionmaker, app.clock, app.settings, app.dp["content"])
        await app.sender.drain(max_idle_wait=0)
    assert len(digests(admin)) == len(digests(kuzbass)) == 1
    app.clock.set(utc(12, 7, 6, 0))  # next Monday
    assert await digest_job(app) == 2
    assert len(digests(admin)) == len(digests(kuzbass)) == 2
    assert "Наставники без визитов за 14 дн.: 1 из 1" in digests(admin)[1]
    assert "• Пётр <b>: последний визит 20.11.2026" in digests(admin)[1]


async def test_no_digest_while_there_is_nothing_to_review(app: BotHarness) -> None:
    """A service just set up: the first coordinator would get "0 of 0" on their first Monday."""
    admin = await app.admin(ADMIN_ID)
    await app.joined(MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR))  # no family yet
    app.clock.set(utc(11, 30, 6, 0))  # Monday 09:00 in Moscow
    assert await digest_job(app) == 0
    assert not digests(admin)
    # The first family, later that Monday: this week's digest after all, once.
    family = await app.add_family(ADMIN_ID, "Орловы")
    app.clock.set(utc(11, 30, 7, 0))
    assert await digest_job(app) == 1
    [digest] = digests(admin)
    assert "Семьи без визита за 14 дн.: 0 из 1" in digest  # too new to count as waiting
    await link(app, family, MENTOR, "mentor", at=app.clock.now())
    app.clock.set(utc(11, 30, 8, 0))
    assert await digest_job(app) == 0
    assert len(digests(admin)) == 1
