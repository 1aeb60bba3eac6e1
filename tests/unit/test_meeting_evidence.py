"""What shows a network meeting's effect, at the service level: why it is called (content
codes only), the facilitators' assessment of the process, the record two weeks after (decisions
done or not and why), the family case's list, coordinators only, views audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.config import Settings
from bot.content import Content
from bot.content.base import ContentError
from bot.content.meetings import load_meetings
from bot.db.models import (
    AuditEntry,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    OutboxMessage,
    Role,
)
from bot.delivery.render import registry
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import meeting_decisions, meeting_evidence, meetings
from bot.services.errors import AccessDenied
from bot.services.meeting_decisions import DUE_PURPOSE
from bot.services.meeting_evidence import FollowUpDraft, Outcome
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, draft, held_meeting, raises, setup

SPEC = load_meetings()
DUE_MOMENT = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
ALL_PHASES = {code: 2 for code in SPEC.phase_codes()}


def test_the_file_has_five_reasons_six_phases_and_a_0_to_3_scale() -> None:
    assert SPEC.reason_codes() == ["crisis_conflict", "abuse", "leaving_home", "refusal", "other"]
    assert len(SPEC.phases) == 6
    assert [SPEC.scale_label(v, "en") for v in range(4)] == [
        "not reached",
        "begun",
        "partly",
        "fully",
    ]
    assert SPEC.scale_label(3, "ru") == "полностью"
    assert SPEC.reason_label("abuse", "ru") == "Жестокое обращение с ребёнком"
    assert SPEC.reason_label("retired", "en") == "retired"  # an old code as it is
    assert Content().meetings.reason_codes() == SPEC.reason_codes()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("scale:\n  - {value: 0, ru: а, en: a}\n", "scale"),
        ("reasons:\n  - {code: a, ru: а, en: a}\n  - {code: a, ru: б, en: b}\n", "unique"),
        ("phases:\n  - {code: a, ru: а, en: a}\n", "phases"),
    ],
)
def test_a_broken_file_is_refused_naming_it(tmp_path: Path, change: str, problem: str) -> None:
    import yaml

    raw = yaml.safe_load(Path("content/meetings.yaml").read_text(encoding="utf-8"))
    raw.update(yaml.safe_load(change))
    path = tmp_path / "meetings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_meetings(path)
    assert "meetings.yaml" in str(caught.value) and problem in str(caught.value)


async def test_the_reason_is_kept_when_planned_and_changed_by_coordinators_only(
    session: AsyncSession,
) -> None:
    boss, family_id = await setup(session)
    meeting = await meetings.create(
        session, boss, family_id, draft(reason="abuse"), draft_key="r", now=NOW
    )
    assert meeting.reason == "abuse"
    old = await meetings.create(session, boss, family_id, draft(), draft_key="old", now=NOW)
    assert old.reason is None
    await raises(
        "meeting_reason_unknown",
        meeting_evidence.set_reason(session, boss, meeting.id, "nonsense", SPEC, NOW),
    )
    assert await meeting_evidence.set_reason(session, boss, meeting.id, "refusal", SPEC, NOW)
    assert not await meeting_evidence.set_reason(session, boss, meeting.id, "refusal", SPEC, NOW)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await meeting_evidence.set_reason(session, mentor, meeting.id, "abuse", SPEC, NOW)
    assert (await session.get(Meeting, meeting.id)).reason == "refusal"  # type: ignore[union-attr]


async def test_the_process_of_a_held_meeting_saved_and_redone(session: AsyncSession) -> None:
    boss, meeting_id, _guests = await held_meeting(session)
    family_id = (await session.get(Meeting, meeting_id)).family_id  # type: ignore[union-attr]
    planned = await meetings.create(session, boss, family_id, draft(), draft_key="p", now=NOW)
    await raises(
        "meeting_not_held",
        meeting_evidence.save_process(session, boss, planned.id, ALL_PHASES, None, SPEC, NOW),
    )
    save = meeting_evidence.save_process
    await raises(
        "process_incomplete",
        save(session, boss, meeting_id, {"preparation": 3}, None, SPEC, NOW),
    )
    await raises(
        "process_incomplete",
        save(session, boss, meeting_id, {**ALL_PHASES, "closing": 4}, None, SPEC, NOW),
    )
    await raises(
        "process_note_long", save(session, boss, meeting_id, ALL_PHASES, "н" * 1001, SPEC, NOW)
    )
    scores = {**dict.fromkeys(SPEC.phase_codes(), 0), "preparation": 3, "story": 3, "ideas": 1}
    first = await save(session, boss, meeting_id, scores, "  Застряли на идеях  ", SPEC, NOW)
    assert first.reflection_note == "Застряли на идеях"
    summary = meeting_evidence.process_summary(first, SPEC)
    assert (summary.furthest, summary.furthest_value, summary.fully, summary.phases) == (
        "ideas",
        1,
        2,
        6,
    )
    assert summary.has_note
    later = NOW + timedelta(days=1)
    again = await save(session, boss, meeting_id, ALL_PHASES, None, SPEC, later)
    assert again.id == first.id and again.updated_at == later and again.reflection_note is None
    assert meeting_evidence.process_summary(again, SPEC).furthest == "closing"
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await save(session, mentor, meeting_id, ALL_PHASES, None, SPEC, NOW)
    with pytest.raises(AccessDenied):
        await meeting_evidence.process_of(session, mentor, meeting_id)


async def _decisions(session: AsyncSession, boss, meeting_id: int) -> list[MeetingDecision]:  # type: ignore[no-untyped-def]
    found = []
    for what in ("Записаться в секцию", "Навещать бабушку", "Найти репетитора"):
        found.append(
            await meeting_decisions.add(
                session, boss, meeting_id, what, "мама", date(2026, 12, 10), NOW + timedelta(days=9)
            )
        )
    return found


async def test_the_follow_up_marks_decisions_and_keeps_the_words(session: AsyncSession) -> None:
    boss, meeting_id, _guests = await held_meeting(session)
    later = NOW + timedelta(days=22)
    first, second, third = await _decisions(session, boss, meeting_id)
    other_boss, family_id = boss, (await session.get(Meeting, meeting_id)).family_id  # type: ignore[union-attr]
    other = await meetings.create(session, other_boss, family_id, draft(), draft_key="o", now=NOW)
    foreign = await meeting_decisions.add(
        session, boss, other.id, "Чужое", "кто", date(2026, 12, 10), NOW
    )
    # The due-date reminders of 10.12 (10:00 Moscow) are queued and not yet sent.
    assert await meeting_decisions.enqueue_due(session, DUE_MOMENT, Settings()) == 4

    def make(outcomes: tuple[Outcome, ...], **extra: object) -> FollowUpDraft:
        values: dict[str, object] = {
            "child_now": "Я теперь живу с мамой",
            "family_now": "Спокойнее, мама работает",
            "outcomes": outcomes,
            "new_map_needed": True,
            "new_meeting_needed": False,
        }
        values.update(extra)
        return FollowUpDraft(**values)  # type: ignore[arg-type]

    save = meeting_evidence.save_follow_up
    await raises(
        "decision_not_found",
        save(session, boss, meeting_id, make((Outcome(foreign.id, True),)), later),
    )
    await raises(
        "decision_not_found",
        save(
            session,
            boss,
            meeting_id,
            make((Outcome(first.id, True), Outcome(first.id, True))),
            later,
        ),
    )
    await raises(
        "decision_why_empty",
        save(session, boss, meeting_id, make((Outcome(second.id, False, "  "),)), later),
    )
    await raises(
        "follow_up_child_long",
        save(session, boss, meeting_id, make((), child_now="х" * 1001), later),
    )
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    with pytest.raises(AccessDenied):
        await save(session, mentor, meeting_id, make(()), later)
    record = await save(
        session,
        boss,
        meeting_id,
        make((Outcome(first.id, True), Outcome(second.id, False, "Бабушка в больнице"))),
        later,
    )
    assert (record.child_now, record.new_map_needed, record.new_meeting_needed) == (
        "Я теперь живу с мамой",
        True,
        False,
    )
    await session.refresh(first)
    await session.refresh(second)
    await session.refresh(third)
    assert first.done_at == later and first.not_done_reason is None
    assert second.done_at is None and second.not_done_reason == "Бабушка в больнице"
    assert second.not_done_at == later
    assert third.done_at is None and third.not_done_at is None  # not known yet: untouched
    reminders = {
        row.object_id: row.status
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == DUE_PURPOSE)
        )
    }
    assert reminders[first.id] == "cancelled"  # done: its reminder is dropped
    assert reminders[second.id] != "cancelled" and reminders[foreign.id] != "cancelled"
    # A done decision is no longer open: marking it again is refused.
    await raises(
        "decision_not_found",
        save(session, boss, meeting_id, make((Outcome(first.id, False, "нет"),)), later),
    )
    # Redone: the same row; the second decision done after all clears its "not done".
    again = await save(
        session,
        boss,
        meeting_id,
        make((Outcome(second.id, True),), child_now=None, new_meeting_needed=True),
        later + timedelta(days=1),
    )
    assert again.id == record.id and again.child_now is None and again.new_meeting_needed
    await session.refresh(second)
    assert second.done_at is not None and second.not_done_reason is None
    assert second.not_done_at is None
    assert len(list(await session.scalars(select(MeetingFollowUp)))) == 1
    evidence = await meeting_evidence.evidence(session, boss, meeting_id, later)
    assert (evidence.decisions, evidence.done, evidence.not_done) == (3, 2, 0)
    # The reminder's «✅ Done» also clears an earlier "not done".
    await save(session, boss, meeting_id, make((Outcome(third.id, False, "Нет денег"),)), later)
    assert await meeting_decisions.mark_done(session, boss, third.id, later)
    await session.refresh(third)
    assert third.not_done_reason is None and third.not_done_at is None


async def test_a_follow_up_needs_a_held_meeting(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    planned = await meetings.create(session, boss, family_id, draft(), draft_key="f", now=NOW)
    empty = FollowUpDraft(None, None, (), False, False)
    await raises(
        "meeting_not_held",
        meeting_evidence.save_follow_up(session, boss, planned.id, empty, NOW),
    )
    await raises("meeting_not_held", meeting_evidence.follow_up_form(session, boss, planned.id))
    await raises("meeting_not_found", meeting_evidence.follow_up_form(session, boss, 99999))


async def test_the_family_case_lists_follow_ups_for_coordinators_only_audited(
    session: AsyncSession,
) -> None:
    boss, meeting_id, _guests = await held_meeting(session)
    family_id = (await session.get(Meeting, meeting_id)).family_id  # type: ignore[union-attr]
    assert await meeting_evidence.family_follow_ups(session, boss, family_id, NOW) == []
    await meeting_evidence.save_follow_up(
        session, boss, meeting_id, FollowUpDraft("Хорошо", None, (), False, True), NOW
    )
    found = await meeting_evidence.family_follow_ups(session, boss, family_id, NOW)
    assert [(f.meeting.id, f.record.child_now) for f in found] == [(meeting_id, "Хорошо")]
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    assert await meeting_evidence.family_follow_ups(session, mentor, family_id, NOW) == []
    views = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "meeting.follow_up_view")
        )
    )
    assert len(views) == 1 and views[0].object_type == "family"
    await meeting_evidence.open_follow_up(session, boss, meeting_id, NOW)
    await meeting_evidence.evidence(session, boss, meeting_id, NOW)
    views = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "meeting.follow_up_view")
        )
    )
    assert len(views) == 3


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_the_two_week_reminder_has_the_record_button(locale: str) -> None:
    params = {"when": "01.12.2026 17:00", "child": "Маша", "total": 2, "open": 1, "meeting_id": 7}
    out = registry.render(
        "meeting_follow_up", params, Translator(create_i18n("ru"), locale), Content()
    )
    assert out.reply_markup is not None
    button = out.reply_markup.inline_keyboard[0][0]
    assert button.callback_data == "md:f:7"
    assert button.text == ("📝 Записать итоги" if locale == "ru" else "📝 Record the follow-up")
    old = registry.render(
        "meeting_follow_up",
        {k: v for k, v in params.items() if k != "meeting_id"},
        Translator(create_i18n("ru"), locale),
        Content(),
    )
    assert old.reply_markup is None  # queued before the button existed
