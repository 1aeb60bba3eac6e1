"""The privacy service against known rows: the export holds the person's own data and nobody
else's; withdrawal blanks every personal field, keeps the figures, revokes, cancels and tells the
staff; retention anonymises families closed long enough ago, once, in batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.content import Content
from bot.db.models import (
    AuditEntry,
    CaseRecord,
    Consent,
    Enrollment,
    Family,
    FamilyLink,
    HomeworkAnswer,
    HomeworkWeek,
    Invitation,
    Meeting,
    MeetingParticipant,
    OutboxMessage,
    Person,
    PersonRole,
    PlanTask,
    Role,
    SocialMap,
    SocialMapPerson,
    SrsResponse,
    Visit,
)
from bot.delivery.render import registry
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import privacy, stats
from bot.services.access import Actor
from bot.services.outbox import Recipient, enqueue
from bot.services.stats import Period, Scope
from tests.factories import make_person
from tests.stats_world import ITEMS, NOVEMBER, TODAY, World, add_plans, build

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass
class Parents:
    world: World
    anna: Actor
    boris: Actor
    other: Actor
    family_id: int
    week_id: int


async def _link(session: AsyncSession, family_id: int, person: Actor, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=person.person_id, kind=kind, created_at=NOW)
    )


async def _answer(session: AsyncSession, week_id: int, person: Actor, text: str) -> None:
    session.add(
        HomeworkAnswer(
            homework_week_id=week_id,
            person_id=person.person_id,
            kind="text",
            text=text,
            created_at=NOW,
        )
    )


async def _parents(session: AsyncSession) -> Parents:
    """Two parents of F1 (Anna handed in week 1, Boris answered too), a parent of F2; Anna
    is also a meeting participant with an SRS comment."""
    w = await build(session)
    await add_plans(session, w)
    anna = await make_person(session, 501, Role.PARENT, Role.PARTICIPANT, now=NOW)
    boris = await make_person(session, 502, Role.PARENT, now=NOW)
    other = await make_person(session, 503, Role.PARENT, now=NOW)
    for who in (anna, boris, other):
        session.add(
            Consent(person_id=who.person_id, text_version="v", locale="ru", accepted_at=NOW)
        )
    f1, f2 = w.families["F1"], w.families["F2"]
    await _link(session, f1, anna, "parent")
    await _link(session, f1, boris, "parent")
    await _link(session, f2, other, "parent")
    week = await session.scalar(
        select(HomeworkWeek)
        .join(Enrollment, Enrollment.id == HomeworkWeek.enrollment_id)
        .where(Enrollment.family_id == f1, HomeworkWeek.week_number == 1)
    )
    assert week is not None
    week.done_by_id = anna.person_id
    week.rating_comment = "Анна: было трудно"
    await _answer(session, week.id, anna, "ответ Анны")
    await _answer(session, week.id, boris, "ответ Бориса")
    participant = await session.scalar(
        select(MeetingParticipant)
        .join(SrsResponse, SrsResponse.participant_id == MeetingParticipant.id)
        .order_by(MeetingParticipant.id)
        .limit(1)
    )
    assert participant is not None
    participant.person_id = anna.person_id
    participant.name = "Анна Петрова"
    participant.phone = "+7 900 111-22-33"
    participant.rsvp_comment = "опоздаю"
    srs = await session.scalar(
        select(SrsResponse).where(SrsResponse.participant_id == participant.id)
    )
    assert srs is not None
    srs.comment = "спасибо Анне"
    await session.flush()
    return Parents(w, anna, boris, other, f1, week.id)


async def test_export_holds_own_data_and_nobody_elses(session: AsyncSession) -> None:
    p = await _parents(session)
    data = await privacy.export(session, p.anna, NOW)
    dumped = privacy.export_bytes(data).decode()
    assert data["person"]["telegram_id"] == 501
    assert data["families"] == [{"family_id": p.family_id, "name": "F1", "as": "parent"}]
    assert [a["text"] for a in data["homework_answers"]] == ["ответ Анны"]
    assert data["homework_weeks_handed_in"][0]["rating_comment"] == "Анна: было трудно"
    [meeting] = data["meetings"]
    assert meeting["phone"] == "+7 900 111-22-33" and meeting["srs"]["comment"] == "спасибо Анне"
    for foreign in ("ответ Бориса", "P502", "P503", "F2", "P1"):
        assert foreign not in dumped
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "mydata.download"))
    assert audit is not None and audit.details is None and audit.object_id == p.anna.person_id


async def _figures(session: AsyncSession, boss: Actor) -> tuple[object, ...]:
    return (
        await stats.families(session, boss, NOVEMBER, Scope()),
        await stats.meetings(session, boss, NOVEMBER, Scope(), ITEMS),
        await stats.programmes(session, boss, NOVEMBER, Scope()),
        await stats.plans(session, boss, NOVEMBER, Scope(), today=TODAY),
    )


async def test_withdrawal_blanks_everything_and_keeps_the_figures(session: AsyncSession) -> None:
    p = await _parents(session)
    boss = p.world.boss
    before = await _figures(session, boss)
    session.add(
        Invitation(
            token_hash="h" * 64,
            role="parent",
            created_by_id=p.anna.person_id,
            created_at=NOW,
            expires_at=NOW + timedelta(days=3),
        )
    )
    await enqueue(
        session,
        recipient=Recipient(p.anna.person_id, 501),
        purpose="homework_reminder",
        kind="homework_reminder",
        params={"family": "F1"},
        now=NOW,
    )
    result = await privacy.withdraw(session, p.anna, NOW)
    await session.flush()
    session.expunge_all()

    assert result.family_ids == [p.family_id] and result.notified == 1
    anna = await session.get(Person, p.anna.person_id)
    assert anna is not None
    assert (anna.display_name, anna.telegram_id) == ("—", -p.anna.person_id)
    assert anna.anonymised_at == NOW
    assert not list(
        await session.scalars(select(PersonRole).where(PersonRole.person_id == anna.id))
    )
    assert not list(
        await session.scalars(select(FamilyLink).where(FamilyLink.person_id == anna.id))
    )
    consent = await session.scalar(select(Consent).where(Consent.person_id == anna.id))
    assert consent is not None and consent.withdrawn_at == NOW
    invitation = await session.scalar(select(Invitation).where(Invitation.created_by_id == anna.id))
    assert invitation is not None and invitation.revoked_at == NOW

    answers = {a.person_id: a for a in await session.scalars(select(HomeworkAnswer))}
    assert (answers[anna.id].text, answers[anna.id].kind) == (None, "text")
    assert answers[p.boris.person_id].text == "ответ Бориса"  # the other parent's stays
    week = await session.get(HomeworkWeek, p.week_id)
    assert week is not None and week.rating_comment is None and week.rating == 8
    participant = await session.scalar(
        select(MeetingParticipant).where(MeetingParticipant.name == "friend")
    )
    assert participant is not None
    assert (participant.person_id, participant.phone, participant.rsvp_comment) == (
        None,
        None,
        None,
    )
    srs = await session.scalar(
        select(SrsResponse).where(SrsResponse.participant_id == participant.id)
    )
    assert srs is not None and srs.comment is None and srs.total > 0

    rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    own = [r for r in rows if r.person_id == anna.id]
    assert [(r.status, r.params) for r in own] == [("cancelled", {})]
    [notice] = [r for r in rows if r.purpose == privacy.WITHDRAWN_PURPOSE]
    assert notice.person_id == boss.person_id  # F1 has no curator: the coordinator
    family = await session.get(Family, p.family_id)
    assert family is not None
    assert notice.params == {
        "person_id": anna.id,
        "roles": ["parent", "participant"],
        "family_ids": [p.family_id],
        "family_names": [[p.family_id, family.name]],  # the staff see the family's name
    }
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "consent.withdraw"))
    assert audit is not None and audit.actor_telegram_id == -anna.id

    assert await _figures(session, boss) == before


async def test_withdrawal_goes_to_the_curator_and_is_refused_twice(session: AsyncSession) -> None:
    p = await _parents(session)
    curator = await make_person(session, 600, Role.MENTOR, now=NOW)
    await _link(session, p.family_id, curator, "curator")
    await session.flush()
    result = await privacy.withdraw(session, p.anna, NOW)
    assert result.notified == 1
    notice = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.purpose == privacy.WITHDRAWN_PURPOSE)
    )
    assert notice is not None and notice.person_id == curator.person_id
    try:
        await privacy.withdraw(session, p.anna, NOW)
    except Exception as exc:
        assert type(exc).__name__ == "AccessDenied"
    else:
        raise AssertionError("a second withdrawal went through")


# --- retention -----------------------------------------------------------------------------------


async def _closed_family(session: AsyncSession, name: str, closed: datetime | None) -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="basic",
        timezone="Europe/Moscow",
        created_at=datetime(2015, 1, 1, tzinfo=UTC),
        closed_at=closed,
        closed_reason="improvement" if closed else None,
        closed_note="переехали к бабушке" if closed else None,
    )
    session.add(family)
    await session.flush()
    session.add(
        Visit(
            family_id=family.id,
            visit_date=date(2019, 5, 1),
            recorded_at=datetime(2019, 5, 1, tzinfo=UTC),
            format="home",
            duration_minutes=60,
            methods=[],
            help_given=[],
            situation=3,
            concern=True,
            concern_text="тревога",
            notes_text="заметки",
            notes_voice_file_id="voice",
            draft_key=f"v-{name}",
        )
    )
    meeting = Meeting(
        family_id=family.id,
        child_name="Маша",
        topic="Я хочу жить с мамой",
        format="dialogue",
        starts_at=datetime(2019, 6, 1, tzinfo=UTC),
        timezone="Europe/Moscow",
        place="Центр",
        duration_minutes=90,
        facilitators="Ольга",
        contact="+7",
        note="заметка",
        created_at=datetime(2019, 5, 1, tzinfo=UTC),
        draft_key=f"m-{name}",
    )
    session.add(meeting)
    await session.flush()
    session.add(
        MeetingParticipant(
            meeting_id=meeting.id,
            name="Ирина Петровна",
            relation="teacher",
            phone="+7 900",
            rsvp="yes",
            rsvp_comment="приду",
            created_at=datetime(2019, 5, 1, tzinfo=UTC),
        )
    )
    await session.flush()
    return family.id


async def test_retention_anonymises_old_closed_families_once(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    old = await _closed_family(session, "Старые", NOW - timedelta(days=6 * 365))
    recent = await _closed_family(session, "Недавние", NOW - timedelta(days=4 * 365))
    open_ = await _closed_family(session, "Открытые", None)
    only_there = await make_person(session, 700, Role.PARENT, now=NOW)
    also_open = await make_person(session, 701, Role.PARENT, now=NOW)
    await _link(session, old, only_there, "parent")
    await _link(session, old, also_open, "parent")
    await _link(session, open_, also_open, "parent")
    await session.flush()

    examined, run = await privacy.anonymise_closed_batch(session, NOW, 5)
    await session.flush()
    session.expunge_all()
    assert (examined, run.families, run.people, run.family_ids) == (1, 1, 1, [old])

    family = await session.get(Family, old)
    assert family is not None
    assert (family.name, family.closed_note, family.anonymised_at) == (f"Family #{old}", None, NOW)
    visit = await session.scalar(select(Visit).where(Visit.family_id == old))
    assert visit is not None
    assert (visit.notes_text, visit.concern_text, visit.notes_voice_file_id) == (None, None, None)
    assert visit.concern is True  # the figure stays
    meeting = await session.scalar(select(Meeting).where(Meeting.family_id == old))
    assert meeting is not None and (meeting.child_name, meeting.topic, meeting.place) == (
        "—",
        "",
        "",
    )
    participant = await session.scalar(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
    )
    assert participant is not None
    assert (participant.name, participant.phone, participant.rsvp_comment, participant.rsvp) == (
        "teacher",
        None,
        None,
        "yes",
    )
    gone = await session.get(Person, only_there.person_id)
    kept = await session.get(Person, also_open.person_id)
    assert gone is not None and gone.display_name == "—" and gone.telegram_id < 0
    assert kept is not None and kept.display_name == "P701"
    links = {(link.family_id, link.person_id) for link in await session.scalars(select(FamilyLink))}
    assert links == {(open_, also_open.person_id)}
    for untouched, name in ((recent, "Недавние"), (open_, "Открытые")):
        row = await session.get(Family, untouched)
        assert row is not None and row.name == name and row.anonymised_at is None
    audit = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "retention.anonymise")
    )
    assert audit is not None and audit.details == {"families": 1, "people": 1, "years": 5}
    assert boss.person_id  # no notice for retention: nothing queued
    assert not list(await session.scalars(select(OutboxMessage)))

    assert (await privacy.anonymise_closed_batch(session, NOW, 5))[0] == 0  # idempotent


async def test_retention_drops_the_family_name_from_a_withdrawal_notice(
    session: AsyncSession,
) -> None:
    await make_person(session, 1, Role.COORDINATOR, now=NOW)
    old = await _closed_family(session, "Старые <&>", NOW - timedelta(days=6 * 365))
    other = await _closed_family(session, "Открытые", None)
    parent = await make_person(session, 700, Role.PARENT, now=NOW)
    session.add(Consent(person_id=parent.person_id, text_version="v", locale="ru", accepted_at=NOW))
    await _link(session, old, parent, "parent")
    await _link(session, other, parent, "parent")
    await session.flush()
    await privacy.withdraw(session, parent, NOW)
    notice = await session.scalar(
        select(OutboxMessage).where(OutboxMessage.purpose == privacy.WITHDRAWN_PURPOSE)
    )
    assert notice is not None
    assert notice.params["family_names"] == [[old, "Старые <&>"], [other, "Открытые"]]
    t = Translator(create_i18n("ru"), "ru")
    text = registry.render(privacy.WITHDRAWN_KIND, notice.params, t, Content()).text
    assert text.splitlines()[0] == "Родитель отозвал согласие."  # a lock screen names nobody
    assert "Семья: Старые &lt;&amp;&gt;, Открытые" in text
    assert "Личные данные родителя удалены, показатели семьи сохранены." in text

    await privacy.anonymise_closed_batch(session, NOW, 5)
    await session.flush()
    session.expunge_all()
    notice = await session.get(OutboxMessage, notice.id)
    assert notice is not None
    assert notice.params["family_names"] == [[other, "Открытые"]]
    assert "Старые" not in str(notice.params)
    text = registry.render(privacy.WITHDRAWN_KIND, notice.params, t, Content()).text
    assert f"Семья: #{old}, Открытые" in text


async def test_retention_runs_in_batches(session: AsyncSession) -> None:
    closed = NOW - timedelta(days=7 * 365)
    ids = [
        await _closed_family(session, f"Семья {i}", closed + timedelta(days=i)) for i in range(5)
    ]
    seen: list[int] = []
    sizes = []
    while True:
        examined, run = await privacy.anonymise_closed_batch(session, NOW, 5, limit=2)
        sizes.append(examined)
        seen.extend(run.family_ids)
        if examined < 2:
            break
    assert sizes == [2, 2, 1] and seen == ids


def test_retention_cutoff_on_a_leap_day() -> None:
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert privacy.retention_cutoff(leap, 5) == datetime(2023, 2, 28, 12, tzinfo=UTC)
    assert privacy.retention_cutoff(NOW, 5).year == 2021


async def test_retention_blanks_plans_and_maps_and_keeps_their_counts(
    session: AsyncSession,
) -> None:
    old = await _closed_family(session, "Старые", NOW - timedelta(days=6 * 365))
    kept = await _closed_family(session, "Открытые", None)
    for family_id in (old, kept):
        for title, status, note, responsible in (
            ("Школа для Маши", "done", None, None),
            ("Кружок", "not_done", "Маша болела", "бабушка Нина"),
        ):
            session.add(
                PlanTask(
                    family_id=family_id,
                    title=title,
                    criteria="ходит",
                    family_part="мама водит",
                    specialists_part="договориться",
                    responsible_text=responsible,
                    due_date=date(2019, 6, 1),
                    status=status,
                    status_note=note,
                    created_at=datetime(2019, 5, 1, tzinfo=UTC),
                )
            )
        session.add(
            CaseRecord(
                family_id=family_id,
                stage="closed",
                stage_at=datetime(2019, 7, 1, tzinfo=UTC),
                final_meeting_date=date(2019, 7, 1),
                final_summary="Маша дома",
            )
        )
        for child, day in (("Маша", 1), ("Петя", 2), ("Маша", 3)):
            snapshot = SocialMap(
                family_id=family_id,
                child_name=child,
                child_key=child.casefold(),
                taken_on=date(2019, 5, day),
                created_at=datetime(2019, 5, day, tzinfo=UTC),
            )
            session.add(snapshot)
            await session.flush()
            session.add(
                SocialMapPerson(
                    map_id=snapshot.id,
                    key="k1",
                    name="бабушка Нина",
                    relation="grandmother",
                    circle=1,
                    nature="supportive",
                    created_at=datetime(2019, 5, day, tzinfo=UTC),
                )
            )
    await session.flush()
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    year = Period(date(2019, 1, 1), date(2019, 12, 31), "Europe/Moscow")
    before = await stats.plans(session, boss, year, Scope(), today=TODAY)
    assert (before.due, before.done, before.not_done, before.added) == (4, 2, 2, 4)

    await privacy.anonymise_closed_batch(session, NOW, 5)
    await session.flush()
    session.expunge_all()
    assert await stats.plans(session, boss, year, Scope(), today=TODAY) == before

    def task_row(t: PlanTask) -> tuple[object, ...]:
        return (
            t.title,
            t.criteria,
            t.family_part,
            t.specialists_part,
            t.responsible_text,
            t.status,
            t.status_note,
            t.due_date,
        )

    tasks = [
        task_row(t)
        for t in await session.scalars(
            select(PlanTask).where(PlanTask.family_id == old).order_by(PlanTask.id)
        )
    ]
    assert tasks == [
        ("—", None, None, None, None, "done", None, date(2019, 6, 1)),
        ("—", None, None, None, "—", "not_done", "—", date(2019, 6, 1)),
    ]
    record = await session.scalar(select(CaseRecord).where(CaseRecord.family_id == old))
    assert record is not None
    assert (record.stage, record.final_meeting_date, record.final_summary) == (
        "closed",
        date(2019, 7, 1),
        "—",
    )
    maps = [
        (m.child_name, m.child_key, m.taken_on.day)
        for m in await session.scalars(
            select(SocialMap).where(SocialMap.family_id == old).order_by(SocialMap.id)
        )
    ]
    assert maps == [("#1", "#1", 1), ("#2", "#2", 2), ("#1", "#1", 3)]  # still grouped per child
    names = {
        (p.name, p.relation, p.key, p.circle)
        for p in await session.scalars(
            select(SocialMapPerson)
            .join(SocialMap, SocialMap.id == SocialMapPerson.map_id)
            .where(SocialMap.family_id == old)
        )
    }
    assert names == {("grandmother", "grandmother", "k1", 1)}
    # The open family is untouched.
    untouched = await session.scalars(select(PlanTask.title).where(PlanTask.family_id == kept))
    assert sorted(untouched) == ["Кружок", "Школа для Маши"]
    assert {
        m.child_name
        for m in await session.scalars(select(SocialMap).where(SocialMap.family_id == kept))
    } == {"Маша", "Петя"}
    assert {
        p.name
        for p in await session.scalars(
            select(SocialMapPerson)
            .join(SocialMap, SocialMap.id == SocialMapPerson.map_id)
            .where(SocialMap.family_id == kept)
        )
    } == {"бабушка Нина"}
    summary = await session.scalar(
        select(CaseRecord.final_summary).where(CaseRecord.family_id == kept)
    )
    assert summary == "Маша дома"
