"""Every /stats figure against known rows: a month with families, visits, concerns, meetings, SRS
and programme weeks, plus rows just outside it that must not count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Role,
)
from bot.services import stats
from bot.services.errors import AccessDenied
from bot.services.stats import Period, PeriodKind, RangeError, Scope
from tests.factories import make_person
from tests.stats_world import ITEMS, MSK, NOVEMBER, NOW, TODAY, add_plans, build


async def test_meetings_figures(session: AsyncSession) -> None:
    w = await build(session)
    got = await stats.meetings(session, w.boss, NOVEMBER, Scope(), ITEMS)
    assert (got.held, got.families_with_meetings, got.active_families) == (2, 2, 5)
    assert got.families_by_category == {"tzhs": 2}
    assert (got.participants, got.invited, got.answered, got.accepted) == (7, 6, 5, 3)
    assert (got.attended, got.attendance_base) == (3, 5)
    assert (got.srs_responses, got.srs_under_concern) == (3, 1)
    assert got.srs_total_mean == pytest.approx(36.0)
    assert got.srs_item_means == pytest.approx(
        {"relationship": 28 / 3, "goals": 26 / 3, "approach": 28 / 3, "overall": 26 / 3}
    )


async def test_families_figures(session: AsyncSession) -> None:
    w = await build(session)
    got = await stats.families(session, w.boss, NOVEMBER, Scope())
    assert got.active == 5
    assert got.by_category == {"tzhs": 3, "sop": 1, "large": 1}
    assert got.by_level == {"basic": 4, "crisis": 1}
    assert (got.closed_improvement, got.closed_other, got.new) == (1, 1, 1)


async def test_mentors_figures(session: AsyncSession) -> None:
    w = await build(session)
    got = await stats.mentors(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    assert (got.visits, got.mentors, got.mentors_visiting) == (5, 3, 2)
    assert [(m.mentor_id, m.visits) for m in got.top] == [
        (w.mentor1.person_id, 4),
        (w.mentor2.person_id, 1),
        (w.mentor3.person_id, 0),
    ]
    assert got.bottom == []  # three mentors all fit in the top list
    assert (got.families_without_visit, got.open_families) == (1, 3)
    assert (got.concerns_raised, got.concerns_acknowledged) == (3, 2)
    assert got.median_ack_minutes == pytest.approx(60.0)


async def test_programmes_figures(session: AsyncSession) -> None:
    w = await build(session)
    got = await stats.programmes(session, w.boss, NOVEMBER, Scope())
    assert (got.enrolled, got.active, got.completed, got.positive) == (1, 4, 2, 2)
    assert [(h.week, h.released, h.handed_in) for h in got.hand_in] == [
        (1, 2, 2),
        (2, 1, 1),
        (3, 1, 0),
    ]
    assert got.ratings == 3
    assert got.mean_rating == pytest.approx(8.0)


async def test_scopes_narrow_every_section(session: AsyncSession) -> None:
    w = await build(session)
    mine = Scope(mentor_id=w.mentor1.person_id)
    assert (await stats.families(session, w.boss, NOVEMBER, mine)).active == 2
    assert (await stats.meetings(session, w.boss, NOVEMBER, mine, ITEMS)).held == 1
    mentors = await stats.mentors(session, w.boss, NOVEMBER, mine, today=TODAY)
    assert (mentors.visits, mentors.mentors, mentors.concerns_raised) == (4, 1, 3)
    programmes = await stats.programmes(session, w.boss, NOVEMBER, mine)
    assert (programmes.enrolled, programmes.active, programmes.completed) == (1, 2, 0)
    tzhs = Scope(category="tzhs")
    assert (await stats.families(session, w.boss, NOVEMBER, tzhs)).active == 3
    assert (await stats.meetings(session, w.boss, NOVEMBER, tzhs, ITEMS)).held == 2
    assert (await stats.mentors(session, w.boss, NOVEMBER, tzhs, today=TODAY)).visits == 4


async def test_an_empty_period_is_empty_not_an_error(session: AsyncSession) -> None:
    w = await build(session)
    year = Period(date(2025, 1, 1), date(2025, 12, 31), MSK)
    assert (await stats.meetings(session, w.boss, year, Scope(), ITEMS)).empty
    assert (await stats.families(session, w.boss, year, Scope())).empty
    assert (await stats.programmes(session, w.boss, year, Scope())).empty
    mentors = await stats.mentors(session, w.boss, year, Scope(), today=TODAY)
    assert (mentors.visits, mentors.median_ack_minutes) == (0, None)


async def test_only_coordinators(session: AsyncSession) -> None:
    w = await build(session)
    parent = await make_person(session, 21, Role.PARENT, now=NOW)
    for who in (w.mentor1, parent):
        with pytest.raises(AccessDenied):
            await stats.families(session, who, NOVEMBER, Scope())
        with pytest.raises(AccessDenied):
            await stats.plans(session, who, NOVEMBER, Scope(), today=TODAY)
        with pytest.raises(AccessDenied):
            await stats.meetings(session, who, NOVEMBER, Scope(), ITEMS)


def _plan_tuple(got: stats.PlansFigures) -> tuple[int, ...]:
    return (
        got.due,
        got.done,
        got.not_done,
        got.open,
        got.overdue,
        got.families_due,
        got.added,
        got.from_visits,
        got.from_decisions,
        got.closed,
        got.closed_with_final_meeting,
    )


async def test_plans_figures(session: AsyncSession) -> None:
    w = await build(session)
    await add_plans(session, w)
    got = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    # due 7: done 2, not done 1, open 4 (1 overdue); 3 families; added 5: 2 + 2; closed 2 (1)
    assert _plan_tuple(got) == (7, 2, 1, 4, 1, 3, 5, 2, 2, 2, 1)
    assert got.stages == {
        "intake": 1,
        "plan_approved": 1,
        "monitoring": 0,
        "final_monitoring": 1,
    }
    assert got.open_families == 3 and not got.empty


async def test_plans_in_each_scope(session: AsyncSession) -> None:
    w = await build(session)
    await add_plans(session, w)
    mine = await stats.plans(
        session, w.boss, NOVEMBER, Scope(mentor_id=w.mentor1.person_id), today=TODAY
    )
    assert _plan_tuple(mine) == (6, 1, 1, 4, 1, 2, 5, 2, 2, 0, 0)
    assert mine.stages == {
        "intake": 0,
        "plan_approved": 1,
        "monitoring": 0,
        "final_monitoring": 1,
    }
    theirs = await stats.plans(
        session, w.boss, NOVEMBER, Scope(mentor_id=w.mentor2.person_id), today=TODAY
    )
    assert _plan_tuple(theirs) == (1, 1, 0, 0, 0, 1, 0, 0, 0, 2, 1)
    assert theirs.open_families == 0 and not theirs.empty  # both of theirs closed
    nobody = await stats.plans(
        session, w.boss, NOVEMBER, Scope(mentor_id=w.mentor3.person_id), today=TODAY
    )
    assert _plan_tuple(nobody) == (0,) * 11 and nobody.empty
    tzhs = await stats.plans(session, w.boss, NOVEMBER, Scope(category="tzhs"), today=TODAY)
    assert _plan_tuple(tzhs) == (4, 2, 0, 2, 1, 2, 3, 1, 1, 1, 1)
    assert tzhs.stages == {
        "intake": 1,
        "plan_approved": 0,
        "monitoring": 0,
        "final_monitoring": 1,
    }


async def test_plans_overdue_counts_from_today(session: AsyncSession) -> None:
    w = await build(session)
    await add_plans(session, w)

    async def overdue(period: Period, today: date) -> tuple[int, int]:
        got = await stats.plans(session, w.boss, period, Scope(), today=today)
        return got.open, got.overdue

    assert await overdue(NOVEMBER, date(2026, 11, 20)) == (4, 0)  # due today is not overdue
    assert await overdue(NOVEMBER, date(2026, 11, 21)) == (4, 1)
    assert await overdue(NOVEMBER, date(2026, 11, 26)) == (4, 2)
    # A period already over: every open task of it is overdue.
    assert await overdue(NOVEMBER, date(2026, 12, 15)) == (4, 4)
    # One still ahead: none is.
    december = Period(date(2026, 12, 1), date(2026, 12, 31), MSK)
    assert await overdue(december, TODAY) == (2, 0)


async def test_plans_stages_only_when_the_period_includes_today(session: AsyncSession) -> None:
    w = await build(session)
    await add_plans(session, w)

    async def stages(period: Period, today: date) -> dict[str, int] | None:
        return (await stats.plans(session, w.boss, period, Scope(), today=today)).stages

    assert await stages(NOVEMBER, TODAY) is not None
    assert await stages(NOVEMBER, date(2026, 11, 1)) is not None
    assert await stages(NOVEMBER, date(2026, 11, 30)) is not None
    assert await stages(NOVEMBER, date(2026, 12, 1)) is None  # over
    assert await stages(NOVEMBER, date(2026, 10, 31)) is None  # not begun
    october = Period(date(2026, 10, 1), date(2026, 10, 31), MSK)
    got = await stats.plans(session, w.boss, october, Scope(), today=TODAY)
    assert got.stages is None and got.open_families == 0
    # October: F2's task due on the 31st (done); nothing added on 1 November Moscow time.
    assert _plan_tuple(got) == (1, 1, 0, 0, 0, 1, 4, 0, 0, 0, 0)


async def test_plans_of_an_empty_period(session: AsyncSession) -> None:
    w = await build(session)
    # Without a single task, November still shows its closings and today's stages.
    bare = await stats.plans(session, w.boss, NOVEMBER, Scope(), today=TODAY)
    assert _plan_tuple(bare) == (0,) * 9 + (2, 0)
    assert bare.stages == {"intake": 3, "plan_approved": 0, "monitoring": 0, "final_monitoring": 0}
    assert not bare.empty
    await add_plans(session, w)
    year = Period(date(2025, 1, 1), date(2025, 12, 31), MSK)
    got = await stats.plans(session, w.boss, year, Scope(), today=TODAY)
    assert got.empty and got.stages is None and _plan_tuple(got) == (0,) * 11


def test_preset_periods() -> None:
    assert stats.period_for(PeriodKind.MONTH, TODAY, MSK) == NOVEMBER
    assert stats.period_for(PeriodKind.QUARTER, TODAY, MSK) == Period(
        date(2026, 10, 1), date(2026, 12, 31), MSK
    )
    assert stats.period_for(PeriodKind.YEAR, date(2026, 2, 3), MSK) == Period(
        date(2026, 1, 1), date(2026, 12, 31), MSK
    )
    assert stats.period_for(PeriodKind.PREVIOUS_YEAR, TODAY, MSK) == Period(
        date(2025, 1, 1), date(2025, 12, 31), MSK
    )
    assert stats.period_for(PeriodKind.MONTH, date(2026, 12, 31), MSK).end == date(2026, 12, 31)


def test_period_bounds_follow_the_local_calendar() -> None:
    begin, finish = Period(date(2026, 11, 1), date(2026, 11, 1), "Asia/Yekaterinburg").utc_bounds()
    assert begin == datetime(2026, 10, 31, 19, 0, tzinfo=UTC)
    assert finish == datetime(2026, 11, 1, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01.01.2026 - 31.03.2026", (date(2026, 1, 1), date(2026, 3, 31))),
        ("1.1.2026–31.3.2026", (date(2026, 1, 1), date(2026, 3, 31))),
        ("01.01.2026 31.01.2026", (date(2026, 1, 1), date(2026, 1, 31))),
    ],
)
def test_custom_range(raw: str, expected: tuple[date, date]) -> None:
    period = stats.parse_range(raw, MSK)
    assert (period.start, period.end) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("январь", "format"),
        ("", "format"),
        ("31.02.2026 - 01.03.2026", "format"),
        ("01.03.2026 - 01.01.2026", "order"),
        ("01.01.2010 - 01.01.2026", "length"),
        ("<b>01.01.2026</b>", "format"),
    ],
)
def test_custom_range_refused(raw: str, reason: str) -> None:
    with pytest.raises(RangeError) as caught:
        stats.parse_range(raw, MSK)
    assert caught.value.reason == reason
