"""The questionnaire six months after a programme over real HTTP, by long polling and by webhook:
the follow-up scan (called directly, with the bot's clock) queues the invitation, the bot's own
delivery job sends it, and the parent answers it from its button; the totals land beside the
entry and exit ones."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.content.programmes import load_programmes
from bot.db.models import EnrollmentStatus, QuestionnaireFollowUp, Role
from bot.scheduler.jobs import questionnaire_follow_ups
from bot.services import invitations, programmes
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    coordinator_with_family,
    join,
    live_bot,
    press,
    reply,
    unhurried,
)
from tests.homework_support import QUESTIONNAIRE_RU_LABELS, QUESTIONNAIRE_STATEMENTS

PARENT_ID = 3001


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_follow_up_questionnaire_over_http(mode: str, tmp_path: Path) -> None:
    async with live_bot(mode, tmp_path) as bot:
        fake, clock, sessions = bot.fake, bot.clock, bot.sessions
        _admin, boss, family = await coordinator_with_family(fake, sessions, clock)
        async with sessions.begin() as session:
            link = await invitations.create(
                session,
                boss,
                role=Role.PARENT,
                now=clock.now(),
                ttl=timedelta(days=7),
                family_id=family.id,
            )
        parent = fake.user(PARENT_ID, first_name="Анна")
        await join(fake, parent, link.token)
        # A programme completed six months and a few days ago, both questionnaires in.
        done = clock.now() - timedelta(days=190)
        async with sessions.begin() as session:
            today = done.astimezone(ZoneInfo("Europe/Moscow")).date()
            enrollment = await programmes.enrol(
                session,
                boss,
                family.id,
                "tochka_opory",
                start_date=today,
                release_weekday=today.weekday(),
                release_time=time(12, 0),
                now=done,
                known_programmes=load_programmes(),
            )
            enrollment.status = EnrollmentStatus.COMPLETED.value
            enrollment.completed_at = done
            enrollment.next_release_at = None
            enrollment.entry_total, enrollment.exit_total = 20, 30
        scan = questionnaire_follow_ups(load_programmes())
        assert await scan(sessions, clock, bot.settings) >= 1
        await fake.wait_for(
            lambda: any("Полгода назад" in t for t in parent.texts()), DELIVERY_TIMEOUT
        )
        await unhurried(fake, PARENT_ID, room=2)
        await press(fake, parent, "📝 Рассказать, как дела")
        await reply(fake, parent, lambda t: "Как у вас дела сейчас?" in t)
        await unhurried(fake, PARENT_ID, room=2)
        await press(fake, parent, "Начать")
        for _statement in range(QUESTIONNAIRE_STATEMENTS):
            await unhurried(fake, PARENT_ID, room=2)
            await press(fake, parent, f"4 · {QUESTIONNAIRE_RU_LABELS[4]}")
        await reply(fake, parent, lambda t: t.startswith("Спасибо, что рассказали!"))
        async with sessions() as session:
            saved = await session.scalar(
                select(QuestionnaireFollowUp).where(QuestionnaireFollowUp.months == 6)
            )
        assert saved is not None and saved.total == 4 * QUESTIONNAIRE_STATEMENTS
