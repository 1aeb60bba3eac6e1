"""Every text step of every dialog survives anything a person may send there.

For each step: arrange a small world once, drive the user to the step, then for each
hypothesis-generated input (any Unicode up to Telegram's 4096 characters, HTML-looking text,
commands in the middle of a form, stickers, photos, voice, locations, contacts, documents) check
that the bot answered, logged no error, made no call Telegram would refuse (the fake checks the
HTML and the length of every reply) and stored no row before the step's own save. Then the user
is driven back to the step for the next example: one harness per step keeps this fast.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

import pytest
from hypothesis import given

from tests.harness import BotHarness
from tests.hostile.inputs import HOSTILE, HOSTILE_SETTINGS, Hostile, send, with_catalogue
from tests.hostile.text_steps import (
    STEPS,
    count_rows,
    fsm_state,
    walk,
    world,
)

# Where the last example left each test's user: hypothesis runs the body many times with the
# same `app`.
NOT_WALKED = "not walked yet"
_AT_STEP: WeakKeyDictionary[BotHarness, str | None] = WeakKeyDictionary()


@pytest.mark.parametrize("name", list(STEPS))
@given(item=HOSTILE)
@with_catalogue
@HOSTILE_SETTINGS
async def test_text_step_survives_any_input(app: BotHarness, name: str, item: Hostile) -> None:
    step = STEPS[name]
    users = await world(app, step.lang)
    if step.arrange is not None and step.who not in users:
        await step.arrange(app, users)
    user = users[step.who]
    # Walking there takes several updates: skip it while the last input kept the user on the step.
    if _AT_STEP.get(app, NOT_WALKED) != await fsm_state(app, user):
        if step.reset is not None:
            await step.reset(app)
        await walk(user, step.path)
        _AT_STEP[app] = await fsm_state(app, user)
        assert _AT_STEP[app] is not None, f"{name}: the path does not reach a form step"
    before = await count_rows(app, step.unsaved)
    errors, violations = len(app.errors.records), len(app.fake.violations)
    sent = await send(user, item)
    await app.settle()
    new_errors = app.errors.records[errors:]
    assert not new_errors, [r.getMessage().splitlines()[0] for r in new_errors]
    assert not app.fake.violations[violations:], app.fake.violations[violations:]
    assert user.last().message_id > sent.message_id, f"no answer to {item!r}"
    if item.kind == "text" and step.accepts is not None and step.accepts(item.value):
        return  # a valid answer: the step's own save, not a half-saved one
    assert await count_rows(app, step.unsaved) == before, f"{item!r} saved a row"


COMMAND_HINT = "Это похоже на команду, поэтому ничего не сохранено."


@pytest.mark.parametrize(
    "name",
    [
        "family name",
        "close-case note",
        "close-case summary",
        "meeting child",
        "decision what",
        "visit notes",
        "task title",
        "map person name",
    ],
)
async def test_an_unknown_command_mid_form_is_not_taken_as_the_answer(
    app: BotHarness, name: str
) -> None:
    step = STEPS[name]
    user = (await world(app, step.lang))[step.who]
    await walk(user, step.path)
    state = await fsm_state(app, user)
    before = await count_rows(app, step.unsaved)
    await user.send_command("unknown")
    hint = COMMAND_HINT if step.lang == "ru" else "That looks like a command, so nothing was saved."
    assert hint in user.last_text()
    assert await fsm_state(app, user) == state  # still on the same step
    assert await count_rows(app, step.unsaved) == before
