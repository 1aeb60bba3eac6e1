"""The evidence of a network meeting over real HTTP, with the bot running as production does by
long polling and by webhook: a coordinator opens a held meeting's board (its reason shown), walks
the facilitators' assessment of the process phase by phase with a note, and sees it saved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Meeting, MeetingProcessAssessment
from tests.conftest import ADMIN_ID
from tests.e2e.http_steps import (
    coordinator_with_family,
    live_bot,
    press,
    reply,
    unhurried,
)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_held_meetings_process_assessment_over_http(mode: str, tmp_path: Path) -> None:
    async with live_bot(mode, tmp_path) as bot:
        fake, clock, sessions = bot.fake, bot.clock, bot.sessions
        admin, boss, family = await coordinator_with_family(fake, sessions, clock)
        held_at = clock.now() - timedelta(days=2)
        async with sessions.begin() as session:
            # Held two days ago (the board's buttons, not the planning, are tested here).
            session.add(
                Meeting(
                    family_id=family.id,
                    child_name="Маша",
                    topic="Хочу жить с мамой",
                    format="family_council",
                    starts_at=held_at - timedelta(hours=2),
                    timezone="Europe/Moscow",
                    place="Центр",
                    duration_minutes=90,
                    facilitators="Ольга",
                    contact="+7 900",
                    note="—",
                    status="held",
                    reason="abuse",
                    held_at=held_at,
                    created_at=held_at - timedelta(days=7),
                    created_by_id=boss.person_id,
                    draft_key="http-evidence",
                )
            )
        day = (held_at - timedelta(hours=2)).strftime("%d.%m.%Y")
        await admin.send_command("meetings")
        await reply(
            fake,
            admin,
            lambda _t: any(b.startswith("🗂") for b in admin.last().button_texts()),
        )
        await press(
            fake,
            admin,
            next(t for t in admin.last().button_texts() if t.startswith("🗂")),
        )
        await reply(fake, admin, lambda t: any(day in b for b in admin.last().button_texts()))
        await press(fake, admin, next(b for b in admin.last().button_texts() if day in b))
        await reply(fake, admin, lambda t: "Повод: Жестокое обращение с ребёнком" in t)
        await unhurried(fake, ADMIN_ID, room=2)
        await press(fake, admin, "🧭 Оценка процесса")
        for _phase in range(6):
            await unhurried(fake, ADMIN_ID, room=2)
            await press(fake, admin, "3 — полностью")
        await reply(fake, admin, lambda t: "заметк" in t.casefold())
        await unhurried(fake, ADMIN_ID, room=2)
        await admin.send_text("Сеть поддержала Машу")
        await reply(fake, admin, lambda t: "Сеть поддержала Машу" in t)
        await unhurried(fake, ADMIN_ID, room=2)
        await press(fake, admin, "✅ Сохранить")
        await reply(fake, admin, lambda t: "Оценка процесса сохранена." in t)
        async with sessions() as session:
            saved = await session.scalar(select(MeetingProcessAssessment))
        assert saved is not None and set(saved.phases.values()) == {3}
        assert saved.reflection_note == "Сеть поддержала Машу"
