"""Steps the end-to-end tests share: arranging a world (families, mentors, meetings, visits,
homework answers) and driving the bot through it with the harness and the fake Telegram.

A step used by one test module stays in that module; a step two modules need lives here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from bot.db.models import (
    AnswerKind,
    AuditEntry,
    FamilyLink,
    MeetingFormat,
    MentorProfile,
    MentorStatus,
    Person,
    Relation,
    Role,
    Rsvp,
    SafetyConcern,
    Visit,
)
from bot.db.repositories import people as people_repo
from bot.services import homework, meetings, srs
from bot.services.meetings import MeetingDraft
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.faketg.media import TINY_PNG
from tests.harness import BotHarness, agree_button
from tests.homework_support import digest, send_now

# Meetings

COUNCIL_START = datetime(2026, 11, 24, 17, 0)  # Moscow wall time, the day after the harness starts


async def plan_council(
    app: BotHarness, family_id: int, key: str, starts_local: datetime = COUNCIL_START
) -> int:
    """A family council planned by the coordinator through the service; returns its id."""
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            boss,
            family_id,
            meetings.MeetingDraft(
                child_name="Маша",
                topic="Я хочу жить с мамой",
                format=MeetingFormat.FAMILY_COUNCIL,
                starts_local=starts_local,
                place="Центр «Семья»",
                duration_minutes=90,
                facilitators="Ольга",
                contact="+7 900",
                note="Коротко о ситуации.",
            ),
            draft_key=key,
            now=app.clock.now(),
        )
        return meeting.id


async def planned(
    app: BotHarness, coordinator_language: str
) -> tuple[FakeUser, list[FakeUser], list[int], int]:
    """A planned meeting: three invitees who use the bot (ru: Приду, en: Приду, ru: Не смогу)
    and a grandmother who does not; returns the coordinator, the users, participant ids (the
    grandmother last) and the meeting id."""
    admin = await app.admin(ADMIN_ID, language_code=coordinator_language)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    users = []
    for index, lang in enumerate(("ru", "en", "ru")):
        token = await app.invitation(ADMIN_ID, Role.MENTOR)  # anyone who uses the bot
        users.append(await app.joined(4001 + index, token, language_code=lang))
    await app.deliver()
    meeting_id = await plan_council(app, family_id, "after-test")
    boss = await app.actor(ADMIN_ID)
    rows = []
    async with app.sessionmaker.begin() as session:
        for user, rsvp in zip(users, (Rsvp.YES, Rsvp.YES, Rsvp.NO), strict=True):
            person = await app.actor(user.id)
            row = await meetings.add_participant(
                session,
                boss,
                meeting_id,
                name=f"Гость {user.id}",
                relation=Relation.FRIEND,
                approved_by_child=True,
                phone=None,
                person_id=person.person_id,
                now=app.clock.now(),
            )
            await meetings.invite(session, boss, row.id, app.clock.now(), ttl=timedelta(days=7))
            await meetings.answer(session, person, row.id, rsvp, app.clock.now())
            rows.append(row.id)
        grandmother = await meetings.add_participant(
            session,
            boss,
            meeting_id,
            name="Бабушка",
            relation=Relation.RELATIVE,
            approved_by_child=True,
            phone=None,
            now=app.clock.now(),
        )
        rows.append(grandmother.id)
    await app.deliver()
    return admin, users, rows, meeting_id


async def open_board(admin: FakeUser, when: str = "24.11.2026") -> None:
    """The meeting of that day, from the upcoming list or, once it has started, the past one."""
    await admin.send_command("meetings")
    if not any(when in t for t in admin.last().button_texts()):
        await admin.press(next(t for t in admin.last().button_texts() if t.startswith("🗂")))
    await admin.press(next(t for t in admin.last().button_texts() if when in t))


MEETING_START = datetime(2026, 11, 30, 15, 0)  # Moscow wall time
_keys = itertools.count(1)


def draft(**changes: object) -> MeetingDraft:
    values: dict[str, object] = {
        "child_name": "Маша",
        "topic": "Я хочу жить с мамой",
        "format": MeetingFormat.DIALOGUE,
        "starts_local": MEETING_START,
        "place": "Центр «Семья», ул. Ленина, 5",
        "duration_minutes": 90,
        "facilitators": "Елена Викторовна, Сергей",
        "contact": "+7 900 000-00-00, Ольга",
        "note": "Маша живёт у бабушки; мама хочет забрать её домой.",
    }
    values.update(changes)
    return MeetingDraft(**values)  # type: ignore[arg-type]


async def make_meeting(
    app: BotHarness,
    family_id: int,
    people: list[tuple[str, Relation]],
    *,
    person_ids: dict[int, int] | None = None,
    **changes: object,
) -> tuple[int, list[int]]:
    """A planned meeting with approved participants; returns its id and the participant ids."""
    actor = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            actor,
            family_id,
            draft(**changes),
            draft_key=f"mtp-{next(_keys)}",
            now=app.clock.now(),
        )
        ids = []
        for index, (name, relation) in enumerate(people):
            participant = await meetings.add_participant(
                session,
                actor,
                meeting.id,
                name=name,
                relation=relation,
                approved_by_child=True,
                phone=None,
                now=app.clock.now(),
                person_id=(person_ids or {}).get(index),
            )
            ids.append(participant.id)
        return meeting.id, ids


async def invite(app: BotHarness, participant_id: int) -> str | None:
    actor = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        invited = await meetings.invite(
            session, actor, participant_id, app.clock.now(), ttl=timedelta(days=14)
        )
        return invited.token


async def join_by_link(app: BotHarness, user_id: int, token: str, language: str) -> FakeUser:
    user = app.user(user_id, language_code=language)
    await user.send_start(token)
    await user.press(agree_button(language))
    return user


async def create_meeting(
    admin: FakeUser,
    family: str,
    *,
    child: str = "Маша",
    topic: str = "Я хочу жить с мамой",
    place: str = "Школа №5, кабинет 12",
    facilitators: str = "Елена и Павел",
    contact: str = "+7 900 000-00-00, Елена",
    note: str = "Маша сейчас живёт у бабушки и хочет вернуться к маме.",
    reason: str = "Crisis and conflicts in the family",
) -> None:
    """The wizard in English, straight through (tomorrow 17:30, 90 min)."""
    await admin.send_command("meetings")
    await admin.press("➕ New meeting")
    await admin.press(family)
    await admin.send_text(child)
    await admin.send_text(topic)
    await admin.press(reason)
    await admin.press("meeting-dialogue")
    await admin.press("Tomorrow, 24.11")
    await admin.send_text("17:30")
    await admin.send_text(place)
    await admin.press("90 min")
    await admin.send_text(facilitators)
    await admin.send_text(contact)
    await admin.send_text(note)
    await admin.press("✅ Save")


async def add_participant(
    admin: FakeUser,
    name: str,
    relation: str,
    approved: bool,
    phone: str | None = None,
    *,
    en: bool = True,
) -> None:
    await admin.press("➕ Participant" if en else "➕ Участник")
    await admin.send_text(name)
    await admin.press(relation)
    if en:
        await admin.press("✅ Yes" if approved else "❌ Not yet")
    else:
        await admin.press("✅ Да" if approved else "❌ Пока нет")
    if phone:
        await admin.send_text(phone)
    else:
        await admin.press("➡️ Skip" if en else "➡️ Пропустить")


# Visits and concerns

MENTOR_ID = 2001


async def attach(app: BotHarness, telegram_id: int, family_id: int) -> None:
    """What the coordinator's assignment does (another flow): a mentor link to the family."""
    actor = await app.actor(telegram_id)
    async with app.sessionmaker.begin() as session:
        session.add(
            FamilyLink(
                family_id=family_id,
                person_id=actor.person_id,
                kind="mentor",
                created_at=app.clock.now(),
            )
        )


async def mentor_with(
    app: BotHarness, *families: str, telegram_id: int = MENTOR_ID, language_code: str = "ru"
) -> tuple[FakeUser, list[int]]:
    if not await _has_admin(app):
        await app.admin(ADMIN_ID)
    ids = [await app.add_family(ADMIN_ID, name) for name in families]
    mentor = await app.joined(
        telegram_id, await app.invitation(ADMIN_ID, Role.MENTOR), language_code=language_code
    )
    for family_id in ids:
        await attach(app, telegram_id, family_id)
    return mentor, ids


async def _has_admin(app: BotHarness) -> bool:
    from bot.db.repositories import people as people_repo

    async with app.sessionmaker() as session:
        return await people_repo.by_telegram_id(session, ADMIN_ID) is not None


async def visits_in_db(app: BotHarness) -> list[Visit]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(Visit).order_by(Visit.id)))


async def fill_to_summary_ru(mentor: FakeUser) -> None:
    """From the date step to the summary, the Russian labels."""
    await mentor.press("📅 Сегодня")
    await mentor.press("Визит домой")
    await mentor.press("60 мин")
    await mentor.press("▫️ Наблюдение")
    await mentor.press("▫️ Курирование")
    await mentor.press("➡️ Далее")
    await mentor.press("➡️ Далее")  # no help this time
    await mentor.press("4 — лучше")
    await mentor.press("Нет")
    await mentor.press("Пропустить")
    await mentor.press("Пока не запланирован")


async def person_id(app: BotHarness, telegram_id: int) -> int:
    async with app.sessionmaker() as session:
        person = await people_repo.by_telegram_id(session, telegram_id)
        assert person is not None
        return person.id


async def link(
    app: BotHarness, family_id: int, telegram_id: int, kind: str, at: datetime | None = None
) -> None:
    pid = await person_id(app, telegram_id)
    async with app.sessionmaker.begin() as session:
        session.add(
            FamilyLink(
                family_id=family_id, person_id=pid, kind=kind, created_at=at or app.clock.now()
            )
        )


_drafts = iter(range(1, 10**9))


async def add_visit(
    app: BotHarness,
    family_id: int,
    mentor_telegram_id: int,
    visit_date: date,
    *,
    concern: str | None = None,
    next_visit_date: date | None = None,
    deleted: bool = False,
) -> int:
    """A visit as the visit form stores it; a concern row as visits.py adds it (alert now)."""
    mentor = await person_id(app, mentor_telegram_id)
    now = app.clock.now()
    async with app.sessionmaker.begin() as session:
        visit = Visit(
            family_id=family_id,
            mentor_id=mentor,
            visit_date=visit_date,
            recorded_at=now,
            format="home",
            duration_minutes=60,
            methods=["observation"],
            help_given=[],
            situation=3,
            concern=concern is not None,
            concern_text=concern,
            next_visit_date=next_visit_date,
            draft_key=f"test-{next(_drafts)}",
            deleted_at=now if deleted else None,
        )
        session.add(visit)
        await session.flush()
        if concern is not None:
            session.add(
                SafetyConcern(
                    visit_id=visit.id,
                    family_id=family_id,
                    raised_at=now,
                    alerts_sent=0,
                    next_alert_at=now,
                )
            )
        return visit.id


async def set_zone(app: BotHarness, telegram_id: int, zone: str) -> None:
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Person).where(Person.telegram_id == telegram_id).values(timezone=zone)
        )


# Homework and programmes


@dataclass
class Media:
    photo: str
    voice: str


def parent_files(app: BotHarness) -> Media:
    """File ids of a photo and a voice message as if the parent had sent them to the bot."""
    photo = app.fake.add_user_file("photo", TINY_PNG)[-1].file_id
    voice = app.fake.add_user_file(
        "voice", b"OggS\x00fake-voice", mime_type="audio/ogg", duration=3
    )[0].file_id
    return Media(photo, voice)


async def hand_in_week(
    app: BotHarness,
    parent: FakeUser,
    week_id: int,
    texts: list[str],
    media: Media | None,
    caption: str | None = None,
) -> None:
    actor = await app.actor(parent.id)
    now = app.clock.now()
    async with app.sessionmaker.begin() as session:
        for text in texts:
            await homework.add_answer(
                session,
                actor,
                week_id,
                kind=AnswerKind.TEXT,
                text=text,
                file_id=None,
                message_id=None,
                now=now,
            )
        if media is not None:
            for kind, file_id in ((AnswerKind.PHOTO, media.photo), (AnswerKind.VOICE, media.voice)):
                await homework.add_answer(
                    session,
                    actor,
                    week_id,
                    kind=kind,
                    text=caption if kind is AnswerKind.PHOTO else None,
                    file_id=file_id,
                    message_id=None,
                    now=now,
                )
        await homework.hand_in(session, actor, week_id, now)
        await homework.rate(session, actor, week_id, 8, now)


async def after_the_hour(app: BotHarness) -> int:
    """Move past the next full hour and run the digest job; returns digests queued."""
    now = app.clock.now()
    app.clock.set(now.replace(minute=0, second=30, microsecond=0) + timedelta(hours=1))
    queued = await digest(app)
    await send_now(app)
    return queued


async def audits(app: BotHarness, action: str) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def open_progress(user: FakeUser, family: str) -> None:
    await user.send_command("programmes")
    await user.press(family)


def forged_in_window(user: FakeUser, widget_id: str) -> tuple[str, int]:
    """Callback data of a widget of the dialog shown in the user's last message."""
    message = user.last()
    intent = message.buttons()[0]["callback_data"].split("\x1d")[0]
    return f"{intent}\x1d{widget_id}", message.message_id


# The SRS survey after a held meeting

HELD_NOTE = "Маше сейчас непросто <важно>."


async def held(
    app: BotHarness, languages: tuple[str, ...]
) -> tuple[FakeUser, list[FakeUser], list[int]]:
    """A meeting with one invitee per language who uses the bot; all but the last came."""
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    boss = await app.actor(ADMIN_ID)
    users, rows = [], []
    for index, lang in enumerate(languages):
        token = await app.invitation(ADMIN_ID, Role.MENTOR)  # anyone who uses the bot
        users.append(await app.joined(4001 + index, token, language_code=lang))
    await app.deliver()
    async with app.sessionmaker.begin() as session:
        meeting = await meetings.create(
            session,
            boss,
            family_id,
            meetings.MeetingDraft(
                child_name="Маша",
                topic="Я хочу жить с мамой",
                format=MeetingFormat.FAMILY_COUNCIL,
                starts_local=datetime(2026, 11, 24, 17, 0),
                place="Центр «Семья»",
                duration_minutes=90,
                facilitators="Ольга",
                contact="+7 900",
                note=HELD_NOTE,
            ),
            draft_key="srs-test",
            now=app.clock.now(),
        )
        for user in users:
            person = await app.actor(user.id)
            row = await meetings.add_participant(
                session,
                boss,
                meeting.id,
                name=f"Гость {user.id}",
                relation=Relation.FRIEND,
                approved_by_child=True,
                phone=None,
                person_id=person.person_id,
                now=app.clock.now(),
            )
            rows.append(row.id)
        starts_at = meeting.starts_at
    app.clock.set(starts_at + timedelta(hours=2))
    async with app.sessionmaker.begin() as session:
        assert await srs.mark_held(session, boss, meeting.id, set(rows[:-1]), app.clock.now())
    await app.sender.drain(max_idle_wait=0)
    return admin, users, rows


async def set_status(app: BotHarness, telegram_id: int, status: MentorStatus) -> None:
    """What the registry does (another flow): the person's status now, moved at this moment."""
    pid = await person_id(app, telegram_id)
    now = app.clock.now()
    async with app.sessionmaker.begin() as session:
        await session.merge(
            MentorProfile(person_id=pid, status=status.value, status_at=now, created_at=now)
        )
