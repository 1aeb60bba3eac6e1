"""Quick repeated taps and taps on out-of-date messages: no Bot API call Telegram would refuse.

The bot deletes a message on a tap in one place: a stale button (its dialog is gone) makes the
errors handler replace the message with a fresh menu (ShowMode.DELETE_AND_SEND), and aiogram-
dialog's message manager deletes it. Every deletion goes through `OnceDeletingMessageManager`
(bot/dialogs/retired.py): a message is deleted at most once, and a later tap on it only gets the
stale-button notice. The fake Telegram counts a second deletion of a message the bot already
deleted as a violation; these tests also require that no call got a 4xx at all.

A quick double tap reaches the bot as two callback queries carrying the same message, handled
one after the other (`FakeUser.press_twice`); a client that has not caught up yet taps a copy of
a message the bot has changed or deleted since (`FakeUser.press_on_copy`).
"""

from __future__ import annotations

import copy

import pytest

from tests.faketg import FakeUser, StoredMessage
from tests.harness import BotHarness
from tests.hostile.world import World, build_world

STALE = "Эта кнопка устарела."
MENU = "Что хотите сделать?"

# (role, command): a window with buttons that a later /start leaves behind, one per dialog kind
# each role reaches by a command.
STALE_ORIGINS = [
    ("coordinator", "stats"),
    ("coordinator", "families"),
    ("coordinator", "meetings"),
    ("coordinator", "invite"),
    ("coordinator", "plan"),
    ("mentor", "visit"),
    ("mentor", "plan"),
    ("mentor", "mydata"),
    ("parent", "language"),
    ("parent", "mydata"),
    ("participant", "language"),
    ("participant", "mydata"),
]


def rejected(app: BotHarness) -> list[tuple[str, str | None]]:
    return [(c.method, c.error) for c in app.fake.errors()]


def deletions_of(app: BotHarness, user: FakeUser, message_id: int) -> int:
    return len(
        [
            c
            for c in app.fake.calls_of("deleteMessage")
            if c.chat_id == user.chat_id and c.params.get("message_id") == message_id
        ]
    )


def with_buttons(user: FakeUser) -> list[StoredMessage]:
    return [m for m in user.messages() if m.buttons()]


def stale_answer(app: BotHarness, query_id: str) -> str:
    answer = app.fake.callback_answer(query_id)
    assert answer is not None, "the tap was never answered"
    return str(answer.get("text", ""))


async def left_behind(user: FakeUser, command: str) -> StoredMessage:
    """The window a command opens, as the client keeps showing it after /start took its dialog
    away (the bot stripped its buttons; the client has not caught up yet)."""
    await user.send_command(command)
    window = copy.deepcopy(user.last())
    assert window.buttons(), (command, window.visible_text)
    await user.send_command("start")
    assert MENU in user.last_text()
    return window


def first_button(window: StoredMessage) -> str:
    return str(window.buttons()[0]["callback_data"])


@pytest.fixture
async def world(app: BotHarness) -> World:
    return await build_world(app)


@pytest.mark.parametrize(("role", "command"), STALE_ORIGINS)
async def test_a_double_tap_on_a_stale_button_deletes_its_message_once(
    app: BotHarness, world: World, role: str, command: str
) -> None:
    user = world.roles()[role]
    window = await left_behind(user, command)
    calls_before, buttons_before = len(app.fake.calls), with_buttons(user)
    first = await user.press_on_copy(window, first_button(window))
    second = await user.press_on_copy(window, first_button(window))
    assert STALE in stale_answer(app, first) and STALE in stale_answer(app, second)
    assert deletions_of(app, user, window.message_id) == 1
    assert app.fake.message(user.chat_id, window.message_id) is None
    # One fresh menu: the second tap sent no other.
    assert MENU in user.last_text() and with_buttons(user) == [*buttons_before, user.last()]
    sent = [c for c in app.fake.calls[calls_before:] if c.method == "sendMessage"]
    assert len(sent) == 1
    # Much later, the same stale copy once more: still only the notice.
    await user.send_command("help")
    third = await user.press_on_copy(window, first_button(window))
    assert STALE in stale_answer(app, third)
    assert deletions_of(app, user, window.message_id) == 1
    assert rejected(app) == []
    app.fake.assert_no_violations()


async def test_a_fast_double_tap_on_a_live_button_makes_no_refused_call(
    app: BotHarness, world: World
) -> None:
    """«🏠 Меню» twice: the first tap turns the window into the menu, the second finds its
    dialog gone (a stale button) and the message is replaced once; a third tap from a client
    still showing the old window only gets the notice."""
    user = world.coordinator
    await user.send_command("stats")
    window = copy.deepcopy(user.last())
    close = next(b["text"] for b in window.buttons() if b["text"] == "✖️ Закрыть")
    await user.press_twice(close)
    await user.press_on_copy(window, close)
    await user.press_on_copy(window, close, inaccessible=True)
    assert deletions_of(app, user, window.message_id) <= 1
    assert rejected(app) == []
    app.fake.assert_no_violations()


@pytest.mark.parametrize("role", ["coordinator", "mentor", "parent", "participant"])
async def test_double_taps_on_every_menu_button_make_no_refused_call(
    app: BotHarness, world: World, role: str
) -> None:
    """Each button of the role's main menu tapped twice in a row, then the menu again."""
    user = world.roles()[role]
    await user.send_command("start")
    labels = user.last().button_texts()
    assert labels
    for label in labels:
        await user.send_command("start")
        menu = user.last()
        button = next(b for b in menu.buttons() if b["text"] == label)
        if "callback_data" not in button:
            continue  # a link
        await user.press_twice(label, menu.message_id)
        assert rejected(app) == [], label
    app.fake.assert_no_violations()


async def test_a_stale_message_too_old_to_delete_turns_into_the_menu_once(
    app: BotHarness, world: World
) -> None:
    user = world.coordinator
    window = await left_behind(user, "stats")
    app.clock.advance(days=3)  # Telegram deletes a bot's message only within 48 hours
    calls_before = len(app.fake.calls)
    first = await user.press_on_copy(window, first_button(window))
    second = await user.press_on_copy(window, first_button(window))
    assert STALE in stale_answer(app, first) and STALE in stale_answer(app, second)
    assert deletions_of(app, user, window.message_id) == 0
    kept = app.fake.message(user.chat_id, window.message_id)
    assert kept is not None and MENU in kept.visible_text and kept.buttons()
    edits = [c.method for c in app.fake.calls[calls_before:] if c.method != "answerCallbackQuery"]
    assert edits == ["editMessageText"]  # once: the second tap changed nothing
    # The menu it turned into works.
    await user.press("👪 Семьи", window.message_id)
    assert "Семьи: 2" in app.fake.message(user.chat_id, window.message_id).visible_text
    assert rejected(app) == []
    app.fake.assert_no_violations()


async def test_a_tap_on_an_inaccessible_message_only_gets_the_notice(
    app: BotHarness, world: World
) -> None:
    user = world.mentor
    window = await left_behind(user, "mydata")
    await user.delete_message(window.message_id)  # the person deleted it in their app
    menu = user.last()
    calls_before = len(app.fake.calls)
    query = await user.press_on_copy(window, first_button(window), inaccessible=True)
    assert STALE in stale_answer(app, query)
    assert [c.method for c in app.fake.calls[calls_before:]] == ["answerCallbackQuery"]
    assert user.last() is menu
    assert rejected(app) == []


async def test_the_fake_refuses_a_second_deletion_as_the_bots_own_mistake(
    app: BotHarness,
) -> None:
    """The strictness these tests rely on: deleting a message the bot deleted is a violation
    (Telegram: 400 "message to delete not found"); one the person deleted is not."""
    from aiogram.exceptions import TelegramBadRequest

    user = app.user(777)
    await user.send_text("привет")
    sent = await app.bot.send_message(user.chat_id, "одно")
    assert await app.bot.delete_message(user.chat_id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await app.bot.delete_message(user.chat_id, sent.message_id)
    assert app.fake.violations == ["deleteMessage: Bad Request: message to delete not found"]
    app.fake.violations.clear()
    other = await app.bot.send_message(user.chat_id, "другое")
    await user.delete_message(other.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await app.bot.delete_message(user.chat_id, other.message_id)
    assert app.fake.violations == []
    assert [c.status for c in app.fake.errors()] == [400, 400]
    app.expect_errors = True


async def test_withdrawal_leaves_no_record_of_deleted_messages(
    app: BotHarness, world: World
) -> None:
    user = world.parent
    window = await left_behind(user, "language")
    await user.press_on_copy(window, first_button(window))
    assert any("retired_messages" in key for key in await app.stored_state(user.id))
    await user.send_command("mydata")
    await user.press("🚫 Отозвать согласие")
    await user.press("Да, отозвать")
    assert await app.stored_state(user.id) == []
    assert rejected(app) == []


async def open_board(user: FakeUser) -> StoredMessage:
    await user.send_command("meetings")
    await user.press(next(t for t in user.last().button_texts() if "Ивановы" in t))
    board = user.last()
    assert "Ивановы" in board.visible_text and board.buttons(), board.visible_text
    return board


BACK_TO_BOARD = "⬅️ К встрече"


async def test_a_double_tap_on_a_board_button_ends_where_a_single_tap_does(
    app: BotHarness, world: World
) -> None:
    """The meeting board opens each of its flows (details, participants, attendance, decisions,
    a new time) as a dialog of its own in the same message, and each returns to the board. A
    quick second tap still carries the buttons the first tap replaced: it is let go quietly, and
    the window the first tap opened stays — no «button is out of date», no menu in its place.
    Every button of the board but «🏠 Меню», and the way back from every window they open."""
    user = world.coordinator
    labels = [b["text"] for b in (await open_board(user)).buttons() if "callback_data" in b]
    assert len(labels) >= 4, labels
    backs = 0
    for label in labels:
        board = await open_board(user)
        await user.press(label, board.message_id)
        once, opened = user.last_text(), user.last().button_texts()
        if MENU in once:
            continue  # the menu ends the dialogs; a second tap is a stale one (above)
        board = await open_board(user)
        _first, second = await user.press_twice(label, board.message_id)
        assert STALE not in stale_answer(app, second), label
        assert user.last_text() == once, label
        if BACK_TO_BOARD not in opened:
            continue
        backs += 1
        await user.press(BACK_TO_BOARD, user.last().message_id)
        back_once = user.last_text()
        board = await open_board(user)
        await user.press(label, board.message_id)
        _first, second = await user.press_twice(BACK_TO_BOARD, user.last().message_id)
        assert STALE not in stale_answer(app, second), (label, BACK_TO_BOARD)
        assert user.last_text() == back_once, (label, BACK_TO_BOARD)
    assert backs >= 2
    assert rejected(app) == []
    app.fake.assert_no_violations()
