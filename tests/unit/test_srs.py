"""After a meeting: held with attendance, the SRS survey to attendees (reminded once), answers
that cannot be changed, alerts on a low total or a weak item, and the per-meeting summary."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.base import ContentError
from bot.content.srs import load_srs
from bot.db.models import OutboxMessage, OutboxStatus
from bot.services import srs
from bot.services.errors import AccessDenied, DomainError
from tests.unit.meeting_setup import GOOD, NOW, SRS, held_meeting

WEAK = {"relationship": 10, "goals": 6, "approach": 10, "overall": 10}


async def rows(session: AsyncSession, purpose: str) -> list[OutboxMessage]:
    return list(
        await session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
        )
    )


async def test_survey_to_attendees_once_and_answers_cannot_change(session: AsyncSession) -> None:
    _boss, _meeting_id, guests = await held_meeting(session)
    (came, came_id), (also, _also_id), (absent, absent_id) = guests
    surveys = await rows(session, srs.SURVEY_PURPOSE)
    assert sorted((r.person_id, r.params["reminder"]) for r in surveys) == sorted(
        [
            (came.person_id, False),
            (came.person_id, True),
            (also.person_id, False),
            (also.person_id, True),
        ]
    )
    reminder = next(r for r in surveys if r.person_id == came.person_id and r.params["reminder"])
    assert reminder.due_at - surveys[0].due_at == timedelta(days=1)

    with pytest.raises(DomainError) as caught:
        await srs.submit(session, absent, absent_id, GOOD, None, NOW, SRS)
    assert caught.value.code == "srs_not_open"
    with pytest.raises(AccessDenied):  # nobody answers for someone else
        await srs.submit(session, also, came_id, GOOD, None, NOW, SRS)
    with pytest.raises(DomainError):
        await srs.submit(session, came, came_id, {"relationship": 10}, None, NOW, SRS)

    assert not await srs.is_answered(session, came, came_id)
    assert await srs.submit(session, came, came_id, GOOD, "  Спасибо  ", NOW, SRS)
    assert await srs.is_answered(session, came, came_id)
    assert not await srs.submit(session, came, came_id, WEAK, None, NOW, SRS)  # no changes
    await session.refresh(reminder)
    assert reminder.status == OutboxStatus.CANCELLED.value
    assert await rows(session, srs.ALERT_PURPOSE) == []  # 38 of 40, every item 9 or more


async def test_a_weak_item_or_a_low_total_alerts_the_coordinator(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    (came, came_id), (also, also_id), _ = guests
    assert await srs.submit(session, came, came_id, WEAK, None, NOW, SRS)
    [alert] = await rows(session, srs.ALERT_PURPOSE)
    assert alert.person_id == boss.person_id
    assert alert.params["weak"] == ["goals"] and alert.params["total"] == 36
    low = {"relationship": 9, "goals": 9, "approach": 9, "overall": 8}
    assert await srs.submit(session, also, also_id, low, None, NOW, SRS)
    alerts = await rows(session, srs.ALERT_PURPOSE)
    assert len(alerts) == 2 and alerts[1].params["total"] == 35

    result = await srs.summary(session, boss, meeting_id, SRS)
    assert (result.attendees, result.responses, result.under_concern) == (2, 2, 1)
    assert result.item_means == {"relationship": 9.5, "goals": 7.5, "approach": 9.5, "overall": 9.0}
    assert result.total_mean == 35.5
    with pytest.raises(AccessDenied):
        await srs.summary(session, came, meeting_id, SRS)


def test_a_broken_srs_file_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "srs.yaml"
    broken.write_text("title: {ru: a, en: b}\nintro: {ru: a, en: b}\nitems: []\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        load_srs(broken)
    assert str(broken) in str(caught.value) and "relationship" in str(caught.value)


async def test_attendance_of_another_meeting_is_refused(session: AsyncSession) -> None:
    boss, meeting_id, guests = await held_meeting(session)
    with pytest.raises(DomainError) as caught:
        await srs.mark_held(
            session, boss, meeting_id, {guests[0][1], 999_999}, NOW + timedelta(days=30)
        )
    assert caught.value.code == "participant_not_found"
