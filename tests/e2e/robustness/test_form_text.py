"""Every free-text step of every dialog reads its text through one helper (`form_text`): an
unknown command typed there, a sticker, or a text over the step's limit gets a hint, the person
stays on the step and nothing is saved; a text that is long only because of its spaces is folded
where the step keeps one line."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.db.models import MeetingDecision, SrsResponse
from tests.e2e.steps import held
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.hostile.text_steps import STEPS, count_rows, walk, world

COMMAND_HINT = {
    "ru": "Это похоже на команду, поэтому ничего не сохранено.",
    "en": "That looks like a command, so nothing was saved.",
}
LONG_HINT = {
    "ru": "Это длинновато: пожалуйста, уложитесь в {limit} символов.",
    "en": "That is a bit long: please keep it under {limit} characters.",
}
# The steps of tests/hostile/text_steps.py that take free text (the others take a date, a time,
# buttons only, several kinds of answer, or are not a form).
FREE_TEXT = [
    "family name",
    "family search",
    "close-case note",
    "meeting family search",
    "meeting child",
    "meeting topic",
    "meeting place",
    "meeting facilitators",
    "meeting contact",
    "meeting note",
    "participant name",
    "people search",
    "participant phone",
    "details topic",
    "details facilitators",
    "details contact",
    "details note",
    "decision what",
    "decision who",
    "visit concern",
    "change place",
    "rsvp comment",
    "visit notes",
]


@dataclass(frozen=True)
class AtStep:
    """What the step showed when the user got there: the same ask must come back after a hint."""

    user: FakeUser
    ask: str  # the last line of the window's text
    buttons: list[str]
    rows: list[int]

    def still_there(self) -> bool:
        return self.ask in self.user.last_text() and self.user.last().button_texts() == self.buttons


async def at_step(app: BotHarness, name: str) -> AtStep:
    step = STEPS[name]
    users = await world(app, step.lang)
    if step.arrange is not None:
        await step.arrange(app, users)
    user = users[step.who]
    await walk(user, step.path)
    ask = user.last_text().splitlines()[-1]
    return AtStep(user, ask, user.last().button_texts(), await count_rows(app, step.unsaved))


@pytest.mark.parametrize("name", FREE_TEXT)
async def test_a_command_in_any_free_text_step_is_not_the_answer(
    app: BotHarness, name: str
) -> None:
    at = await at_step(app, name)
    step, user = STEPS[name], at.user
    await user.send_command("famlies")  # a typo of a command: unknown, so it reaches the form
    assert user.last_text().startswith(f"⚠️ {COMMAND_HINT[step.lang]}")
    assert at.still_there()
    assert await count_rows(app, step.unsaved) == at.rows
    await user.send_sticker()
    assert user.last_text().startswith("⚠️ ")  # the step's own "send it as text" hint
    assert COMMAND_HINT[step.lang] not in user.last_text()
    assert at.still_there()
    assert await count_rows(app, step.unsaved) == at.rows
    app.fake.assert_no_violations()


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("rsvp comment", 500),
        ("visit concern", 1000),
        ("visit notes", 1500),
        ("decision what", 300),
        ("decision who", 80),
        ("participant name", 80),
        ("participant phone", 32),
        ("meeting topic", 200),
        ("details note", 600),
    ],
)
async def test_a_text_over_the_limit_is_refused_with_the_limit(
    app: BotHarness, name: str, limit: int
) -> None:
    at = await at_step(app, name)
    step, user = STEPS[name], at.user
    await user.send_text("я" * (limit + 1))
    assert user.last_text().startswith(f"⚠️ {LONG_HINT[step.lang].format(limit=limit)}")
    assert at.still_there()
    assert await count_rows(app, step.unsaved) == at.rows


async def test_a_decision_long_only_by_its_spaces_is_folded_and_taken(app: BotHarness) -> None:
    user = (await at_step(app, "decision what")).user
    await user.send_text("Найти  \n  репетитора" + " " * 400 + "по математике")
    assert "«Найти репетитора по математике»\nWho will do it?" in user.last_text()
    await user.send_text("мама")
    await user.press(user.last().button_texts()[0])
    async with app.sessionmaker() as session:
        what = await session.scalar(select(MeetingDecision.what))
    assert what == "Найти репетитора по математике"


async def test_the_survey_comment_refuses_a_command_and_takes_a_text(app: BotHarness) -> None:
    _admin, (en, _absent), _rows = await held(app, ("en", "en"))
    await en.press("📝 Rate the meeting")
    await en.press("Begin")
    for value in ("10", "9", "10", "9"):
        await en.press(value)
    await en.send_command("famlies")
    assert COMMAND_HINT["en"] in en.last_text()
    await en.send_sticker()
    assert "Please write the comment as text, or tap «Skip»." in en.last_text()
    await en.send_text("x" * 1001)
    assert LONG_HINT["en"].format(limit=1000) in en.last_text()
    async with app.sessionmaker() as session:
        assert await session.scalar(select(func.count(SrsResponse.id))) == 0
    await en.send_text("  Thank you, it helped  ")
    assert "Thank you! Your answers are sent to the facilitators." in en.last_text()
    async with app.sessionmaker() as session:
        assert await session.scalar(select(SrsResponse.comment)) == "Thank you, it helped"
    app.fake.assert_no_violations()
