"""The coordinator edits a planned meeting's topic on its board: everyone invited who uses the bot
gets a notice in their own language saying what changed (the one who declined too), and the
invitation behind its button shows the new topic. Edits undone before delivery send nothing."""

from __future__ import annotations

import pytest

from tests.e2e.steps import open_board, planned
from tests.harness import BotHarness

WORDS = {
    "en": {
        "edit": "✏️ Edit details",
        "topic": "Topic",
        "saved": (
            "Saved. The invitation shows the new details. Everyone invited who uses the bot "
            "will be told what changed."
        ),
    },
    "ru": {
        "edit": "✏️ Изменить детали",
        "topic": "Тема",
        "saved": (
            "Сохранено. В приглашении теперь новые данные. Все приглашённые, кто пользуется "
            "ботом, получат сообщение о том, что изменилось."
        ),
    },
}
NOTICE = {
    "en": [
        "🔄 A meeting you are invited to has changed.",
        "Topic: «Хочу <домой> & к маме» (was «Я хочу жить с мамой»).",
        "If your plans change, you can change your answer in the invitation.",
    ],
    "ru": [
        "🔄 Во встрече, на которую вас пригласили, есть изменения.",
        "Тема: «Хочу <домой> & к маме» (была «Я хочу жить с мамой»).",
        "Если ваши планы изменились, ответ можно поменять в приглашении.",
    ],
}
OPEN = {"en": "📩 Open the invitation", "ru": "📩 Открыть приглашение"}


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_a_new_topic_is_told_to_everyone_invited(app: BotHarness, lang: str) -> None:
    w = WORDS[lang]
    admin, users, _rows, _meeting_id = await planned(app, lang)
    before = [len(u.messages()) for u in users]

    async def edit_topic(topic: str) -> str:
        await open_board(admin)
        await admin.press(w["edit"])
        await admin.press(w["topic"])
        await admin.send_text(topic)
        return admin.last_text()

    assert w["saved"] in await edit_topic("Хочу <домой> & к маме")
    await app.deliver()
    # ru (Приду), en (Приду), ru (Не смогу): each in their language, the declined one too.
    for user, language in zip(users, ("ru", "en", "ru"), strict=True):
        assert user.last_text().splitlines() == NOTICE[language]
        await user.press(OPEN[language])
        assert "«Хочу <домой> & к маме»" in user.last_text()
    after = [len(u.messages()) for u in users]
    assert all(a > b for a, b in zip(after, before, strict=True))

    # Changed and changed back before the sender ran: nobody hears of it.
    assert w["saved"] in await edit_topic("Другая тема")
    assert w["saved"] in await edit_topic("Хочу <домой> & к маме")
    await app.deliver()
    assert [len(u.messages()) for u in users] == after
    app.fake.assert_no_violations()
