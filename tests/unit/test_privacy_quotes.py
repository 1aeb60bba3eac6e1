"""Withdrawal rewrites texts elsewhere that quote the person: a meeting's topic, note,
facilitators and decisions naming them (in any case ending), the contact of meetings they
planned, and messages that carry their name or their files, queued or kept. The messages still
go (an alert without the mentor's name); a claimed one goes with the new words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    CaseRecord,
    Consent,
    Enrollment,
    Family,
    FamilyLink,
    HomeworkAnswer,
    HomeworkWeek,
    Meeting,
    MeetingDecision,
    MeetingParticipant,
    OutboxMessage,
    Person,
    PlanTask,
    Role,
    SafetyConcern,
    SocialMap,
    SocialMapPerson,
    Visit,
)
from bot.services import case_plans, concerns, digest, homework_review, meeting_decisions, privacy
from bot.services.access import Actor
from bot.services.outbox import Recipient, enqueue
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_scrub_finds_a_name_in_its_case_endings_and_nothing_else() -> None:
    words = privacy.name_words(["Мария Иванова", "Ян"])
    assert privacy.scrub("Мария", words) == "—"
    assert privacy.scrub("Марии и школе", words) == "— и школе"
    assert privacy.scrub("Позвонить Марией, Ивановой", words) == "Позвонить —"
    assert privacy.scrub("мама (мария)", words) == "мама (—)"
    assert privacy.scrub("Ян и Яна", words) == "— и Яна"  # short names: the exact word only
    assert privacy.scrub("Марина и Мариупольская школа", words) == "Марина и Мариупольская школа"
    assert privacy.scrub("", words) == ""
    assert privacy.scrub("Мария", set()) == "Мария"
    john = privacy.name_words(["John Smith"])
    assert privacy.scrub("Ask John's mother, not Johnny", john) == "Ask —'s mother, not Johnny"


async def _person(session: AsyncSession, tg: int, name: str, *roles: Role) -> Actor:
    actor = await make_person(session, tg, *roles, now=NOW)
    await session.execute(
        update(Person).where(Person.id == actor.person_id).values(display_name=name)
    )
    session.add(Consent(person_id=actor.person_id, text_version="v", locale="ru", accepted_at=NOW))
    return actor


async def _queued(
    session: AsyncSession,
    to: Actor,
    purpose: str,
    object_type: str,
    object_id: int,
    params: dict[str, object],
    occurrence: str = "",
) -> int:
    await enqueue(
        session,
        recipient=Recipient(to.person_id, to.telegram_id),
        purpose=purpose,
        kind=purpose,
        params=params,
        now=NOW,
        object_type=object_type,
        object_id=object_id,
        occurrence=occurrence,
    )
    row_id = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.purpose == purpose,
            OutboxMessage.object_id == object_id,
            OutboxMessage.person_id == to.person_id,
        )
        .order_by(OutboxMessage.id.desc())
    )
    assert row_id is not None
    return int(row_id)


async def _row(session: AsyncSession, row_id: int) -> OutboxMessage:
    row = await session.get(OutboxMessage, row_id, populate_existing=True)
    assert row is not None
    return row


async def _world(session: AsyncSession) -> dict[str, int]:
    boss = await _person(session, 1, "Елена Коорд", Role.COORDINATOR)
    mentor = await _person(session, 11, "Ольга Смирнова", Role.MENTOR)
    maria = await _person(session, 21, "Мария Иванова", Role.PARENT, Role.PARTICIPANT)
    family = Family(
        name="Ивановы",
        search_name="ивановы",
        category="tzhs",
        support_level="basic",
        timezone="Europe/Moscow",
        created_at=NOW,
    )
    other_family = Family(
        name="Петровы",
        search_name="петровы",
        category="tzhs",
        support_level="basic",
        timezone="Europe/Moscow",
        created_at=NOW,
    )
    session.add_all([family, other_family])
    await session.flush()
    for who, kind in ((maria, "parent"), (mentor, "mentor")):
        session.add(
            FamilyLink(family_id=family.id, person_id=who.person_id, kind=kind, created_at=NOW)
        )
    meetings = {}
    for key, fam, planner in (("own", family, boss), ("other", other_family, mentor)):
        meeting = Meeting(
            family_id=fam.id,
            child_name="Саша",
            topic="Хочу, чтобы мама Мария приходила",
            format="dialogue",
            starts_at=NOW + timedelta(days=3),
            timezone="Europe/Moscow",
            place="Центр",
            duration_minutes=90,
            facilitators="Ольга Смирнова, Пётр",
            contact="+7 900 000-00-00",
            note="Марию пригласили",
            created_at=NOW,
            created_by_id=planner.person_id,
            draft_key=f"m-{key}",
        )
        session.add(meeting)
        await session.flush()
        meetings[key] = meeting.id
    session.add(
        MeetingParticipant(
            meeting_id=meetings["own"],
            name="Мария Ивановна",
            relation="mother",
            approved_by_child=True,
            person_id=maria.person_id,
            created_at=NOW,
        )
    )
    decisions = {}
    for key, meeting_key, what, who in (
        ("hers", "own", "Позвонить в школу", "Мария"),
        ("mentions", "own", "Встретиться с Марией", "Ольга"),
        ("none", "own", "Найти кружок", "Пётр"),
        ("elsewhere", "other", "Поговорить с Марией", "Мария"),  # not her family's meeting
    ):
        decision = MeetingDecision(
            meeting_id=meetings[meeting_key],
            what=what,
            who=who,
            due_date=date(2026, 12, 1),
            created_at=NOW,
            created_by_id=boss.person_id,
        )
        session.add(decision)
        await session.flush()
        decisions[key] = decision.id
    visit = Visit(
        family_id=family.id,
        mentor_id=mentor.person_id,
        visit_date=date(2026, 11, 22),
        recorded_at=NOW,
        format="home",
        duration_minutes=60,
        methods=[],
        help_given=[],
        situation=2,
        concern=True,
        concern_text="синяки",
        draft_key="v1",
    )
    session.add(visit)
    await session.flush()
    concern = SafetyConcern(visit_id=visit.id, family_id=family.id, raised_at=NOW, alerts_sent=1)
    enrollment = Enrollment(
        family_id=family.id,
        programme_code="p",
        start_date=date(2026, 11, 2),
        release_weekday=0,
        release_time=time(18),
        created_at=NOW,
    )
    session.add_all([concern, enrollment])
    await session.flush()
    week = HomeworkWeek(
        enrollment_id=enrollment.id,
        week_number=1,
        released_at=NOW,
        due_at=NOW + timedelta(days=3),
        late_until=NOW + timedelta(days=8),
    )
    session.add(week)
    await session.flush()
    session.add(
        HomeworkAnswer(
            homework_week_id=week.id,
            person_id=maria.person_id,
            kind="photo",
            file_id="maria-photo",
            created_at=NOW,
        )
    )
    await session.flush()
    return {
        "boss": boss.person_id,
        "mentor": mentor.person_id,
        "maria": maria.person_id,
        "own": meetings["own"],
        "other": meetings["other"],
        "concern": concern.id,
        "week": week.id,
        **{f"d_{k}": v for k, v in decisions.items()},
    }


async def _actor(session: AsyncSession, person_id: int) -> Actor:
    person = await session.get(Person, person_id)
    assert person is not None
    return Actor.of(person)


async def test_a_parents_withdrawal_rewrites_decisions_meetings_and_messages(
    session: AsyncSession,
) -> None:
    w = await _world(session)
    boss, mentor = await _actor(session, w["boss"]), await _actor(session, w["mentor"])
    due = {}
    for key in ("hers", "mentions", "none"):
        decision = await session.get(MeetingDecision, w[f"d_{key}"])
        assert decision is not None
        due[key] = await _queued(
            session,
            boss,
            meeting_decisions.DUE_PURPOSE,
            meeting_decisions.OBJECT_DECISION,
            decision.id,
            {"decision_id": decision.id, "what": decision.what, "who": decision.who},
            occurrence="2026-12-01",
        )
    # A sender has claimed one of them: it must go with the new words, not the old ones.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == due["hers"])
        .values(status="claimed", claimed_by="worker-1", lease_until=NOW + timedelta(minutes=1))
    )
    copy = await _queued(
        session,
        mentor,
        homework_review.COPY_PURPOSE,
        homework_review.OBJECT_WEEK,
        w["week"],
        {"media": "photo", "file_id": "maria-photo", "family": "Ивановы"},
        occurrence="abc:1",
    )
    await session.flush()

    await privacy.withdraw(session, await _actor(session, w["maria"]), NOW)
    await session.flush()
    session.expunge_all()

    texts = {
        key: (d.what, d.who)
        for key in ("hers", "mentions", "none", "elsewhere")
        if (d := await session.get(MeetingDecision, w[f"d_{key}"])) is not None
    }
    assert texts == {
        "hers": ("Позвонить в школу", "—"),
        "mentions": ("Встретиться с —", "Ольга"),
        "none": ("Найти кружок", "Пётр"),
        "elsewhere": ("Поговорить с Марией", "Мария"),  # another family's: not hers to touch
    }
    own = await session.get(Meeting, w["own"])
    assert own is not None
    assert (own.topic, own.note, own.facilitators, own.contact) == (
        "Хочу, чтобы мама — приходила",
        "— пригласили",
        "Ольга Смирнова, Пётр",
        "+7 900 000-00-00",  # the coordinator's, who stays
    )
    other = await session.get(Meeting, w["other"])
    assert other is not None and other.topic == "Хочу, чтобы мама Мария приходила"

    hers = await _row(session, due["hers"])
    assert (hers.status, hers.claimed_by, hers.params["who"]) == ("pending", None, "—")
    mentions = await _row(session, due["mentions"])
    assert (mentions.status, mentions.params["what"], mentions.params["who"]) == (
        "pending",
        "Встретиться с —",
        "Ольга",
    )
    none = await _row(session, due["none"])
    assert none.params["what"] == "Найти кружок"
    copied = await _row(session, copy)
    assert (copied.status, copied.params) == ("cancelled", {})


async def test_a_mentors_withdrawal_leaves_alerts_going_without_their_name(
    session: AsyncSession,
) -> None:
    w = await _world(session)
    boss = await _actor(session, w["boss"])
    alert = {"concern_id": w["concern"], "family": "Ивановы", "mentor": "Ольга Смирнова"}
    pending = await _queued(
        session, boss, concerns.PURPOSE, concerns.OBJECT_TYPE, w["concern"], alert, "2"
    )
    sent = await _queued(
        session, boss, concerns.PURPOSE, concerns.OBJECT_TYPE, w["concern"], alert, "1"
    )
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == sent).values(status="sent")
    )
    weekly = await _queued(
        session,
        boss,
        digest.PURPOSE,
        "digest",
        1,
        {"mentors": [["Ольга Смирнова", "2026-11-01"], ["Ольга Петрова", None]]},
    )
    shortened = await _queued(
        session, boss, digest.PURPOSE, "digest", 2, {"mentors": [["Ольга См…", None]]}
    )
    await session.flush()

    await privacy.withdraw(session, await _actor(session, w["mentor"]), NOW)
    await session.flush()
    session.expunge_all()

    queued = await _row(session, pending)
    assert (queued.status, queued.params["mentor"], queued.params["family"]) == (
        "pending",
        "—",
        "Ивановы",
    )
    assert (await _row(session, sent)).params["mentor"] == "—"
    assert (await _row(session, weekly)).params["mentors"] == [
        ["—", "2026-11-01"],
        ["Ольга Петрова", None],
    ]
    assert (await _row(session, shortened)).params["mentors"] == [["—", None]]

    own = await session.get(Meeting, w["own"])
    other = await session.get(Meeting, w["other"])
    assert own is not None and other is not None
    assert own.facilitators == "—, Пётр"  # "Ольга Смирнова" → one dash
    assert other.contact == "—"  # she planned it: "your contact" was hers
    assert own.contact == "+7 900 000-00-00"
    mentions = await session.get(MeetingDecision, w["d_mentions"])
    assert mentions is not None and mentions.who == "—"


async def _plans_and_maps(session: AsyncSession, w: dict[str, int]) -> dict[str, int]:
    """Her family's plan (a task she is responsible for, one quoting her, one of the other
    family), the closing summary and a social map naming her."""
    family = await session.scalar(
        select(FamilyLink.family_id).where(FamilyLink.person_id == w["maria"])
    )
    other = await session.scalar(select(Meeting.family_id).where(Meeting.id == w["other"]))
    assert family is not None and other is not None
    tasks = {}
    for key, fam, title, responsible_id, responsible_text, note in (
        ("hers", family, "Записать Сашу в кружок", w["maria"], None, None),
        (
            "quotes",
            family,
            "Встреча с Марией Ивановой",
            None,
            "Мария и школа",
            "Мария заболела",
        ),
        ("elsewhere", other, "Позвонить Марии", None, "Мария", None),
    ):
        task = PlanTask(
            family_id=fam,
            title=title,
            criteria="Мария знает расписание",
            family_part="Мария водит",
            specialists_part="школа",
            responsible_id=responsible_id,
            responsible_text=responsible_text,
            due_date=date(2026, 12, 1),
            status="not_done" if note else "planned",
            status_note=note,
            created_at=NOW,
            created_by_id=w["boss"],
        )
        session.add(task)
        await session.flush()
        tasks[key] = task.id
    record = CaseRecord(
        family_id=family, stage="closed", stage_at=NOW, final_summary="Мария справилась"
    )
    snapshot = SocialMap(
        family_id=family,
        child_name="Саша",
        child_key="саша",
        taken_on=date(2026, 11, 20),
        created_at=NOW,
        created_by_id=w["boss"],
    )
    session.add_all([record, snapshot])
    await session.flush()
    people = {}
    for key, name, relation in (("mum", "мама Мария", "mother"), ("gran", "баба Нина", "other")):
        person = SocialMapPerson(
            map_id=snapshot.id,
            key=key,
            name=name,
            relation=relation,
            circle=1,
            nature="supportive",
            created_at=NOW,
        )
        session.add(person)
        await session.flush()
        people[key] = person.id
    return {
        "family": family,
        "record": record.id,
        "map": snapshot.id,
        **{f"t_{k}": v for k, v in tasks.items()},
        **{f"p_{k}": v for k, v in people.items()},
    }


async def test_withdrawal_rewrites_the_plan_and_the_map_of_her_family(
    session: AsyncSession,
) -> None:
    w = await _world(session)
    p = await _plans_and_maps(session, w)
    mentor = await _actor(session, w["mentor"])
    reminder = await _queued(
        session,
        mentor,
        case_plans.SOON_PURPOSE,
        case_plans.OBJECT_TASK,
        p["t_quotes"],
        {"task_id": p["t_quotes"], "title": "Встреча с Марией Ивановой", "due": "01.12.2026"},
        occurrence="2026-12-01",
    )
    await session.flush()
    data = await privacy.export(session, await _actor(session, w["maria"]), NOW)
    assert data["plan_tasks_responsible_for"] == [
        {
            "task_id": p["t_hers"],
            "family_id": p["family"],
            "task": "Записать Сашу в кружок",
            "deadline": "2026-12-01",
            "status": "planned",
        }
    ]

    await privacy.withdraw(session, await _actor(session, w["maria"]), NOW)
    await session.flush()
    session.expunge_all()

    hers = await session.get(PlanTask, p["t_hers"])
    assert hers is not None
    assert (hers.responsible_id, hers.responsible_text, hers.title) == (
        None,
        None,
        "Записать Сашу в кружок",
    )
    assert (hers.criteria, hers.family_part, hers.specialists_part) == (
        "— знает расписание",
        "— водит",
        "школа",
    )
    quotes = await session.get(PlanTask, p["t_quotes"])
    assert quotes is not None
    assert (quotes.title, quotes.responsible_text, quotes.status_note, quotes.status) == (
        "Встреча с —",
        "— и школа",
        "— заболела",
        "not_done",
    )
    elsewhere = await session.get(PlanTask, p["t_elsewhere"])
    assert elsewhere is not None  # another family's plan: not hers to touch
    assert (elsewhere.title, elsewhere.responsible_text) == ("Позвонить Марии", "Мария")
    record = await session.get(CaseRecord, p["record"])
    assert record is not None and record.final_summary == "— справилась"
    mum = await session.get(SocialMapPerson, p["p_mum"])
    gran = await session.get(SocialMapPerson, p["p_gran"])
    assert mum is not None and gran is not None
    assert (mum.name, mum.relation, mum.key, gran.name) == ("мама —", "mother", "mum", "баба Нина")
    snapshot = await session.get(SocialMap, p["map"])
    assert snapshot is not None and snapshot.child_name == "Саша"
    queued = await _row(session, reminder)
    assert (queued.status, queued.params["title"], queued.params["due"]) == (
        "pending",
        "Встреча с —",
        "01.12.2026",
    )


async def test_a_coordinators_withdrawal_reaches_the_plans_they_added(
    session: AsyncSession,
) -> None:
    w = await _world(session)
    p = await _plans_and_maps(session, w)
    await session.execute(
        update(PlanTask)
        .where(PlanTask.id == p["t_elsewhere"])
        .values(title="Елена Коорд позвонит", responsible_id=w["boss"], responsible_text=None)
    )
    await session.flush()

    await privacy.withdraw(session, await _actor(session, w["boss"]), NOW)
    await session.flush()
    session.expunge_all()

    task = await session.get(PlanTask, p["t_elsewhere"])
    assert task is not None
    assert (task.title, task.responsible_id) == ("— позвонит", None)
