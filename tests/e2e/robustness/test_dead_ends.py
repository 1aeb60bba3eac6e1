"""No dead ends: every screen a person reaches offers a way on or back, and answers a message.

The walk opens each command of each role and taps every button of the first screen, then every
button of the screen that opens (two taps deep, from a fresh start each time), and after each tap
checks that the person is not left on a message without buttons, unless the open window takes a
typed answer; on each screen one tap deep, a text, a photo or a voice (in turn) sent where the
screen takes none must be answered. A tap that closes the last dialog lands on the menu
(bot/dialogs/manager.py); a «⬅️ Back» goes where the person came from.

Buttons that destroy or send something (delete, close, withdraw, stop, cancel a meeting) are left
out of the walk: they have flows of their own, with their own tests.
"""

from __future__ import annotations

from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram_dialog import Dialog as AiogramDialog
from aiogram_dialog.widgets.common.when import true_condition
from aiogram_dialog.widgets.kbd import Group, Keyboard, Multiselect, ScrollingGroup, Select

from bot.services import case_plans
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import enrol_now, family_with_people, send_now

# Left out of the walk: they destroy, close or send (tested in their own flows).
RISKY = ("🗑", "⏹", "🔒", "❌", "✖️", "🚫", "Отозвать", "Удалить", "Отменить", "отозвать")
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
COORDINATOR_COMMANDS = (
    "families",
    "programmes",
    "plan",
    "case",
    "meetings",
    "map",
    "mentors",
    "learn",
    "invite",
    "invitations",
    "stats",
    "me",
    "mydata",
)
MENTOR_COMMANDS = ("visit", "myvisits", "programmes", "plan", "case", "learn", "me")
PARENT_COMMANDS = ("progress", "me")


# Windows whose every button is conditional, and why they are never empty.
ALWAYS_HAVE_BUTTONS = {
    "AnswerSG:rate": "the week's rating: its scale of ten buttons is always there",
}


def _buttons(keyboard: Keyboard) -> list[Keyboard]:
    if isinstance(keyboard, Group) and not isinstance(keyboard, ScrollingGroup):
        if keyboard.condition is not true_condition:
            return []
        return [leaf for button in keyboard.buttons for leaf in _buttons(button)]
    return [keyboard]


def _always_shown(keyboard: Keyboard) -> bool:
    # A list of items may be empty; a button with a `when` may be hidden.
    return keyboard.condition is true_condition and not isinstance(
        keyboard, Select | Multiselect | ScrollingGroup
    )


def test_every_window_has_a_button_that_is_always_there_or_takes_text(app: BotHarness) -> None:
    """The walk below reaches two taps deep; this covers every window of every dialog."""
    bare = []
    for router in app.dp.sub_routers:
        if not isinstance(router, AiogramDialog):
            continue
        for state, window in router.windows.items():
            if window.on_message is not None or state.state in ALWAYS_HAVE_BUTTONS:
                continue
            if not any(_always_shown(b) for b in _buttons(window.keyboard)):
                bare.append(state.state)
    assert not bare, f"windows that may show no button and take no text: {bare}"


async def _current_window(app: BotHarness, user: FakeUser) -> tuple[str, bool] | None:
    """The state of the window open in the person's chat and whether it takes messages."""
    storage = app.dp.storage

    def key(destiny: str) -> StorageKey:
        return StorageKey(
            bot_id=app.bot.id, chat_id=user.chat_id, user_id=user.chat_id, destiny=destiny
        )

    stack = await storage.get_data(key("aiogd:stack:"))
    intents = stack.get("intents") or []
    if not intents:
        return None
    context = await storage.get_data(key(f"aiogd:context:{intents[-1]}"))
    state = context.get("state")
    for router in app.dp.sub_routers:
        if isinstance(router, AiogramDialog):
            for window_state, window in router.windows.items():
                if window_state.state == state:
                    return state, window.on_message is not None
    return state, False


async def _assert_a_way_on(app: BotHarness, user: FakeUser, path: list[str]) -> list[str]:
    last = user.last()
    buttons = [b["text"] for b in last.buttons() if "callback_data" in b]
    if buttons:
        return buttons
    window = await _current_window(app, user)
    assert window is not None and window[1], (
        f"dead end after {' → '.join(path)}: «{last.visible_text[:120]}» has no buttons "
        f"and the open window ({window}) takes no typed answer"
    )
    return []


def _walkable(buttons: list[str]) -> list[str]:
    """The buttons to tap: each label once (a label shown twice cannot be told apart), and of
    a grid of short labels (a calendar's days, a scale) only two, as they lead alike."""
    chosen: list[str] = []
    short = 0
    for text in buttons:
        if any(mark in text for mark in RISKY) or buttons.count(text) > 1:
            continue
        if len(text) <= 2 or text in WEEKDAYS:
            short += 1
            if short > 2:
                continue
        chosen.append(text)
    return chosen


async def _open(app: BotHarness, user: FakeUser, command: str) -> list[str]:
    await user.send_command(command)
    return await _assert_a_way_on(app, user, [f"/{command}"])


async def _tap(user: FakeUser, text: str) -> bool:
    if text not in [b["text"] for b in user.last().buttons() if "callback_data" in b]:
        return False  # the screen changed meanwhile (a list grew or shrank)
    await user.press(text, user.last().message_id)
    return True


SENDS = ("text", "photo", "voice")


async def _assert_a_message_is_answered(
    app: BotHarness, user: FakeUser, path: list[str], taps: int
) -> None:
    """On a screen of buttons, a message (text, photo or voice in turn) is not dropped: the
    screen comes again below it, saying that this step takes a tap (test_no_message_lost.py)."""
    window = await _current_window(app, user)
    if window is None or window[1]:
        return  # no dialog open, or the window takes what is typed: its own tests
    kind = SENDS[taps % len(SENDS)]
    before = len(user.messages())
    buttons = user.last().button_texts()
    if kind == "text":
        await user.send_text("привет")
    elif kind == "photo":
        await user.send_photo()
    else:
        await user.send_voice()
    assert len(user.messages()) == before + 1, f"a {kind} after {' → '.join(path)} got no answer"
    assert user.last_text().startswith("⚠️ "), (kind, path, user.last_text()[:200])
    assert user.last().button_texts() == buttons, (kind, path)


async def _walk(app: BotHarness, user: FakeUser, commands: tuple[str, ...]) -> int:
    taps = 0
    for command in commands:
        first = _walkable(await _open(app, user, command))
        await _assert_a_message_is_answered(app, user, [f"/{command}"], len(command))
        for one in first:
            await _open(app, user, command)
            if not await _tap(user, one):
                continue
            taps += 1
            path = [f"/{command}", one]
            second = _walkable(await _assert_a_way_on(app, user, path))
            await _assert_a_message_is_answered(app, user, path, taps)
            for two in second:
                await _open(app, user, command)
                if not await _tap(user, one) or not await _tap(user, two):
                    continue
                taps += 1
                await _assert_a_way_on(app, user, [*path, two])
    await app.settle()
    return taps


async def _world(app: BotHarness) -> tuple[FakeUser, FakeUser, FakeUser]:
    admin = await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001,))
    await enrol_now(app, fam.id)
    await send_now(app)
    assert fam.mentor is not None
    return admin, fam.mentor, fam.parents[0]


async def test_no_screen_of_a_coordinator_is_a_dead_end(app: BotHarness) -> None:
    admin, _mentor, _parent = await _world(app)
    taps = await _walk(app, admin, COORDINATOR_COMMANDS)
    assert taps > 60
    app.fake.assert_no_violations()


async def test_no_screen_of_a_mentor_or_a_parent_is_a_dead_end(app: BotHarness) -> None:
    _admin, mentor, parent = await _world(app)
    taps = await _walk(app, mentor, MENTOR_COMMANDS)
    taps += await _walk(app, parent, PARENT_COMMANDS)
    assert taps > 20
    app.fake.assert_no_violations()


async def test_back_from_a_family_in_programmes_returns_to_the_list(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await app.add_family(ADMIN_ID, "Петровы")
    await admin.send_command("programmes")
    await admin.press("Петровы")
    await admin.press("⬅️ Назад")
    assert admin.last_text().startswith("Программы: выберите семью.")
    assert "Петровы" in admin.last().button_texts()
    app.fake.assert_no_violations()


async def test_closing_the_last_dialog_lands_on_the_menu(app: BotHarness) -> None:
    """A plan opened from a reminder is the only dialog of the chat: its «⬅️ Back» closes it,
    and the person is on the menu, not on a message stripped of its buttons."""
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Петровы")
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await case_plans.add_task(
            session,
            boss,
            family_id,
            case_plans.TaskDraft(
                "Консилиум по случаю",
                (app.clock.now() + timedelta(days=4)).date(),
                responsible_id=boss.person_id,
            ),
            app.clock.now(),
        )
    app.clock.advance(24 * 3600)  # 10:00 three days before the deadline
    async with app.sessionmaker.begin() as session:
        assert await case_plans.enqueue_due(session, app.clock.now(), app.settings) == 1
    await app.deliver()
    await admin.press("📋 Открыть задачу", admin.last().message_id)
    assert "Консилиум по случаю" in admin.last_text()
    await admin.press("⬅️ К плану")
    window = admin.last().message_id
    await admin.press("⬅️ Назад")
    assert admin.last().message_id == window  # the same message, now the menu
    assert "Что хотите сделать?" in admin.last_text()
    assert "📋 Планы" in admin.last().button_texts()
    app.fake.assert_no_violations()
