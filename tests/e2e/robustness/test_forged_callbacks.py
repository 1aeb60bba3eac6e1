"""Forged callback data: every button the victim family's people (and the coordinator) really
see, replayed from other people's chats, and tampered variants (other ids, out of range,
negative, not digits, 64-byte junk). Each press is answered, nothing changes, the refusals of
plain buttons are audited, and nothing of the victim family reaches the forger.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from sqlalchemy import func, select

from bot.db.models import (
    AuditEntry,
    Enrollment,
    Family,
    FamilyLink,
    HomeworkAnswer,
    HomeworkWeek,
    Invitation,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    MeetingParticipant,
    MeetingProcessAssessment,
    Person,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    Relation,
    SafetyConcern,
    SpecialistEvaluation,
    Visit,
)
from bot.services import meeting_decisions
from tests.conftest import ADMIN_ID
from tests.e2e.steps import invite, join_by_link, make_meeting
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import enrol_now, release, send_now
from tests.hostile.world import VICTIM_FAMILY, World, build_world

# What the victim family's screens show; none of it may appear in a forger's chat.
SECRETS = (VICTIM_FAMILY, "Ваня", "Секрет Вани", "Пётр Соколов", "Чужое решение", "Тайная тревога")
VISIT_WITH_CONCERN = (
    "📅 Сегодня",
    "Визит домой",
    "60 мин",
    "▫️ Наблюдение",
    "➡️ Далее",
    "➡️ Далее",
    "1 — очень тяжело",
    "⚠️ Да",
)
VICTIM_PARTICIPANT_ID = 4002
JUNK = (
    "0",
    "-1",
    "abc",
    "99999999999999999999",
    "x" * 64,
    "🙂" * 16,  # 64 bytes of UTF-8
    "\x1d",
    "\x1d\x1d\x1d",
    "md:d:1\x00",
    "hw:a:",
    "mt:v:-5",
    "srs:1:99",
    "cs:y:admin",
    "cs:y:" + "9" * 59,
)
SNAPSHOT = (
    Family,
    FamilyLink,
    Invitation,
    Meeting,
    MeetingParticipant,
    MeetingDecision,
    Enrollment,
    HomeworkWeek,
    HomeworkAnswer,
    SafetyConcern,
    Visit,
    QuestionnaireFollowUp,
    ProgrammeEvaluation,
    SpecialistEvaluation,
    MeetingProcessAssessment,
    MeetingFollowUp,
)


async def victim_side(app: BotHarness, world: World) -> list[FakeUser]:
    """The victim family gets a programme week, a meeting with an invitee, and a decision."""
    enrollment_id = await enrol_now(app, world.victim_family)
    async with app.sessionmaker.begin() as session:
        # A follow-up questionnaire of the victim family, as if sent: its button is loot too.
        session.add(
            QuestionnaireFollowUp(
                enrollment_id=enrollment_id,
                months=6,
                due_at=app.clock.now(),
                released_at=app.clock.now(),
            )
        )
    app.clock.advance(120)
    await release(app)
    await send_now(app)
    meeting_id, (row,) = await make_meeting(
        app,
        world.victim_family,
        [("Пётр Соколов", Relation.FATHER)],
        child_name="Ваня",
        topic="Секрет Вани",
    )
    victim_participant = await join_by_link(
        app, VICTIM_PARTICIPANT_ID, await invite(app, row) or "", "ru"
    )
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await meeting_decisions.add(
            session, boss, meeting_id, "Чужое решение", "папа", date(2026, 11, 30), app.clock.now()
        )
    mentor = world.victim_mentor
    await mentor.send_command("visit")
    for label in VISIT_WITH_CONCERN:
        await mentor.press(label)
    await mentor.send_text("Тайная тревога")
    for label in ("Пропустить", "Пока не запланирован", "✅ Сохранить"):
        await mentor.press(label)
    await app.deliver()
    return [world.victim_parent, world.victim_mentor, victim_participant]


async def handler_buttons_for_victim_rows(app: BotHarness, world: World) -> list[str]:
    """Our own handlers' callback data, for every victim row they can point at."""
    async with app.sessionmaker() as session:

        async def ids(column: Any, where: Any) -> list[int]:
            return list(await session.scalars(select(column).where(where)))

        family = world.victim_family
        weeks = await ids(
            HomeworkWeek.id,
            HomeworkWeek.enrollment_id.in_(
                select(Enrollment.id).where(Enrollment.family_id == family)
            ),
        )
        enrollments = await ids(Enrollment.id, Enrollment.family_id == family)
        meetings = await ids(Meeting.id, Meeting.family_id == family)
        participants = await ids(MeetingParticipant.id, MeetingParticipant.meeting_id.in_(meetings))
        decisions = await ids(MeetingDecision.id, MeetingDecision.meeting_id.in_(meetings))
        concerns = await ids(SafetyConcern.id, SafetyConcern.family_id == family)
        follow_ups = await ids(
            QuestionnaireFollowUp.id, QuestionnaireFollowUp.enrollment_id.in_(enrollments)
        )
    assert weeks and enrollments and participants and decisions and concerns and follow_ups
    return [
        *(f"{p}{w}" for w in weeks for p in ("hw:a:", "hw:later:", "hw:o:")),
        *(f"{p}{e}" for e in enrollments for p in ("qn:e:", "qn:x:")),
        *(f"{p}{i}" for i in participants for p in ("mt:v:", "srs:")),
        *(f"md:d:{d}" for d in decisions),
        *(f"md:f:{m}" for m in meetings),
        *(f"fu:{f}" for f in follow_ups),
        *(f"{p}{c}" for c in concerns for p in ("cn:ack:", "cn:crisis:")),
        f"rm:later:{family}",
        "cs:y:admin",
    ]


async def coordinator_screens(world: World) -> None:
    """The coordinator walks the main screens of the victim family: their buttons are loot."""
    admin = world.coordinator
    for command, label in (
        ("families", VICTIM_FAMILY),
        ("meetings", VICTIM_FAMILY),
        ("programmes", VICTIM_FAMILY),
        ("invitations", None),
        ("stats", None),
    ):
        await admin.send_command(command)
        if label is not None:
            shown = admin.last().button_texts()
            await admin.press(next((t for t in shown if label in t), f"missing {label}: {shown}"))


def loot(users: list[FakeUser]) -> list[str]:
    seen: dict[str, None] = {}
    for user in users:
        for message in user.messages():
            for button in message.buttons():
                if "callback_data" in button:
                    seen[button["callback_data"]] = None
    return list(seen)


def tampered(data: str) -> list[str]:
    """The same button with its numbers changed: a neighbour, far away, negative, not a number."""
    variants = []
    for replacement in ("1", "-1", "2147483648", "x"):
        variants.append(re.sub(r"\d+$", replacement, data))
    return [v for v in dict.fromkeys(variants) if v != data and 1 <= len(v.encode()) <= 64]


async def snapshot(app: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    async with app.sessionmaker() as session:
        rows = {}
        for model in SNAPSHOT:
            columns = [c for c in model.__table__.columns if c.name not in {"updated_at"}]
            result = await session.execute(select(*columns).order_by(*model.__table__.primary_key))
            rows[model.__tablename__] = [tuple(r) for r in result]
        return rows


async def denied(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        query = select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied")
        return int(await session.scalar(query) or 0)


def leaked(app: BotHarness, user: FakeUser, queries: list[str]) -> list[str]:
    """Secrets in anything the bot ever sent or edited in the user's chat, or answered them."""
    shown = [
        json.dumps(call.params, ensure_ascii=False, default=str)
        for call in app.fake.calls
        if str(call.chat_id) == str(user.id)
    ]
    shown += [str((app.fake.callback_answer(q) or {}).get("text")) for q in queries]
    return [secret for secret in SECRETS if any(secret in text for text in shown)]


async def press_all(user: FakeUser, data: list[str]) -> list[str]:
    queries = []
    for item in data:
        if not user.messages():
            await user.send_command("start")
        queries.append(await user.press_forged(item, user.last().message_id))
    return queries


async def test_forged_buttons_are_refused_and_leak_nothing(app: BotHarness) -> None:
    world = await build_world(app)
    victims = await victim_side(app, world)
    await coordinator_screens(world)
    stolen = loot([*victims, world.coordinator])
    plain = [d for d in stolen if "\x1d" not in d]  # not aiogram-dialog's: our own handlers
    assert {d.split(":")[0] for d in plain} >= {"hw", "cn"}, plain
    stolen = list(dict.fromkeys([*stolen, *await handler_buttons_for_victim_rows(app, world)]))
    forgers = [
        world.mentor,
        world.parent,
        world.participant,
        world.stranger,
        world.unconsented,
    ]
    before = await snapshot(app)
    denied_before = await denied(app)
    for forger in forgers:
        queries = await press_all(forger, stolen)
        if forger in (world.parent, world.stranger):  # tampered variants from two chats suffice
            variants = [v for d in stolen for v in tampered(d)]
            queries += await press_all(forger, [*variants, *JUNK])
        await app.settle()
        assert not leaked(app, forger, queries), (forger, leaked(app, forger, queries))
        assert all(app.fake.callback_answer(q) is not None for q in queries), forger
    assert await snapshot(app) == before
    # Joined people pressing buttons of our own handlers for objects not theirs are audited.
    assert await denied(app) > denied_before
    async with app.sessionmaker() as session:  # outsiders left no personal rows
        ids = set(await session.scalars(select(Person.telegram_id)))
    assert world.stranger.id not in ids and world.unconsented.id not in ids
    assert not app.errors.records, [r.getMessage() for r in app.errors.records]
    app.fake.assert_no_violations()


async def test_victim_buttons_from_the_other_familys_mentor_and_parent(app: BotHarness) -> None:
    """The home family's people are refused the victim's; and the victim's the home family's."""
    world = await build_world(app)
    victims = await victim_side(app, world)
    stolen = loot(victims)
    before = await snapshot(app)
    for forger in (world.mentor, world.parent):
        queries = await press_all(forger, stolen)
        assert not leaked(app, forger, queries)
    # Reverse: the victim family's mentor presses the home family's parent's buttons.
    await enrol_now(app, world.home_family)
    app.clock.advance(120)
    await release(app)
    await send_now(app)
    home_buttons = loot([world.parent])
    assert home_buttons
    before = await snapshot(app)
    for forger in (world.victim_mentor, world.victim_parent):
        await press_all(forger, home_buttons)
    assert await snapshot(app) == before
    app.fake.assert_no_violations()


async def test_the_leak_scan_sees_what_the_coordinator_was_shown(app: BotHarness) -> None:
    """The scan above is only worth something if it finds the secrets where they are shown."""
    world = await build_world(app)
    await victim_side(app, world)
    await coordinator_screens(world)
    assert VICTIM_FAMILY in leaked(app, world.coordinator, [])
    assert "Тайная тревога" in leaked(app, world.victim_mentor, [])
