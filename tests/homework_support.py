"""Arranging weekly-programme tests: a family with parents and a mentor, enrolled, and the jobs.

The harness clock starts on Monday 23 Nov 2026, 07:00 UTC = 10:00 in Moscow. `enrol_now`
enrols the family with the first release one minute from now (family time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.models import Enrollment, FamilyLink, HomeworkWeek, OutboxMessage, Role
from bot.scheduler.jobs import homework_release, run_homework_digest, run_homework_reminders
from bot.services import programmes
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness


@dataclass
class Family:
    id: int
    parents: list[FakeUser]
    mentor: FakeUser | None


async def link(app: BotHarness, telegram_id: int, family_id: int, kind: str) -> None:
    actor = await app.actor(telegram_id)
    async with app.sessionmaker.begin() as session:
        session.add(
            FamilyLink(
                family_id=family_id,
                person_id=actor.person_id,
                kind=kind,
                created_at=app.clock.now(),
            )
        )


async def family_with_people(
    app: BotHarness,
    *,
    name: str = "Ивановы",
    parent_ids: tuple[int, ...] = (3001,),
    mentor_id: int | None = 2001,
    lang: str = "ru",
    tz: str = "Europe/Moscow",
) -> Family:
    """A family with parents who joined by their invitation links, and a mentor."""
    family_id = await app.add_family(ADMIN_ID, name, tz=tz)
    parents = []
    for parent_id in parent_ids:
        token = await app.invitation(ADMIN_ID, Role.PARENT, family_id=family_id)
        parents.append(await app.joined(parent_id, token, language_code=lang))
    mentor = None
    if mentor_id is not None:
        token = await app.invitation(ADMIN_ID, Role.MENTOR)
        mentor = await app.joined(mentor_id, token, language_code=lang)
        await link(app, mentor_id, family_id, "mentor")
    await app.deliver()
    return Family(family_id, parents, mentor)


async def enrol_now(
    app: BotHarness,
    family_id: int,
    programme: str = "tochka_opory",
    *,
    in_minutes: int = 1,
    due_days: int = 3,
    tz: str = "Europe/Moscow",
) -> int:
    """Enrol through the service, the release `in_minutes` from now (family time)."""
    local = (app.clock.now() + timedelta(minutes=in_minutes)).astimezone(ZoneInfo(tz))
    actor = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        enrollment = await programmes.enrol(
            session,
            actor,
            family_id,
            programme,
            start_date=local.date(),
            release_weekday=local.weekday(),
            release_time=time(local.hour, local.minute),
            due_days=due_days,
            now=app.clock.now(),
            known_programmes=app.dp["content"].programmes,
        )
        return enrollment.id


async def release(app: BotHarness) -> int:
    run_homework_release = homework_release(app.dp["content"].programmes)
    return await run_homework_release(app.sessionmaker, app.clock, app.settings)


async def remind(app: BotHarness) -> int:
    return await run_homework_reminders(app.sessionmaker, app.clock, app.settings)


async def digest(app: BotHarness) -> int:
    return await run_homework_digest(app.sessionmaker, app.clock, app.settings)


async def send_now(app: BotHarness) -> None:
    """A sender round for what is due now, without moving the clock to later rows."""
    await app.sender.drain(max_idle_wait=0)


async def weeks(app: BotHarness) -> list[HomeworkWeek]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(HomeworkWeek).order_by(HomeworkWeek.id)))


async def enrollment(app: BotHarness, enrollment_id: int) -> Enrollment:
    async with app.sessionmaker() as session:
        found = await session.get(Enrollment, enrollment_id)
        assert found is not None
        return found


async def outbox_rows(app: BotHarness, purpose: str) -> list[OutboxMessage]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.purpose == purpose)
                .order_by(OutboxMessage.id)
            )
        )


QUESTIONNAIRE_STATEMENTS = 8
QUESTIONNAIRE_RU_LABELS = {
    1: "совсем не про нас",
    2: "скорее не про нас",
    3: "иногда",
    4: "скорее про нас",
    5: "точно про нас",
}
QUESTIONNAIRE_EN_LABELS = {
    1: "not us at all",
    2: "not really us",
    3: "sometimes",
    4: "mostly us",
    5: "that's us",
}


async def answer_questionnaire(user: FakeUser, values: list[int], labels: dict[int, str]) -> None:
    """Taps the questionnaire's scale button for each value in turn."""
    for value in values:
        await user.press(f"{value} · {labels[value]}")
