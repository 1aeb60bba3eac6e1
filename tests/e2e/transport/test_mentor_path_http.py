"""The mentors' path over real HTTP, by long polling and by webhook: a candidate invited as such
takes the test from the menu, gets a kind word, and the coordinator receives the result through
the outbox with the answers a tap away."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.mentor_test import load_mentor_test
from bot.db.models import Role
from bot.services import invitations
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    coordinator_with_family,
    join,
    live_bot,
    press,
    reply,
    unhurried,
)

CANDIDATE_ID = 2301


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_candidate_takes_the_test_over_http(mode: str, tmp_path: Path) -> None:
    test = load_mentor_test()
    async with live_bot(mode, tmp_path) as bot:
        fake, clock, sessions = bot.fake, bot.clock, bot.sessions
        admin, boss, _family = await coordinator_with_family(fake, sessions, clock)
        async with sessions.begin() as session:
            link = await invitations.create(
                session,
                boss,
                role=Role.MENTOR,
                now=clock.now(),
                ttl=timedelta(days=7),
                as_candidate=True,
            )
        anna = fake.user(CANDIDATE_ID, first_name="Анна")
        await join(fake, anna, link.token)
        await reply(fake, anna, lambda _t: "📝 Пройти тест" in anna.last().button_texts())
        await unhurried(fake, CANDIDATE_ID, room=2)
        await press(fake, anna, "📝 Пройти тест")
        await unhurried(fake, CANDIDATE_ID, room=2)
        await press(fake, anna, "Начать")
        for question in test.questions:
            option = question.option(question.correct)
            assert option is not None
            await reply(fake, anna, lambda t, q=question: q.ru in t)
            await unhurried(fake, CANDIDATE_ID, room=2)
            await press(fake, anna, option.get("ru"))
        await reply(fake, anna, lambda t: "Ваши ответы переданы координатору" in t)
        assert not any(f"{len(test.questions)} из" in t for t in anna.texts())
        await fake.wait_for(
            lambda: any("Анна" in t and "тест" in t for t in admin.texts()),
            DELIVERY_TIMEOUT,
        )
