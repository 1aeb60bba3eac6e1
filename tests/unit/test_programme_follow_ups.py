"""The questionnaire again 6 and 12 months after a completed programme, at the service level:
the content fields, the dates, the scan (planned, released and reminded once at the family's
daytime, cancelled when the case closes for another reason or no parent is left), answering
once, and `kept_change`.

The enrollment of `homework_world` is completed on Monday 01.02.2027 at 18:00 in Moscow (its
release time, daytime): the follow-ups are due on 01.08.2027 and 01.02.2028 at 18:00 there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.programmes import Programme, Questionnaire
from bot.db.models import CloseReason, OutboxStatus, QuestionnaireFollowUp
from bot.services import families, privacy
from bot.services import programme_follow_ups as fu
from bot.services.errors import AccessDenied, DomainError
from tests.unit.homework_world import (
    CODE,
    DAY,
    World,
    all_answers,
    complete,
    known,
    outbox_rows,
    person,
    survey,
    world,
)

__all__ = ["known", "survey"]  # module fixtures, from homework_world

QUIET = (time(21, 0), time(9, 0))
COMPLETED = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
SIX = datetime(2027, 8, 1, 15, 0, tzinfo=UTC)
TWELVE = datetime(2028, 2, 1, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def scan(session: AsyncSession, known: dict[str, Programme], at: datetime) -> fu.ScanResult:
    return await fu.scan(session, at, known, *QUIET)


async def planned(session: AsyncSession, known: dict[str, Programme], parents: int = 1) -> World:
    """A family whose programme was completed, with its follow-ups planned."""
    w = await world(session, known, parents=parents)
    await complete(session, known, w)
    await scan(session, known, COMPLETED + MINUTE)
    return w


async def follow_ups(session: AsyncSession) -> list[QuestionnaireFollowUp]:
    rows = await session.scalars(
        select(QuestionnaireFollowUp)
        .order_by(QuestionnaireFollowUp.months)
        .execution_options(populate_existing=True)
    )
    return list(rows)


# --- pure -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exit_total", "follow_up_total", "tolerance", "kept"),
    [
        (30, 30, 2, True),
        (30, 35, 2, True),  # better still
        (30, 28, 2, True),  # within the tolerance
        (30, 27, 2, False),
        (30, 29, 0, False),  # no tolerance: anything lower is not kept
        (30, 30, 0, True),
    ],
)
def test_kept_change(exit_total: int, follow_up_total: int, tolerance: int, kept: bool) -> None:
    assert fu.kept_change(exit_total, follow_up_total, tolerance) is kept


def test_months_on_the_calendar_keep_the_day_or_take_the_months_last() -> None:
    assert fu.add_months(date(2027, 2, 1), 6) == date(2027, 8, 1)
    assert fu.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)  # a leap year
    assert fu.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert fu.add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)
    assert fu.add_months(date(2026, 11, 30), 24) == date(2028, 11, 30)


def test_the_hour_is_the_release_time_when_it_is_daytime_else_late_morning() -> None:
    assert fu.follow_up_time(time(18, 0), *QUIET) == time(18, 0)
    assert fu.follow_up_time(time(9, 0), *QUIET) == time(9, 0)
    assert fu.follow_up_time(time(21, 30), *QUIET) == time(11, 0)
    assert fu.follow_up_time(time(7, 0), *QUIET) == time(11, 0)


def _programme(known: dict[str, Programme], **fields: Any) -> Programme:
    data = known[CODE].model_dump()
    data.pop("follow_up_months")
    data.pop("lasting_tolerance")
    return Programme.model_validate({**data, **fields})


def test_follow_up_fields_default_and_are_validated(known: dict[str, Programme]) -> None:
    plain = _programme(known)
    assert (plain.follow_up_months, plain.lasting_tolerance) == ([6, 12], 2)
    assert _programme(known, follow_up_months=[3, 9, 24]).follow_up_months == [3, 9, 24]
    assert _programme(known, follow_up_months=[]).follow_up_months == []
    assert _programme(known, lasting_tolerance=0).lasting_tolerance == 0
    for months in ([12, 6], [6, 6], [0, 6], [6, 25], [-1], ["6"], [6.5]):
        with pytest.raises(ValidationError, match="follow_up_months"):
            _programme(known, follow_up_months=months)
    for tolerance in (-1, "2", 1.5):
        with pytest.raises(ValidationError, match="lasting_tolerance"):
            _programme(known, lasting_tolerance=tolerance)


def test_the_shipped_programmes_ask_after_6_and_12_months(known: dict[str, Programme]) -> None:
    assert all(p.follow_up_months == [6, 12] for p in known.values())
    assert all(p.lasting_tolerance == 2 for p in known.values())


# --- the scan ---------------------------------------------------------------------------------


async def test_planned_then_released_and_reminded_once_at_the_familys_daytime(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    await complete(session, known, w)
    assert w.enrollment.completed_at == COMPLETED

    first = await scan(session, known, COMPLETED + MINUTE)
    assert (first.planned, first.released) == (2, 0)
    six, twelve = await follow_ups(session)
    assert (six.months, six.due_at, twelve.months, twelve.due_at) == (6, SIX, 12, TWELVE)
    assert (await scan(session, known, COMPLETED + DAY)).planned == 0  # planned once

    assert (await scan(session, known, SIX - MINUTE)).released == 0
    result = await scan(session, known, SIX)
    assert (result.released, result.messages) == (1, 2)
    assert (await scan(session, known, SIX + MINUTE)).messages == 0  # a rerun adds nothing
    rows = await outbox_rows(session, fu.INVITE_PURPOSE)
    assert {r.person_id for r in rows} == {p.person_id for p in w.parents}
    assert all(r.family_facing and r.kind == fu.INVITE_KIND for r in rows)
    six, _ = await follow_ups(session)
    assert rows[0].params == {"follow_up_id": six.id, "programme": CODE, "months": 6}

    # The reminder, three days on at 18:00 in Moscow; once, whatever the reruns.
    assert (await scan(session, known, SIX + 3 * DAY - MINUTE)).reminded == 0
    assert (await scan(session, known, SIX + 3 * DAY)).messages == 2
    assert (await scan(session, known, SIX + 4 * DAY)).messages == 0
    reminders = await outbox_rows(session, fu.REMINDER_PURPOSE)
    assert len(reminders) == 2 and all(r.kind == fu.REMINDER_KIND for r in reminders)

    # The 12-month one in its turn.
    assert (await scan(session, known, TWELVE)).released == 1
    assert len(await outbox_rows(session, fu.INVITE_PURPOSE)) == 4


async def test_nothing_at_night_the_morning_run_sends_it(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    await planned(session, known)
    # The bot was down at the due time; it comes back at 23:00 in Moscow.
    night = datetime(2027, 8, 1, 20, 0, tzinfo=UTC)
    assert (await scan(session, known, night)).released == 0
    assert (await scan(session, known, night + 5 * timedelta(hours=1))).released == 0  # 04:00
    morning = datetime(2027, 8, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    assert (await scan(session, known, morning - MINUTE)).released == 0
    assert (await scan(session, known, morning)).released == 1
    # The reminder three days on falls at 09:00, daytime; at night it waits as well.
    assert (await scan(session, known, morning + 3 * DAY - 2 * MINUTE)).reminded == 0
    late = morning + 3 * DAY + 12 * timedelta(hours=1)  # 21:00 in Moscow
    assert (await scan(session, known, late)).reminded == 0
    assert (await scan(session, known, late + 12 * timedelta(hours=1))).reminded == 1


async def test_the_hour_falls_back_to_late_morning_when_the_release_is_at_night(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await complete(session, known, w)
    w.enrollment.release_time = time(22, 0)
    await scan(session, known, COMPLETED + MINUTE)
    six, _ = await follow_ups(session)
    assert six.due_at == datetime(2027, 8, 1, 8, 0, tzinfo=UTC)  # 11:00 in Moscow


async def test_a_programme_completed_long_ago_gets_only_what_is_still_ahead(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await complete(session, known, w)
    # The feature arrives ten months after the programme: the 6-month one is long past and is
    # planned cancelled (never sent); the 12-month one is ahead.
    at = COMPLETED + 300 * DAY
    assert (await scan(session, known, at)).planned == 2
    six, twelve = await follow_ups(session)
    assert (six.cancelled_at, six.released_at, twelve.cancelled_at) == (at, None, None)
    assert (await scan(session, known, at + DAY)).planned == 0  # never looked at again
    assert (await scan(session, known, TWELVE)).released == 1
    assert len(await outbox_rows(session, fu.INVITE_PURPOSE)) == 1


async def test_no_follow_ups_for_a_programme_without_months(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await complete(session, known, w)
    none = {**known, CODE: known[CODE].model_copy(update={"follow_up_months": []})}
    assert (await scan(session, none, COMPLETED + DAY)).planned == 0
    assert (await scan(session, {}, COMPLETED + DAY)).planned == 0  # a programme removed
    assert await follow_ups(session) == []


async def test_closed_with_improvement_still_asked_closed_otherwise_cancelled(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    better = await world(session, known)
    moved = await world(session, known, name="Петровы")
    for w in (better, moved):
        await complete(session, known, w)
    await scan(session, known, COMPLETED + MINUTE)
    await scan(session, known, SIX)  # released to both families
    queued = await outbox_rows(session, fu.INVITE_PURPOSE)
    assert len(queued) == 2 and all(r.status == OutboxStatus.PENDING for r in queued)

    at = SIX + MINUTE
    await families.close_family(
        session, better.boss, better.family_id, CloseReason.IMPROVEMENT, None, at
    )
    await families.close_family(session, moved.boss, moved.family_id, CloseReason.MOVED, None, at)
    assert (await scan(session, known, at)).cancelled == 2  # the 6- and 12-month of «moved»
    rows = {r.person_id: r for r in await outbox_rows(session, fu.INVITE_PURPOSE)}
    assert rows[better.parents[0].person_id].status == OutboxStatus.PENDING
    assert rows[moved.parents[0].person_id].status == OutboxStatus.CANCELLED
    # The family closed with improvement answers and is reminded; the other one is not.
    assert (await scan(session, known, SIX + 3 * DAY)).messages == 1
    [reminder] = await outbox_rows(session, fu.REMINDER_PURPOSE)
    assert reminder.person_id == better.parents[0].person_id
    six = next(f for f in await follow_ups(session) if f.enrollment_id == better.enrollment.id)
    assert await fu.save(session, better.parents[0], six.id, all_answers(survey, 4), at, survey)


async def test_cancelled_when_no_parent_is_left(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await planned(session, known, parents=2)
    first, second = w.parents
    await privacy.withdraw(session, first, COMPLETED + DAY)
    assert (await scan(session, known, COMPLETED + DAY)).cancelled == 0  # one parent is left
    await scan(session, known, SIX)
    assert [r.person_id for r in await outbox_rows(session, fu.INVITE_PURPOSE)] == [
        second.person_id
    ]
    await privacy.withdraw(session, second, SIX + MINUTE)
    assert (await scan(session, known, SIX + 2 * MINUTE)).cancelled == 2
    assert all(f.cancelled_at is not None for f in await follow_ups(session))
    assert (await scan(session, known, SIX + 3 * DAY)).messages == 0


# --- answering --------------------------------------------------------------------------------


async def test_answered_once_for_the_family(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    w = await planned(session, known, parents=2)
    six, twelve = await follow_ups(session)
    mum, dad = w.parents
    with pytest.raises(DomainError, match=fu.CLOSED):  # not sent yet
        await fu.check_open(session, mum, six.id)
    await scan(session, known, SIX)
    opened = await fu.check_open(session, mum, six.id)
    assert opened == fu.Opened(6, CODE)
    stranger = await person(session)
    with pytest.raises(AccessDenied):
        await fu.check_open(session, stranger, six.id)
    with pytest.raises(AccessDenied):
        await fu.check_open(session, mum, 999_999)
    with pytest.raises(DomainError, match=fu.INCOMPLETE):
        await fu.save(session, mum, six.id, {"routine": 3}, SIX, survey)

    assert await fu.save(session, mum, six.id, all_answers(survey, 4), SIX + DAY, survey)
    assert not await fu.save(session, dad, six.id, all_answers(survey, 1), SIX + DAY, survey)
    assert await fu.check_open(session, dad, six.id) is None
    six, _ = await follow_ups(session)
    assert (six.total, six.person_id, six.answered_at) == (
        4 * len(survey.statements),
        mum.person_id,
        SIX + DAY,
    )
    assert six.answers == all_answers(survey, 4)
    # Answered: no reminder.
    assert (await scan(session, known, SIX + 3 * DAY)).reminded == 0
    # Once the 12-month one is sent, an unanswered 6-month one is closed.
    await scan(session, known, TWELVE)
    assert await fu.check_open(session, mum, twelve.id) == fu.Opened(12, CODE)


async def test_a_queued_reminder_is_cancelled_by_the_answer(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    w = await planned(session, known)
    await scan(session, known, SIX)
    await scan(session, known, SIX + 3 * DAY)
    six, _ = await follow_ups(session)
    assert await fu.save(session, w.parents[0], six.id, all_answers(survey, 3), SIX, survey)
    assert {r.status for r in await outbox_rows(session, fu.REMINDER_PURPOSE)} == {
        OutboxStatus.CANCELLED
    }


async def test_the_next_follow_up_closes_an_unanswered_one(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await planned(session, known)
    await scan(session, known, SIX)
    await scan(session, known, TWELVE)
    six, twelve = await follow_ups(session)
    with pytest.raises(DomainError, match=fu.CLOSED):
        await fu.check_open(session, w.parents[0], six.id)
    assert await fu.check_open(session, w.parents[0], twelve.id) == fu.Opened(12, CODE)


async def test_staff_see_the_follow_ups_of_the_enrollment(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    w = await planned(session, known)
    await scan(session, known, SIX)
    six, _ = await follow_ups(session)
    await fu.save(session, w.parents[0], six.id, all_answers(survey, 5), SIX, survey)
    views = await fu.of_enrollment(session, w.boss, w.family_id, w.enrollment)
    assert [(v.months, v.total, v.released, v.cancelled) for v in views] == [
        (6, 5 * len(survey.statements), True, False),
        (12, None, False, False),
    ]
    with pytest.raises(AccessDenied):
        await fu.of_enrollment(session, w.parents[0], w.family_id, w.enrollment)
