"""The scan that reminds a family, once, of a questionnaire it has not answered: two days after
the invitation, at the family's daytime, keyed in the outbox; never once answered, paused,
stopped, closed, after week 1 was handed in (entry) or when it is long past."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.programmes import Programme, Questionnaire
from bot.db.models import CloseReason, Family, OutboxStatus, QuestionnairePhase
from bot.services import families, homework, programmes, questionnaire
from tests.unit.homework_world import (
    DAY,
    HOUR,
    NOW,
    SLOT,
    WEEK,
    all_answers,
    answer,
    complete,
    known,
    outbox_rows,
    survey,
    week_one,
    world,
)

__all__ = ["known", "survey"]  # module fixtures, from homework_world

QUIET = (time(21, 0), time(9, 0))
REMIND_AT = NOW + 2 * DAY  # Tuesday 24.11, 13:00 in Moscow
PURPOSE = homework.QUESTIONNAIRE_REMINDER_PURPOSE


async def scan(session: AsyncSession, at: datetime) -> int:
    return await homework.enqueue_questionnaire_reminders(session, at, *QUIET)


async def test_one_reminder_to_each_parent_two_days_after_the_invitation(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    assert await scan(session, REMIND_AT - timedelta(minutes=1)) == 0
    assert await scan(session, REMIND_AT) == 2
    assert await scan(session, REMIND_AT) == 0  # a rerun (or another replica) adds nothing
    assert await scan(session, REMIND_AT + 3 * DAY) == 0  # and never again later
    rows = await outbox_rows(session, PURPOSE)
    assert {r.person_id for r in rows} == {p.person_id for p in w.parents}
    assert all(r.dedup_key.endswith(f":enrollment:{w.enrollment.id}:entry") for r in rows)
    assert all(r.family_facing and r.kind == homework.QUESTIONNAIRE_REMINDER_KIND for r in rows)
    assert rows[0].params == {
        "enrollment_id": w.enrollment.id,
        "programme": w.enrollment.programme_code,
        "phase": "entry",
    }  # nothing personal: no names, no answers


async def test_the_reminder_waits_for_the_familys_morning(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    family = await session.get(Family, w.family_id)
    assert family is not None
    family.timezone = "America/New_York"  # 10:00 UTC is 05:00 there
    await session.flush()
    assert await scan(session, REMIND_AT) == 0
    assert await scan(session, REMIND_AT + 3 * HOUR) == 0  # 08:00
    assert await scan(session, REMIND_AT + 4 * HOUR) == 1  # 09:00: the quiet hours are over


async def test_none_once_answered_and_a_queued_one_is_cancelled(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    answered = await world(session, known)
    await questionnaire.save(
        session,
        answered.parents[0],
        answered.enrollment.id,
        QuestionnairePhase.ENTRY,
        all_answers(survey, 3),
        NOW + HOUR,
        survey,
    )
    late = await world(session, known)
    assert await scan(session, REMIND_AT) == 1  # only the family that has not answered
    [row] = await outbox_rows(session, PURPOSE)
    assert row.person_id == late.parents[0].person_id
    await questionnaire.save(
        session,
        late.parents[0],
        late.enrollment.id,
        QuestionnairePhase.ENTRY,
        all_answers(survey, 3),
        REMIND_AT,
        survey,
    )
    [row] = await outbox_rows(session, PURPOSE)
    assert row.status == OutboxStatus.CANCELLED


async def test_no_entry_reminder_after_week_one_is_handed_in(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    open_week = await world(session, known)
    week = await week_one(session, known, w)  # both released on Monday 18:00, before it
    await answer(session, w.parents[0], week.id, SLOT + HOUR)
    await homework.hand_in(session, w.parents[0], week.id, SLOT + HOUR)
    assert await scan(session, REMIND_AT) == 1
    [row] = await outbox_rows(session, PURPOSE)
    assert row.person_id == open_week.parents[0].person_id  # week 1 released, not handed in


async def test_none_while_paused_stopped_or_closed_and_pausing_cancels(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    paused = await world(session, known)
    stopped = await world(session, known)
    closed = await world(session, known)
    assert await programmes.pause(session, paused.boss, paused.family_id, NOW + HOUR)
    assert await programmes.stop(session, stopped.boss, stopped.family_id, NOW + HOUR)
    await families.close_family(
        session, closed.boss, closed.family_id, CloseReason.IMPROVEMENT, None, NOW + HOUR
    )
    assert await scan(session, REMIND_AT) == 0
    # Resumed within the week: reminded then.
    assert await programmes.resume(session, paused.boss, paused.family_id, REMIND_AT + HOUR)
    assert await scan(session, REMIND_AT + HOUR) == 1
    # Paused again while the row waits (say, for the parent's own morning): cancelled.
    assert await programmes.pause(session, paused.boss, paused.family_id, REMIND_AT + 2 * HOUR)
    [row] = await outbox_rows(session, PURPOSE)
    assert row.status == OutboxStatus.CANCELLED
    assert await programmes.resume(session, paused.boss, paused.family_id, REMIND_AT + 3 * HOUR)
    assert await scan(session, REMIND_AT + 3 * HOUR) == 0  # once means once


async def test_none_when_the_scan_comes_a_week_late(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    await world(session, known)
    assert await scan(session, NOW + 7 * DAY) == 0
    assert await outbox_rows(session, PURPOSE) == []


async def test_the_exit_questionnaire_is_reminded_once_too(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    w = await world(session, known)
    await questionnaire.save(
        session,
        w.parents[0],
        w.enrollment.id,
        QuestionnairePhase.ENTRY,
        all_answers(survey, 2),
        NOW + HOUR,
        survey,
    )
    await complete(session, known, w)
    completed = SLOT + known[w.enrollment.programme_code].length * WEEK  # 18:00 in Moscow
    assert w.enrollment.completed_at == completed
    assert await scan(session, completed + 2 * DAY - HOUR) == 0
    assert await scan(session, completed + 2 * DAY) == 1  # 18:00 two days on
    assert await scan(session, completed + 3 * DAY) == 0
    [row] = await outbox_rows(session, PURPOSE)
    assert row.dedup_key.endswith(":exit") and row.params["phase"] == "exit"
    answered = await world(session, known, name="Петровы")
    await complete(session, known, answered)
    await questionnaire.save(
        session,
        answered.parents[0],
        answered.enrollment.id,
        QuestionnairePhase.EXIT,
        all_answers(survey, 4),
        completed + HOUR,
        survey,
    )
    assert await scan(session, completed + 2 * DAY + HOUR) == 0
