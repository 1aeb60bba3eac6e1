"""Weekly homework at the service level: release, answers, two parents, reminders, snooze, the
mentors' digest, review and feedback, and the entry/exit questionnaire."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.content.programmes import Programme, Questionnaire
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    AnswerKind,
    AuditEntry,
    CloseReason,
    EnrollmentStatus,
    FamilyLinkKind,
    HomeworkFeedback,
    HomeworkWeek,
    OutboxMessage,
    OutboxStatus,
    QuestionnairePhase,
    Role,
)
from bot.db.repositories import families as families_repo
from bot.scheduler import jobs
from bot.services import families, homework, homework_review, programmes, questionnaire
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from tests.unit.homework_world import (
    CODE,
    DAY,
    DUE,
    DUE_DAYS,
    HOUR,
    NOW,
    SLOT,
    WEEK,
    World,
    all_answers,
    answer,
    complete,
    known,
    outbox_rows,
    person,
    release,
    survey,
    week_one,
    weeks_of,
    world,
)

__all__ = ["known", "survey"]  # module fixtures, from homework_world


async def audited(session: AsyncSession, action: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        )
        or 0
    )


async def raises(code: str, call: object) -> None:
    with pytest.raises(DomainError) as error:
        await call  # type: ignore[misc]
    assert error.value.code == code


# --- release ---------------------------------------------------------------------------------


async def test_week_one_is_released_at_its_slot(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    assert w.enrollment.next_release_at == SLOT
    assert (await release(session, known, SLOT - timedelta(seconds=1))).weeks == 0
    result = await release(session, known, SLOT)
    assert (result.weeks, result.finished, result.messages) == (1, 0, 2)
    [week] = await weeks_of(session, w)
    assert week.week_number == 1
    assert week.due_at == SLOT + timedelta(days=DUE_DAYS)
    # Late answers are taken until the next week's release plus one day.
    assert week.late_until == SLOT + WEEK + DAY
    assert w.enrollment.next_release_at == SLOT + WEEK
    rows = await outbox_rows(session, homework.WEEK_PURPOSE)
    assert sorted(r.person_id for r in rows) == sorted(p.person_id for p in w.parents)
    assert all(r.family_facing and r.kind == homework.WEEK_KIND for r in rows)
    assert rows[0].params == {
        "programme": CODE,
        "week": 1,
        "total": known[CODE].length,
        "week_id": week.id,
        "due": "26.11.2026 18:00",
    }
    # The same moment again releases nothing; the next slot releases week 2.
    assert (await release(session, known, SLOT + HOUR)).weeks == 0
    assert (await release(session, known, SLOT + WEEK)).weeks == 1
    second = (await weeks_of(session, w))[1]
    assert second.week_number == 2
    assert second.due_at == SLOT + WEEK + timedelta(days=DUE_DAYS)
    assert w.enrollment.next_release_at == SLOT + 2 * WEEK
    assert len(await outbox_rows(session, homework.WEEK_PURPOSE)) == 4


async def test_a_late_run_releases_one_week_and_skips_to_the_next_slot(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    late = SLOT + timedelta(days=15)  # the bot was down for two slots
    result = await release(session, known, late)
    assert result.weeks == 1
    assert [wk.week_number for wk in await weeks_of(session, w)] == [1]
    assert w.enrollment.next_release_at == SLOT + 3 * WEEK
    assert (await release(session, known, late + HOUR)).weeks == 0
    assert (await release(session, known, SLOT + 3 * WEEK)).weeks == 1
    assert [wk.week_number for wk in await weeks_of(session, w)] == [1, 2]


async def test_a_week_released_late_can_still_be_answered(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    late = SLOT + timedelta(days=15)
    await release(session, known, late)
    [week] = await weeks_of(session, w)
    # "Answers sent late are accepted until the next week's release plus one day."
    assert w.enrollment.next_release_at is not None
    assert week.late_until >= w.enrollment.next_release_at + homework.LATE_GRACE
    # The family gets its full days before the due time, counted from the late release.
    assert week.due_at == late + timedelta(days=DUE_DAYS)
    assert await answer(session, w.parents[0], week.id, late + HOUR) is False


async def test_a_release_within_the_hour_keeps_the_grid_times(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await release(session, known, SLOT + homework.ON_TIME)  # the usual scheduler lag
    [week] = await weeks_of(session, w)
    assert (week.due_at, week.late_until) == (SLOT + timedelta(days=DUE_DAYS), SLOT + WEEK + DAY)
    assert w.enrollment.next_release_at == SLOT + WEEK


async def test_pause_releases_nothing_and_resume_waits_for_the_next_slot(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await release(session, known, SLOT)
    assert await programmes.pause(session, w.boss, w.family_id, SLOT + DAY)
    assert w.enrollment.next_release_at is None
    assert (await release(session, known, SLOT + WEEK)).weeks == 0
    assert (await release(session, known, SLOT + 3 * WEEK)).weeks == 0
    resumed_at = SLOT + 3 * WEEK + 2 * DAY  # a Wednesday
    assert await programmes.resume(session, w.boss, w.family_id, resumed_at)
    assert w.enrollment.next_release_at == SLOT + 4 * WEEK
    assert (await release(session, known, resumed_at + HOUR)).weeks == 0
    assert (await release(session, known, SLOT + 4 * WEEK)).weeks == 1
    assert [wk.week_number for wk in await weeks_of(session, w)] == [1, 2]


async def test_the_slot_after_the_last_week_completes_and_invites_to_the_exit_questionnaire(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    length = known[CODE].length
    for n in range(length):
        assert (await release(session, known, SLOT + n * WEEK)).weeks == 1
    assert w.enrollment.status == EnrollmentStatus.ACTIVE
    assert await outbox_rows(session, homework.INVITE_PURPOSE) != []  # the entry ones
    entry_invites = len(await outbox_rows(session, homework.INVITE_PURPOSE))
    result = await release(session, known, SLOT + length * WEEK)
    assert (result.weeks, result.finished, result.messages) == (0, 1, 2)
    assert w.enrollment.status == EnrollmentStatus.COMPLETED
    assert w.enrollment.completed_at == SLOT + length * WEEK
    assert w.enrollment.next_release_at is None
    invites = (await outbox_rows(session, homework.INVITE_PURPOSE))[entry_invites:]
    assert sorted(r.person_id for r in invites) == sorted(p.person_id for p in w.parents)
    assert {r.params["phase"] for r in invites} == {"exit"}
    assert {r.params["enrollment_id"] for r in invites} == {w.enrollment.id}
    assert (await release(session, known, SLOT + (length + 1) * WEEK)).finished == 0
    assert len(await weeks_of(session, w)) == length


async def test_a_closed_family_is_stopped_not_released(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    family = await families_repo.by_id(session, w.family_id)
    assert family is not None
    family.closed_at = NOW  # closed by a path that left the enrollment running
    result = await release(session, known, SLOT)
    assert (result.weeks, result.messages) == (0, 0)
    assert w.enrollment.status == EnrollmentStatus.STOPPED
    assert w.enrollment.next_release_at is None
    assert await weeks_of(session, w) == []
    # Closing the case the usual way stops the programme at once.
    other = await world(session, known)
    await families.close_family(session, other.boss, other.family_id, CloseReason.MOVED, None, NOW)
    await session.refresh(other.enrollment)
    assert other.enrollment.status == EnrollmentStatus.STOPPED
    assert (await release(session, known, SLOT)).weeks == 0


async def test_one_run_releases_everything_due_past_closed_families(
    session: AsyncSession,
    engine: AsyncEngine,
    settings: Settings,
    known: dict[str, Programme],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The release job goes on batch after batch until nothing is due."""
    closed = await world(session, known)  # first in the release order
    open_ones = [await world(session, known) for _ in range(2)]
    family = await families_repo.by_id(session, closed.family_id)
    assert family is not None
    family.closed_at = NOW
    await session.commit()
    # Batches of two instead of 500, so three families make more than one batch.
    batch = homework.release_due
    monkeypatch.setattr(homework, "RELEASE_BATCH", 2)
    monkeypatch.setattr(homework, "release_due", lambda s, now, p: batch(s, now, p, limit=2))
    queued = await jobs.homework_release(known)(
        create_sessionmaker(engine), ManualClock(SLOT), settings
    )
    assert queued > 0
    await session.refresh(closed.enrollment)
    assert closed.enrollment.status == EnrollmentStatus.STOPPED
    for w in open_ones:
        assert len(await weeks_of(session, w)) == 1


# --- answers ---------------------------------------------------------------------------------


async def test_answers_are_late_after_due_and_refused_after_late_until(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    week = await week_one(session, known, w)
    parent = w.parents[0]
    assert await answer(session, parent, week.id, SLOT + HOUR) is False
    assert await answer(session, parent, week.id, week.due_at + timedelta(seconds=1)) is True
    assert await answer(session, parent, week.id, week.late_until) is True  # the last moment
    view = await homework.parent_week(session, parent, week.id, week.due_at + HOUR, known)
    assert view.state is homework.WeekState.OPEN and view.late_now
    assert view.answer_kinds == ["text", "text", "text"]
    after = week.late_until + timedelta(seconds=1)
    await raises("homework_closed", answer(session, parent, week.id, after))
    await raises("homework_closed", homework.hand_in(session, parent, week.id, after))
    view = await homework.parent_week(session, parent, week.id, after, known)
    assert view.state is homework.WeekState.CLOSED


async def test_empty_answers_are_refused(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    week = await week_one(session, known, w)
    parent = w.parents[0]
    await raises("homework_empty", answer(session, parent, week.id, SLOT + HOUR, text="  \n"))
    await raises(
        "homework_empty",
        homework.add_answer(
            session, parent, week.id, kind=AnswerKind.PHOTO, text=None, file_id=None,
            message_id=1, now=SLOT + HOUR,
        ),
    )  # fmt: skip
    stored = await homework.add_answer(
        session, parent, week.id, kind=AnswerKind.VOICE, text=None, file_id="voice-1",
        message_id=2, now=SLOT + HOUR,
    )  # fmt: skip
    assert stored.late is False


async def test_hand_in_rate_and_comment(session: AsyncSession, known: dict[str, Programme]) -> None:
    w = await world(session, known)
    week = await week_one(session, known, w)
    parent = w.parents[0]
    at = SLOT + HOUR
    await raises("homework_empty", homework.hand_in(session, parent, week.id, at))
    await raises("homework_not_done", homework.rate(session, parent, week.id, 7, at))
    await answer(session, parent, week.id, at)
    assert await homework.hand_in(session, parent, week.id, at) is homework.HandInOutcome.DONE
    assert (week.done_at, week.done_by_id, week.late) == (at, parent.person_id, False)
    assert await homework.hand_in(session, parent, week.id, at) is homework.HandInOutcome.ALREADY
    await raises("homework_done", answer(session, parent, week.id, at))
    # The one parent of the family is not told about their own hand-in.
    assert await outbox_rows(session, homework.DONE_PURPOSE) == []
    await raises("homework_not_rated", homework.add_comment(session, parent, week.id, "ok", at))
    for wrong in (0, 11):
        await raises("homework_rating", homework.rate(session, parent, week.id, wrong, at))
    assert await homework.rate(session, parent, week.id, 1, at) is True
    assert await homework.rate(session, parent, week.id, 10, at) is False  # the first one stays
    assert week.rating == 1
    await raises("homework_empty", homework.add_comment(session, parent, week.id, "   ", at))
    too_long = "я" * (homework.COMMENT_MAX_CHARS + 1)
    await raises(
        "homework_comment_long", homework.add_comment(session, parent, week.id, too_long, at)
    )
    longest = "я" * homework.COMMENT_MAX_CHARS
    assert await homework.add_comment(session, parent, week.id, f"  {longest} ", at) is True
    assert await homework.add_comment(session, parent, week.id, "ещё", at) is False
    assert week.rating_comment == longest
    view = await homework.parent_week(session, parent, week.id, at, known)
    assert (view.state, view.rated, view.commented, view.done_by_me) == (
        homework.WeekState.DONE, True, True, True,
    )  # fmt: skip


async def test_a_hand_in_after_the_due_time_is_late(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    week = await week_one(session, known, w)
    await answer(session, w.parents[0], week.id, SLOT + HOUR)
    await homework.hand_in(session, w.parents[0], week.id, week.due_at + HOUR)
    assert week.late is True


async def test_only_the_family_parents_answer(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    mentor = await person(session, Role.MENTOR)
    w = await world(session, known, mentors=[mentor])
    stranger = (await world(session, known)).parents[0]
    week = await week_one(session, known, w)
    for someone in (mentor, stranger, w.boss):
        with pytest.raises(AccessDenied):
            await answer(session, someone, week.id, SLOT + HOUR)
        with pytest.raises(AccessDenied):
            await homework.hand_in(session, someone, week.id, SLOT + HOUR)


async def test_two_parents_share_one_week(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    mum, dad = w.parents
    week = await week_one(session, known, w)
    at = SLOT + HOUR
    await answer(session, mum, week.id, at)
    await homework.add_answer(
        session, dad, week.id, kind=AnswerKind.VOICE, text=None, file_id="v1", message_id=5,
        now=at,
    )  # fmt: skip
    assert await homework.hand_in(session, dad, week.id, at) is homework.HandInOutcome.DONE
    assert await homework.hand_in(session, mum, week.id, at) is homework.HandInOutcome.ALREADY
    await raises("homework_done", answer(session, mum, week.id, at))
    done = await outbox_rows(session, homework.DONE_PURPOSE)
    assert [r.person_id for r in done] == [mum.person_id]
    assert done[0].params == {"programme": CODE, "week": 1}
    mums = await homework.parent_week(session, mum, week.id, at, known)
    dads = await homework.parent_week(session, dad, week.id, at, known)
    assert mums.state is dads.state is homework.WeekState.DONE
    assert (mums.done_by_me, dads.done_by_me) == (False, True)
    assert mums.answer_kinds == ["text", "voice"]


# --- reminders -------------------------------------------------------------------------------


def occurrences(rows: list[OutboxMessage]) -> list[str]:
    return [r.dedup_key.rsplit(":", 1)[1] for r in rows]


async def test_reminders_at_the_due_time_and_two_days_later(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    week = await week_one(session, known, w)
    assert await homework.enqueue_reminders(session, DUE - timedelta(seconds=1)) == 0
    assert await homework.enqueue_reminders(session, DUE) == 2
    assert await homework.enqueue_reminders(session, DUE) == 0  # a re-run adds nothing
    assert await homework.enqueue_reminders(session, DUE + DAY) == 0
    assert await homework.enqueue_reminders(session, DUE + 2 * DAY) == 2
    assert await homework.enqueue_reminders(session, DUE + 2 * DAY + HOUR) == 0
    rows = await outbox_rows(session, homework.REMINDER_PURPOSE)
    assert occurrences(rows) == ["r1", "r1", "r2", "r2"]
    assert [r.params["second"] for r in rows] == [False, False, True, True]
    assert {r.params["week_id"] for r in rows} == {week.id}
    assert all(r.family_facing for r in rows)


async def test_only_the_second_reminder_when_the_first_run_is_that_late(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    await week_one(session, known, w)
    assert await homework.enqueue_reminders(session, DUE + 2 * DAY + HOUR) == 1
    assert occurrences(await outbox_rows(session, homework.REMINDER_PURPOSE)) == ["r2"]
    assert await homework.enqueue_reminders(session, DUE + 3 * DAY) == 0


async def test_no_reminders_after_done_and_queued_ones_are_cancelled(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    parent = w.parents[0]
    week = await week_one(session, known, w)
    assert await homework.enqueue_reminders(session, DUE) == 1
    assert await homework.snooze(session, parent, week.id, DUE) is homework.SnoozeOutcome.SCHEDULED
    await answer(session, parent, week.id, DUE + HOUR)
    await homework.hand_in(session, parent, week.id, DUE + HOUR)
    queued = await outbox_rows(session, homework.REMINDER_PURPOSE)
    queued += await outbox_rows(session, homework.SNOOZE_PURPOSE)
    assert [r.status for r in queued] == [OutboxStatus.CANCELLED] * 2
    assert await homework.enqueue_reminders(session, DUE + 2 * DAY) == 0


@pytest.mark.parametrize(
    ("first_run", "expected"),
    [(SLOT + WEEK - timedelta(seconds=1), 1), (SLOT + WEEK, 0), (SLOT + WEEK + 2 * DAY, 0)],
)
async def test_no_reminders_once_the_next_week_is_out(
    session: AsyncSession, known: dict[str, Programme], first_run: datetime, expected: int
) -> None:
    w = await world(session, known)
    await week_one(session, known, w)
    await release(session, known, first_run)  # week 2 is out from SLOT + WEEK
    assert await homework.enqueue_reminders(session, first_run) == expected


async def test_no_reminders_for_paused_or_stopped_programmes(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    paused = await world(session, known)
    stopped = await world(session, known)
    await release(session, known, SLOT)
    assert await programmes.pause(session, paused.boss, paused.family_id, SLOT + HOUR)
    assert await programmes.stop(session, stopped.boss, stopped.family_id, SLOT + HOUR)
    assert await homework.enqueue_reminders(session, DUE) == 0
    assert await homework.enqueue_reminders(session, DUE + 2 * DAY) == 0
    assert await outbox_rows(session, homework.REMINDER_PURPOSE) == []


async def test_pausing_cancels_queued_reminders(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known)
    week = await week_one(session, known, w)
    assert await homework.enqueue_reminders(session, DUE) == 1
    assert await homework.snooze(session, w.parents[0], week.id, DUE + HOUR) is (
        homework.SnoozeOutcome.SCHEDULED
    )
    assert await programmes.pause(session, w.boss, w.family_id, DUE + 2 * HOUR)
    queued = await outbox_rows(session, homework.REMINDER_PURPOSE)
    queued += await outbox_rows(session, homework.SNOOZE_PURPOSE)
    assert len(queued) == 2
    assert {r.status for r in queued} == {OutboxStatus.CANCELLED.value}


async def test_snooze_once_a_day_and_not_after_done(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w = await world(session, known, parents=2)
    other = await world(session, known)
    mum, dad = w.parents
    week = await week_one(session, known, w)
    other_week = (await weeks_of(session, other))[0]
    at = DUE + HOUR
    assert await homework.snooze(session, mum, week.id, at) is homework.SnoozeOutcome.SCHEDULED
    assert await homework.snooze(session, mum, week.id, at + HOUR) is homework.SnoozeOutcome.ALREADY
    assert await homework.snooze(session, dad, week.id, at) is homework.SnoozeOutcome.SCHEDULED
    assert (
        await homework.snooze(session, mum, week.id, at + DAY) is homework.SnoozeOutcome.SCHEDULED
    )
    rows = await outbox_rows(session, homework.SNOOZE_PURPOSE, person_id=mum.person_id)
    assert [r.due_at for r in rows] == [at + DAY, at + 2 * DAY]
    assert all(r.kind == homework.REMINDER_KIND for r in rows)
    await answer(session, dad, week.id, at + DAY)
    await homework.hand_in(session, dad, week.id, at + DAY)
    later = at + 2 * DAY
    assert await homework.snooze(session, mum, week.id, later) is homework.SnoozeOutcome.NOT_NEEDED
    closed = other_week.late_until + HOUR
    assert (
        await homework.snooze(session, other.parents[0], other_week.id, closed)
        is homework.SnoozeOutcome.NOT_NEEDED
    )


# --- the mentors' digest ---------------------------------------------------------------------


async def hand_in_week_one(session: AsyncSession, w: World, at: datetime) -> HomeworkWeek:
    week = (await weeks_of(session, w))[0]
    await answer(session, w.parents[0], week.id, at)
    assert await homework.hand_in(session, w.parents[0], week.id, at) is homework.HandInOutcome.DONE
    return week


async def test_digest_one_per_mentor_per_period(
    session: AsyncSession, known: dict[str, Programme], settings: Settings
) -> None:
    assert settings.homework_digest_minutes == 60
    anna = await person(session, Role.MENTOR)
    boris, vera = await person(session, Role.MENTOR), await person(session, Role.MENTOR)
    first = await world(session, known, mentors=[anna], name="Ивановы")
    second = await world(session, known, mentors=[anna], name="Петровы")
    both = await world(session, known, mentors=[boris, vera], name="Сидоровы")
    nobody = await world(session, known, name="Кузнецовы")
    latecomer = await world(session, known, mentors=[anna], name="Орловы")
    await release(session, known, SLOT)
    weeks = {}
    for w in (first, second, both, nobody):
        weeks[w.family_id] = await hand_in_week_one(session, w, SLOT + timedelta(minutes=10))
    # Handed in after the next period began: it waits for the period after.
    late_week = await hand_in_week_one(session, latecomer, SLOT + timedelta(minutes=62))

    assert (
        await homework_review.enqueue_digests(session, SLOT + timedelta(minutes=65), settings) == 3
    )
    rows = await outbox_rows(session, homework_review.DIGEST_PURPOSE)
    by_mentor = {r.person_id: r for r in rows}
    assert set(by_mentor) == {anna.person_id, boris.person_id, vera.person_id}
    annas = by_mentor[anna.person_id].params
    assert [i["family"] for i in annas["items"]] == ["Ивановы", "Петровы"]
    assert [i["week_id"] for i in annas["items"]] == [
        weeks[first.family_id].id,
        weeks[second.family_id].id,
    ]
    assert annas["more"] == 0
    for mentor in (boris, vera):
        items = by_mentor[mentor.person_id].params["items"]
        assert [i["family"] for i in items] == ["Сидоровы"]
    assert all(r.family_facing for r in rows)
    for week in weeks.values():  # the family without mentors is marked digested too
        await session.refresh(week)
        assert week.digested_at == SLOT + timedelta(minutes=65)
    await session.refresh(late_week)
    assert late_week.digested_at is None

    # A re-run in the same period adds nothing.
    assert (
        await homework_review.enqueue_digests(session, SLOT + timedelta(minutes=90), settings) == 0
    )
    assert len(await outbox_rows(session, homework_review.DIGEST_PURPOSE)) == 3
    # The next period carries the late hand-in.
    assert (
        await homework_review.enqueue_digests(session, SLOT + timedelta(minutes=125), settings) == 1
    )
    newest = (await outbox_rows(session, homework_review.DIGEST_PURPOSE))[-1]
    assert newest.person_id == anna.person_id
    assert [i["family"] for i in newest.params["items"]] == ["Орловы"]
    await session.refresh(late_week)
    assert late_week.digested_at is not None


async def test_digest_counts_what_does_not_fit(
    session: AsyncSession, known: dict[str, Programme], settings: Settings
) -> None:
    anna = await person(session, Role.MENTOR)
    many = homework_review.DIGEST_MAX_ITEMS + 3
    worlds = [await world(session, known, mentors=[anna], name=f"Семья {i}") for i in range(many)]
    await release(session, known, SLOT)
    for w in worlds:
        await hand_in_week_one(session, w, SLOT + timedelta(minutes=5))
    assert await homework_review.enqueue_digests(session, SLOT + 2 * HOUR, settings) == 1
    [row] = await outbox_rows(session, homework_review.DIGEST_PURPOSE)
    assert len(row.params["items"]) == homework_review.DIGEST_MAX_ITEMS
    assert row.params["more"] == 3


# --- review, copies, feedback ----------------------------------------------------------------


async def reviewed_world(
    session: AsyncSession, known: dict[str, Programme]
) -> tuple[World, HomeworkWeek, dict[str, Actor]]:
    mentor = await person(session, Role.MENTOR)
    w = await world(session, known, parents=2, mentors=[mentor])
    curator = await person(session, Role.MENTOR)  # a mentor by role, this family's curator
    await families_repo.link(session, w.family_id, curator.person_id, FamilyLinkKind.CURATOR, NOW)
    other_mentor = await person(session, Role.MENTOR)
    await world(session, known, mentors=[other_mentor])
    week_row = await week_one(session, known, w)
    at = SLOT + HOUR
    await answer(session, w.parents[0], week_row.id, at, text="Обсудили <вечером> & всё")
    await homework.add_answer(
        session, w.parents[1], week_row.id, kind=AnswerKind.PHOTO, text=None, file_id="ph-1",
        message_id=7, now=at,
    )  # fmt: skip
    await homework.add_answer(
        session, w.parents[1], week_row.id, kind=AnswerKind.VOICE, text=None, file_id="vo-1",
        message_id=8, now=at,
    )  # fmt: skip
    await homework.hand_in(session, w.parents[0], week_row.id, at)
    people = {
        "mentor": mentor,
        "curator": curator,
        "coordinator": w.boss,
        "other_mentor": other_mentor,
        "parent": w.parents[0],
    }
    return w, week_row, people


async def test_review_and_copies_for_the_family_staff_only(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w, week, people = await reviewed_world(session, known)
    at = SLOT + 2 * HOUR
    for role in ("mentor", "curator", "coordinator"):
        seen = await homework_review.review(session, people[role], week.id, at)
        assert (seen.week_id, seen.family_id, seen.week_number) == (week.id, w.family_id, 1)
        assert [a.kind for a in seen.answers] == ["text", "photo", "voice"]
        assert seen.answers[0].text == "Обсудили <вечером> & всё"
        assert seen.answers[0].author_name == f"P{w.parents[0].telegram_id}"
        assert seen.media_count == 2
    assert await audited(session, "homework.view") == 3
    for role in ("other_mentor", "parent"):
        with pytest.raises(AccessDenied):
            await homework_review.review(session, people[role], week.id, at)
        with pytest.raises(AccessDenied):
            await homework_review.send_copies(session, people[role], week.id, at)
        with pytest.raises(AccessDenied):
            await homework_review.give_feedback(session, people[role], week.id, "x", "k", at)
    assert await audited(session, "homework.view") == 3
    mentor = people["mentor"]
    assert await homework_review.send_copies(session, mentor, week.id, at) == 2
    # Each opening sends its own copies.
    assert await homework_review.send_copies(session, mentor, week.id, at) == 2
    copies = await outbox_rows(session, homework_review.COPY_PURPOSE)
    assert {r.person_id for r in copies} == {mentor.person_id}
    assert [r.params["file_id"] for r in copies] == ["ph-1", "vo-1", "ph-1", "vo-1"]
    assert [(r.params["index"], r.params["count"]) for r in copies[:2]] == [(1, 2), (2, 2)]


async def test_feedback_once_per_draft_to_every_parent(
    session: AsyncSession, known: dict[str, Programme]
) -> None:
    w, week, people = await reviewed_world(session, known)
    mentor = people["mentor"]
    at = SLOT + 2 * HOUR
    await raises(
        "feedback_empty", homework_review.give_feedback(session, mentor, week.id, " ", "a", at)
    )
    too_long = "я" * (homework_review.FEEDBACK_MAX_CHARS + 1)
    await raises(
        "feedback_long", homework_review.give_feedback(session, mentor, week.id, too_long, "a", at)
    )
    assert await homework_review.give_feedback(session, mentor, week.id, " Молодцы! ", "d1", at)
    assert not await homework_review.give_feedback(session, mentor, week.id, "Молодцы!", "d1", at)
    stored = list(await session.scalars(select(HomeworkFeedback)))
    assert [(f.text, f.mentor_id) for f in stored] == [("Молодцы!", mentor.person_id)]
    rows = await outbox_rows(session, homework_review.FEEDBACK_PURPOSE)
    assert sorted(r.person_id for r in rows) == sorted(p.person_id for p in w.parents)
    assert rows[0].params == {"programme": CODE, "week": 1, "text": "Молодцы!"}
    assert await audited(session, "homework.feedback") == 1
    # A new draft by the curator is another reply.
    assert await homework_review.give_feedback(session, people["curator"], week.id, "Ура", "d2", at)
    assert len(await outbox_rows(session, homework_review.FEEDBACK_PURPOSE)) == 4
    seen = await homework_review.review(session, mentor, week.id, at)
    assert seen.feedback == ["Молодцы!", "Ура"]


# --- the questionnaire -----------------------------------------------------------------------


async def test_entry_then_exit_questionnaire(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    mentor = await person(session, Role.MENTOR)
    w = await world(session, known, parents=2, mentors=[mentor])
    mum, dad = w.parents
    entry, exit_ = QuestionnairePhase.ENTRY, QuestionnairePhase.EXIT
    eid = w.enrollment.id
    assert await questionnaire.check_open(session, mum, eid, entry) is True
    await raises("questionnaire_closed", questionnaire.check_open(session, mum, eid, exit_))
    with pytest.raises(AccessDenied):
        await questionnaire.check_open(session, mentor, eid, entry)
    good = all_answers(survey, 2)
    codes = list(good)
    for wrong in (
        {c: 2 for c in codes[:-1]},  # one statement missing
        {**good, "extra": 3},
        {**good, codes[0]: 6},
        {**good, codes[0]: 0},
    ):
        await raises(
            "questionnaire_incomplete",
            questionnaire.save(session, mum, eid, entry, wrong, NOW, survey),
        )
    saved = await questionnaire.save(session, mum, eid, entry, good, NOW, survey)
    assert saved == questionnaire.Saved(True, 2 * len(codes))
    assert w.enrollment.entry_total == 2 * len(codes)
    again = await questionnaire.save(session, dad, eid, entry, all_answers(survey, 5), NOW, survey)
    assert again == questionnaire.Saved(False, None)
    assert w.enrollment.entry_total == 2 * len(codes)
    assert await questionnaire.check_open(session, dad, eid, entry) is False
    assert await questionnaire.due_phase(session, w.enrollment) is None
    assert w.enrollment.positive_dynamics is None  # no exit total yet

    await complete(session, known, w)
    await raises("questionnaire_closed", questionnaire.check_open(session, mum, eid, entry))
    assert await questionnaire.due_phase(session, w.enrollment) is exit_
    assert await questionnaire.check_open(session, dad, eid, exit_) is True
    saved = await questionnaire.save(session, dad, eid, exit_, all_answers(survey, 4), NOW, survey)
    assert saved == questionnaire.Saved(True, 4 * len(codes))
    assert (w.enrollment.entry_total, w.enrollment.exit_total) == (2 * len(codes), 4 * len(codes))
    assert w.enrollment.positive_dynamics is True
    w.enrollment.exit_total = w.enrollment.entry_total  # no change is not a positive result
    assert w.enrollment.positive_dynamics is False


async def test_entry_questionnaire_while_paused_and_none_once_stopped(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    paused = await world(session, known)
    assert await programmes.pause(session, paused.boss, paused.family_id, NOW)
    parent, eid = paused.parents[0], paused.enrollment.id
    assert await questionnaire.check_open(session, parent, eid, QuestionnairePhase.ENTRY)
    assert await questionnaire.due_phase(session, paused.enrollment) is QuestionnairePhase.ENTRY
    assert await programmes.stop(session, paused.boss, paused.family_id, NOW)
    for phase in QuestionnairePhase:
        await raises("questionnaire_closed", questionnaire.check_open(session, parent, eid, phase))
    assert await questionnaire.due_phase(session, paused.enrollment) is None


async def test_set_result_by_a_coordinator_with_a_note(
    session: AsyncSession, known: dict[str, Programme], survey: Questionnaire
) -> None:
    mentor = await person(session, Role.MENTOR)
    w = await world(session, known, mentors=[mentor])
    w.enrollment.entry_total, w.enrollment.exit_total = 20, 18
    for someone in (mentor, w.parents[0]):
        with pytest.raises(AccessDenied):
            await questionnaire.set_result(session, someone, w.family_id, True, "note", NOW)
    await raises(
        "programme_result_note",
        questionnaire.set_result(session, w.boss, w.family_id, True, "   ", NOW),
    )
    await raises(
        "programme_result_note_long",
        questionnaire.set_result(
            session, w.boss, w.family_id, True, "я" * (questionnaire.NOTE_MAX_CHARS + 1), NOW
        ),
    )
    assert w.enrollment.positive_dynamics is False
    changed = await questionnaire.set_result(
        session, w.boss, w.family_id, True, " Семья справилась ", NOW
    )
    assert changed.id == w.enrollment.id
    assert (w.enrollment.positive_override, w.enrollment.override_note) == (
        True, "Семья справилась",
    )  # fmt: skip
    assert w.enrollment.override_by_id == w.boss.person_id
    assert w.enrollment.positive_dynamics is True
    await questionnaire.set_result(session, w.boss, w.family_id, None, None, NOW)
    assert (w.enrollment.positive_override, w.enrollment.override_note) == (None, None)
    assert w.enrollment.positive_dynamics is False  # back to the totals
    assert await audited(session, "programme.result") == 2
