"""Correcting who came after a network meeting was marked held: the newly ticked get the SRS
survey once, the un-ticked lose what of theirs is not sent yet, an answer already given stays,
and only who may manage meetings can do it, on a held meeting only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, Meeting, OutboxMessage, OutboxStatus, Role
from bot.dialogs.meetings.board import srs_summary_text
from bot.services import meetings, srs
from bot.services.errors import AccessDenied, DomainError
from tests.factories import make_person
from tests.unit.meeting_setup import GOOD, NOW, SRS, draft, held_meeting


async def _after(session: AsyncSession, meeting_id: int, hours: int = 5) -> datetime:
    meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting.starts_at + timedelta(hours=hours)


async def _surveys(session: AsyncSession, participant_id: int) -> dict[str, OutboxMessage]:
    """The participant's survey rows by occurrence ("ask", "remind"), fresh from the database."""
    found = await session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.purpose == srs.SURVEY_PURPOSE,
            OutboxMessage.object_id == participant_id,
        )
        .execution_options(populate_existing=True)
    )
    return {"remind" if row.params["reminder"] else "ask": row for row in found}


async def _attended(session: AsyncSession, meeting_id: int) -> dict[int, bool]:
    board = await meetings.board(
        session, await make_person(session, 7777, Role.COORDINATOR, now=NOW), meeting_id, NOW
    )
    return {line.participant_id: bool(line.attended) for line in board.lines}


async def test_a_newly_ticked_attendee_gets_the_survey_once(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (_came, came_id), (_also, also_id), (absent, absent_id) = guests
    meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None and meeting.held_at is not None
    first_held = meeting.held_at
    later = await _after(session, meeting_id)

    result = await srs.correct_attendance(session, boss, meeting_id, {came_id, absent_id}, later)
    assert result == srs.Correction(attended=2, added=1, removed=1, surveys=1, cancelled=2)
    theirs = await _surveys(session, absent_id)
    assert {k: r.status for k, r in theirs.items()} == {"ask": "pending", "remind": "pending"}
    assert theirs["ask"].person_id == absent.person_id
    assert theirs["ask"].due_at == later
    assert theirs["remind"].due_at == later + srs.REMIND_AFTER
    assert all(r.status == "cancelled" for r in (await _surveys(session, also_id)).values())
    assert all(r.status == "pending" for r in (await _surveys(session, came_id)).values())

    # The same save twice: nothing more is queued or cancelled.
    again = await srs.correct_attendance(session, boss, meeting_id, {came_id, absent_id}, later)
    assert again == srs.Correction(attended=2, added=0, removed=0, surveys=0, cancelled=0)
    total = await session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.purpose == srs.SURVEY_PURPOSE)
    )
    assert len(list(total)) == 6  # ask + remind for each of the three, never twice
    assert await _attended(session, meeting_id) == {
        came_id: True,
        also_id: False,
        absent_id: True,
    }
    await session.refresh(meeting)
    assert meeting.held_at == first_held and meeting.status == "held"

    audits = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "meeting.attendance_corrected")
        )
    )
    assert len(audits) == 2 and audits[0].object_id == meeting_id
    assert audits[0].details == {
        "attended": 2,
        "added": 1,
        "removed": 1,
        "surveys": 1,
        "cancelled": 2,
    }  # counts only, no names


async def test_unticking_cancels_only_what_is_not_sent(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (_came, came_id), (_also, also_id), _absent = guests
    sent = (await _surveys(session, came_id))["ask"]
    sent.status = OutboxStatus.SENT.value
    await session.flush()
    later = await _after(session, meeting_id)

    result = await srs.correct_attendance(session, boss, meeting_id, {also_id}, later)
    assert (result.removed, result.cancelled, result.surveys) == (1, 1, 0)
    theirs = await _surveys(session, came_id)
    assert theirs["ask"].status == "sent"  # already out: left as it is
    assert theirs["remind"].status == "cancelled"  # never sent now
    with pytest.raises(DomainError) as caught:  # the survey they got no longer opens
        await srs.submit(session, _came, came_id, GOOD, None, later, SRS)
    assert caught.value.code == "srs_not_open"

    # Ticked again: the cancelled reminder goes back to the queue; the sent survey stays sent.
    back = await srs.correct_attendance(session, boss, meeting_id, {came_id, also_id}, later)
    assert (back.added, back.surveys) == (1, 0)
    theirs = await _surveys(session, came_id)
    assert theirs["ask"].status == "sent" and theirs["remind"].status == "pending"
    assert theirs["remind"].due_at == later + srs.REMIND_AFTER


async def test_unticked_then_ticked_again_gets_the_survey_back(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (_came, came_id), (_also, also_id), _absent = guests
    later = await _after(session, meeting_id)
    await srs.correct_attendance(session, boss, meeting_id, {came_id}, later)
    assert all(r.status == "cancelled" for r in (await _surveys(session, also_id)).values())
    back = await srs.correct_attendance(session, boss, meeting_id, {came_id, also_id}, later)
    assert (back.added, back.surveys) == (1, 1)
    theirs = await _surveys(session, also_id)
    assert {k: r.status for k, r in theirs.items()} == {"ask": "pending", "remind": "pending"}
    assert theirs["ask"].last_error is None and theirs["ask"].due_at == later


async def test_ticked_again_long_after_gets_its_survey_with_its_parameters(
    session: AsyncSession,
) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (_came, came_id), (_also, also_id), _absent = guests
    later = await _after(session, meeting_id)
    await srs.correct_attendance(session, boss, meeting_id, {came_id}, later)
    rows = list((await _surveys(session, also_id)).values())
    for row in rows:  # settled OUTBOX_KEEP_DAYS ago: the retention job blanked them
        row.params = {}
    await session.flush()
    much_later = later + timedelta(days=40)
    back = await srs.correct_attendance(session, boss, meeting_id, {came_id, also_id}, much_later)
    assert back.surveys == 1
    theirs = await _surveys(session, also_id)
    assert theirs["ask"].params == {"participant_id": also_id, "reminder": False}
    assert theirs["remind"].params == {"participant_id": also_id, "reminder": True}
    assert theirs["remind"].due_at == much_later + srs.REMIND_AFTER


async def test_an_answer_given_before_unticking_stays_and_counts(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (came, came_id), (_also, also_id), _absent = guests
    assert await srs.submit(session, came, came_id, GOOD, None, NOW, SRS)
    later = await _after(session, meeting_id)
    await srs.correct_attendance(session, boss, meeting_id, {also_id}, later)
    found = await srs.summary(session, boss, meeting_id, SRS)
    assert (found.attendees, found.responses, found.not_attendees) == (1, 1, 1)
    assert found.total_mean == 38
    text = srs_summary_text(found, SRS, "en", str)
    assert "0 of 1 attendees answered" in text
    assert "Also 1 answered before being marked as not having come" in text
    assert "Total: 38.0 of 40" in text  # the answer still counts, as in /stats
    # Ticked again after answering: nothing is sent to them a second time.
    back = await srs.correct_attendance(session, boss, meeting_id, {came_id, also_id}, later)
    assert back.surveys == 0
    assert all(r.status != "pending" for r in (await _surveys(session, came_id)).values())
    found = await srs.summary(session, boss, meeting_id, SRS)
    assert (found.attendees, found.responses, found.not_attendees) == (2, 1, 0)


async def test_only_a_coordinator_corrects_a_held_meeting(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (came, came_id), (_also, also_id), _absent = guests
    later = await _after(session, meeting_id)
    mentor = await make_person(session, 9300, Role.MENTOR, now=NOW)
    outsider = await make_person(session, 9301, now=NOW)
    for who in (mentor, outsider, came):
        with pytest.raises(AccessDenied):
            await srs.correct_attendance(session, who, meeting_id, {also_id}, later)
    assert (await _attended(session, meeting_id))[came_id] is True

    # Someone of another meeting: a forged id, nothing changes.
    with pytest.raises(DomainError) as caught:
        await srs.correct_attendance(session, boss, meeting_id, {came_id, 999_999}, later)
    assert caught.value.code == "participant_not_found"

    # A meeting not marked held yet, or cancelled, is not corrected.
    meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    other = await meetings.create(
        session,
        boss,
        meeting.family_id,
        draft(starts_local=datetime(2026, 12, 8, 17, 0)),
        draft_key="other",
        now=NOW,
    )
    with pytest.raises(DomainError) as caught:
        await srs.correct_attendance(session, boss, other.id, set(), NOW)
    assert caught.value.code == "meeting_not_started"
    with pytest.raises(DomainError) as caught:
        await srs.correct_attendance(
            session, boss, other.id, set(), other.starts_at + timedelta(hours=3)
        )
    assert caught.value.code == "meeting_not_held"
    await meetings.cancel(session, boss, other.id, NOW)
    with pytest.raises(DomainError) as caught:
        await srs.correct_attendance(
            session, boss, other.id, set(), other.starts_at + timedelta(hours=3)
        )
    assert caught.value.code == "meeting_not_planned"
    with pytest.raises(DomainError) as caught:
        await srs.correct_attendance(session, boss, 999_999, set(), later)
    assert caught.value.code == "meeting_not_found"
