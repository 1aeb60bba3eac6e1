"""Programme enrolment: the weekly release grid, enrol/pause/resume/stop, progress, access."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    FamilyLinkKind,
    HomeworkWeek,
    Role,
    SupportLevel,
)
from bot.db.repositories import families as families_repo
from bot.services import families, programmes, release_schedule
from bot.services.access import Action, Actor, is_allowed
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person

# Sunday 22.11.2026, 10:00 UTC = 13:00 in Moscow.
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def known() -> dict[str, object]:
    from bot.content.programmes import load_programmes

    return dict(load_programmes())


async def person(session: AsyncSession, telegram_id: int, *roles: Role) -> Actor:
    return await make_person(session, telegram_id, *roles, now=NOW)


async def family(session: AsyncSession, boss: Actor, tz: str = "Europe/Moscow") -> int:
    created = await families.add(
        session,
        boss,
        name="Ивановы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone=tz,
        known_categories={"tzhs"},
        now=NOW,
    )
    return created.id


def enrollment(start: date, weekday: int, at: time, status: str = "active") -> Enrollment:
    return Enrollment(start_date=start, release_weekday=weekday, release_time=at, status=status)


# --- the grid --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        ("Europe/Kaliningrad", 2),
        ("Europe/Moscow", 3),
        ("Asia/Yekaterinburg", 5),
        ("Asia/Omsk", 6),
        ("Asia/Vladivostok", 10),
        ("Asia/Kamchatka", 12),
    ],
)
def test_first_release_is_the_weekday_on_or_after_start_in_family_time(
    zone: str, offset: int
) -> None:
    e = enrollment(date(2026, 11, 23), 0, time(18, 0))  # a Monday
    first = programmes.next_release_at(e, zone, NOW)
    assert first == datetime(2026, 11, 23, 18 - offset, 0, tzinfo=UTC)
    third = release_schedule.release_at(date(2026, 11, 23), 0, time(18, 0), zone, 3)
    assert third == first + timedelta(days=14)


def test_around_midnight_the_local_day_counts() -> None:
    # 00:30 Monday in Vladivostok is Sunday 14:30 UTC: the UTC date is the day before.
    e = enrollment(date(2026, 11, 22), 0, time(0, 30))
    assert programmes.next_release_at(e, "Asia/Vladivostok", NOW) == datetime(
        2026, 11, 22, 14, 30, tzinfo=UTC
    )
    # Released just now: that slot still counts; a second later the next week is next.
    moment = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
    assert programmes.next_release_at(e, "Asia/Vladivostok", moment) == moment
    later = moment + timedelta(seconds=1)
    assert programmes.next_release_at(e, "Asia/Vladivostok", later) == moment + timedelta(days=7)
    # 23:30 Sunday in Kaliningrad is 21:30 UTC the same day.
    e = enrollment(date(2026, 11, 22), 6, time(23, 30))
    assert programmes.next_release_at(e, "Europe/Kaliningrad", NOW) == datetime(
        2026, 11, 22, 21, 30, tzinfo=UTC
    )


def test_start_on_a_later_weekday_waits_for_next_week() -> None:
    e = enrollment(date(2026, 11, 24), 0, time(18, 0))  # Tuesday start, Monday releases
    assert programmes.next_release_at(e, "Europe/Moscow", NOW) == datetime(
        2026, 11, 30, 15, 0, tzinfo=UTC
    )


def test_paused_or_stopped_release_nothing() -> None:
    for status in ("paused", "stopped", "completed"):
        e = enrollment(date(2026, 11, 23), 0, time(18, 0), status)
        assert programmes.next_release_at(e, "Europe/Moscow", NOW) is None


# --- the services ----------------------------------------------------------------------------


async def test_enrol_validates_and_allows_one_current_enrollment(
    session: AsyncSession, known: dict
) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    family_id = await family(session, boss)
    code = next(iter(known))
    kwargs = {"now": NOW, "known_programmes": known}
    with pytest.raises(DomainError) as error:
        await programmes.enrol(
            session, boss, family_id, "nope", start_date=date(2026, 11, 23), **kwargs
        )
    assert error.value.code == "programme_unknown"
    with pytest.raises(DomainError) as error:
        await programmes.enrol(
            session, boss, family_id, code, start_date=date(2026, 11, 21), **kwargs
        )
    assert error.value.code == "programme_start_past"
    for bad in (0, 7):
        with pytest.raises(DomainError) as error:
            await programmes.enrol(
                session,
                boss,
                family_id,
                code,
                start_date=date(2026, 11, 23),
                due_days=bad,
                **kwargs,
            )
        assert error.value.code == "programme_due_days"
    # Today in the family's calendar is fine.
    e = await programmes.enrol(
        session, boss, family_id, code, start_date=date(2026, 11, 22), **kwargs
    )
    assert e.status == EnrollmentStatus.ACTIVE
    assert e.next_release_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with pytest.raises(DomainError) as error:
        await programmes.enrol(
            session, boss, family_id, code, start_date=date(2026, 11, 23), **kwargs
        )
    assert error.value.code == "programme_already_enrolled"
    assert await session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "programme.enrol")) == 1  # fmt: skip


async def test_closed_family_cannot_be_enrolled(session: AsyncSession, known: dict) -> None:
    from bot.db.models import CloseReason

    boss = await person(session, 1, Role.COORDINATOR)
    family_id = await family(session, boss)
    await families.close_family(session, boss, family_id, CloseReason.MOVED, None, NOW)
    with pytest.raises(DomainError) as error:
        await programmes.enrol(
            session, boss, family_id, next(iter(known)), start_date=date(2026, 11, 23),
            now=NOW, known_programmes=known,
        )  # fmt: skip
    assert error.value.code == "family_closed"


async def test_pause_resume_stop_and_progress(session: AsyncSession, known: dict) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    family_id = await family(session, boss)
    code = next(iter(known))
    e = await programmes.enrol(
        session, boss, family_id, code, start_date=date(2026, 11, 23), now=NOW,
        known_programmes=known,
    )  # fmt: skip
    session.add(
        HomeworkWeek(
            enrollment_id=e.id, week_number=1, released_at=NOW, due_at=NOW, late_until=NOW,
            done_at=NOW, rating=8, late=True,
        )
    )  # fmt: skip
    await session.flush()
    p = await programmes.progress(session, boss, family_id, NOW, known)
    assert (p.current_week, p.total_weeks) == (1, known[code].length)  # type: ignore[attr-defined]
    assert p.weeks[0].done and p.weeks[0].late and p.weeks[0].rating == 8
    assert p.next_release_local is not None and p.next_release_local.hour == 18
    assert await programmes.pause(session, boss, family_id, NOW)
    assert not await programmes.pause(session, boss, family_id, NOW)  # a second tap
    assert e.next_release_at is None
    p = await programmes.progress(session, boss, family_id, NOW, known)
    assert p.next_release_local is None
    later = NOW + timedelta(days=10)
    assert await programmes.resume(session, boss, family_id, later)
    assert e.next_release_at is not None and e.next_release_at >= later
    assert await programmes.stop(session, boss, family_id, later)
    assert not await programmes.stop(session, boss, family_id, later)
    assert e.status == EnrollmentStatus.STOPPED
    # A stopped programme frees the family for a new one.
    await programmes.enrol(
        session, boss, family_id, code, start_date=date(2026, 12, 7), now=later,
        known_programmes=known,
    )  # fmt: skip


async def test_access_mentor_curator_parent(session: AsyncSession, known: dict) -> None:
    boss = await person(session, 1, Role.COORDINATOR)
    mentor = await person(session, 2, Role.MENTOR)
    other = await person(session, 3, Role.MENTOR)
    curator = await person(session, 4, Role.COORDINATOR)
    parent = await person(session, 5, Role.PARENT)
    family_id = await family(session, boss)
    await families_repo.link(session, family_id, mentor.person_id, FamilyLinkKind.MENTOR, NOW)
    await families_repo.link(session, family_id, parent.person_id, FamilyLinkKind.PARENT, NOW)
    curator_only = Actor(curator.person_id, curator.telegram_id, frozenset({Role.MENTOR.value}))
    await families_repo.link(session, family_id, curator.person_id, FamilyLinkKind.CURATOR, NOW)
    assert await is_allowed(session, boss, Action.PROGRAMME_MANAGE, family_id)
    assert await is_allowed(session, mentor, Action.PROGRAMME_MANAGE, family_id)
    assert not await is_allowed(session, other, Action.PROGRAMME_VIEW, family_id)
    assert not await is_allowed(session, parent, Action.PROGRAMME_VIEW, family_id)
    assert await is_allowed(session, curator_only, Action.PROGRAMME_VIEW, family_id)
    assert not await is_allowed(session, curator_only, Action.PROGRAMME_MANAGE, family_id)
    code = next(iter(known))
    with pytest.raises(AccessDenied):
        await programmes.enrol(
            session, other, family_id, code, start_date=date(2026, 11, 23), now=NOW,
            known_programmes=known,
        )  # fmt: skip
    await programmes.enrol(
        session, mentor, family_id, code, start_date=date(2026, 11, 23), now=NOW,
        known_programmes=known,
    )  # fmt: skip
    for change in (programmes.pause, programmes.stop):
        with pytest.raises(AccessDenied):
            await change(session, other, family_id, NOW)
    with pytest.raises(AccessDenied):
        await programmes.progress(session, parent, family_id, NOW, known)
