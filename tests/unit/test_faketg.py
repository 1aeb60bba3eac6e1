"""The fake Telegram must be correct and at least as strict as the real Bot API."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.widgets.kbd import Back, Select, SwitchTo
from aiogram_dialog.widgets.text import Const, Format
from aiohttp import web

from bot.clock import ManualClock
from tests.faketg import FakeSession, FakeTelegram, serve_http
from tests.faketg.formatting import EntityParseError, parse_html
from tests.faketg.media import TINY_PNG
from tests.faketg.spec import load_spec

TOKEN = "123456:TEST"


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(clock, token=TOKEN)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        TOKEN,
        session=FakeSession(fake),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    yield bot
    await bot.session.close()


async def started_user(fake: FakeTelegram, user_id: int = 42) -> Any:
    user = fake.user(user_id)
    await user.send_start()
    return user


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


# ---- spec validation --------------------------------------------------------------------------


async def test_valid_send_returns_a_real_message(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    sent = await bot.send_message(user.id, "<b>Здравствуйте</b>, Анна!")

    assert isinstance(sent, Message)
    assert sent.text == "Здравствуйте, Анна!"
    assert sent.html_text == "<b>Здравствуйте</b>, Анна!"
    assert sent.from_user is not None and sent.from_user.username == "family_test_bot"
    assert sent.chat.id == user.id
    assert sent.date == fake.clock.now()
    # The bot's /start reply follows the user's /start in one message-id sequence.
    assert sent.message_id == 2
    assert user.last_text() == "Здравствуйте, Анна!"
    assert user.last().html == "<b>Здравствуйте</b>, Анна!"
    assert fake.calls_of("sendMessage")[0].params["parse_mode"] == "HTML"
    fake.assert_no_violations()


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "family_test_bot" and me.id == 123456


async def test_unknown_parameter_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    with pytest.raises(TelegramBadRequest, match="colour"):
        await bot(SendMessage(chat_id=user.id, text="hi", colour="red"))
    assert fake.violations and "unknown parameter" in fake.violations[0]
    with pytest.raises(AssertionError, match="colour"):
        fake.assert_no_violations()


async def test_missing_required_parameter_is_rejected(fake: FakeTelegram) -> None:
    status, body = await fake.handle("sendMessage", {"text": "hi"}, {})
    assert status == 400 and body["ok"] is False
    assert "chat_id" in body["description"] and "required" in body["description"]
    assert fake.errors() and fake.errors()[0].violation


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"chat_id": "42", "text": "x", "disable_notification": "yes"}, "Boolean"),
        (
            {"chat_id": "42", "text": "x", "reply_parameters": '{"message_id": "1"}'},
            "reply_parameters.message_id",
        ),
        ({"chat_id": "42", "text": "x", "reply_markup": "{not json"}, "JSON"),
        (
            {"chat_id": "42", "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": 1}]]}'},
            "inline_keyboard[0][0].text",
        ),
        (
            {"chat_id": "42", "text": "x", "reply_markup": '{"inline_keyboard": [[{"txt": "a"}]]}'},
            "txt",
        ),
        ({"chat_id": "42", "text": "x", "entities": '[{"type": "bold", "offset": 0}]'}, "length"),
    ],
)
async def test_bad_types_are_rejected(
    fake: FakeTelegram, params: dict[str, Any], fragment: str
) -> None:
    await started_user(fake)
    status, body = await fake.handle("sendMessage", params, {})
    assert status == 400, body
    assert fragment in body["description"]
    assert fake.violations


async def test_unknown_method_is_404(fake: FakeTelegram) -> None:
    status, body = await fake.handle("sendMesage", {"chat_id": "1", "text": "x"}, {})
    assert (status, body["description"]) == (404, "Not Found")


async def test_subtype_unions_are_checked(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    await bot.set_my_commands(
        [BotCommand(command="menu", description="Меню")],
        scope=BotCommandScopeChat(chat_id=user.id),
    )
    status, body = await fake.handle(
        "setMyCommands",
        {"commands": '[{"command": "a", "description": "b"}]', "scope": '{"type": "planet"}'},
        {},
    )
    assert status == 400 and "BotCommandScope" in body["description"]


def test_spec_accepts_what_the_fake_produces() -> None:
    spec = load_spec()
    assert spec.version.startswith("Bot API")
    spec.validate_object({"type": "chat", "chat_id": 5}, "BotCommandScope")


# ---- text and caption limits ------------------------------------------------------------------


async def test_text_length_counts_visible_characters(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    fake.flood_control = False
    sent = await bot.send_message(user.id, "<b>x</b>" * 4096)
    assert len(sent.text or "") == 4096
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(user.id, "<b>x</b>" * 4097)
    # Entities decode to one character each.
    await bot.send_message(user.id, "&amp;" * 4096)
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(user.id, "a" * 4097)


async def test_empty_text_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    for text in ("", "   \n", "<b></b>"):
        with pytest.raises(TelegramBadRequest, match="message text is empty"):
            await bot.send_message(user.id, text)


async def test_caption_limit(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    photo = BufferedInputFile(TINY_PNG, "qr.png")
    await bot.send_photo(user.id, photo, caption="<i>c</i>" * 1024)
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(user.id, photo, caption="c" * 1025)


@pytest.mark.parametrize(
    "text",
    [
        "<foo>x</foo>",
        "<b>unclosed",
        "a < b",
        "x &nbsp; y",
        "AT&T",
        "<b><i>x</b></i>",
        "</b>",
        '<span class="red">x</span>',
        "<a>no href</a>",
        '<b class="x">attr</b>',
        "<code><b>x</b></code>",
        "&#0;",
    ],
)
async def test_bad_html_is_rejected(fake: FakeTelegram, bot: Bot, text: str) -> None:
    user = await started_user(fake)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, text)
    assert fake.violations


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        ("&lt;b&gt;", "<b>"),
        ("a &amp; b &quot;c&quot; &#128512; &#x41;", 'a & b "c" 😀 A'),
        ("1 > 0", "1 > 0"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ("<tg-spoiler>s</tg-spoiler> <span class='tg-spoiler'>t</span>", "s t"),
        ('<pre><code class="language-python">print(1)</code></pre>', "print(1)"),
        ("<blockquote expandable>q</blockquote>", "q"),
        ("<B>upper</B> <strong>s</strong><em>e</em><ins>i</ins><del>d</del>", "upper seid"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
    ],
)
async def test_valid_html_passes(fake: FakeTelegram, bot: Bot, html: str, visible: str) -> None:
    user = await started_user(fake)
    sent = await bot.send_message(user.id, html)
    assert sent.text == visible
    fake.assert_no_violations()


def test_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>жирный</b> <pre><code class='language-py'>x</code></pre>")
    assert parsed.entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "pre", "offset": 10, "length": 1, "language": "py"},
    ]
    with pytest.raises(EntityParseError, match='expected "</b>"'):
        parse_html("<i><b>x</i></b>")


async def test_parse_mode_none_sends_text_verbatim(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    sent = await bot.send_message(user.id, "a < b & <foo>", parse_mode=None)
    assert sent.text == "a < b & <foo>"
    with pytest.raises(TelegramBadRequest, match="parse_mode"):
        await bot.send_message(user.id, "*x*", parse_mode="markdown")


# ---- keyboards --------------------------------------------------------------------------------


async def test_callback_data_is_limited_to_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    ok = keyboard(InlineKeyboardButton(text="ok", callback_data="я" * 32))  # 64 bytes
    await bot.send_message(user.id, "fits", reply_markup=ok)
    too_long = keyboard(InlineKeyboardButton(text="no", callback_data="я" * 33))  # 66 bytes
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "too long", reply_markup=too_long)
    assert len(fake.violations) == 1


@pytest.mark.parametrize(
    ("button", "fragment"),
    [
        (InlineKeyboardButton(text="none"), "exactly one action"),
        (InlineKeyboardButton(text="two", url="https://a.b", callback_data="x"), "exactly one"),
        (InlineKeyboardButton(text="ftp", url="ftp://a.b"), "BUTTON_URL_INVALID"),
        (InlineKeyboardButton(text=" ", callback_data="x"), "text is empty"),
    ],
)
async def test_bad_inline_buttons(
    fake: FakeTelegram, bot: Bot, button: InlineKeyboardButton, fragment: str
) -> None:
    user = await started_user(fake)
    with pytest.raises(TelegramBadRequest, match=fragment):
        await bot.send_message(user.id, "x", reply_markup=keyboard(button))


async def test_keyboard_rows_like_tdlib(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    button = InlineKeyboardButton(text="A", callback_data="a")
    # aiogram-dialog emits empty rows for empty groups; tdlib drops them silently.
    sent = await bot.send_message(
        user.id, "rows", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[], [button], []])
    )
    assert sent.reply_markup is not None
    assert [[b.text for b in row] for row in sent.reply_markup.inline_keyboard] == [["A"]]
    empty = await bot.send_message(
        user.id, "none", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[]])
    )
    assert empty.reply_markup is None
    fake.assert_no_violations()
    # tdlib would silently drop the 13th button of a row; the fake refuses.
    wide = [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(13)]
    with pytest.raises(TelegramBadRequest, match="max 12"):
        await bot.send_message(
            user.id, "wide", reply_markup=InlineKeyboardMarkup(inline_keyboard=[wide])
        )


async def test_url_buttons_accept_http_and_tg(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    markup = keyboard(
        InlineKeyboardButton(text="web", url="https://example.org/path?q=1"),
        InlineKeyboardButton(text="tg", url="tg://user?id=42"),
    )
    await bot.send_message(user.id, "links", reply_markup=markup)
    fake.assert_no_violations()


async def test_reply_keyboard_state(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Записаться")]], resize_keyboard=True
    )
    sent = await bot.send_message(user.id, "Выберите", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram never echoes reply keyboards
    assert user.reply_buttons() == ["Записаться"]
    await user.press_reply("Записаться")
    with pytest.raises(AssertionError, match="Отмена"):
        await user.press_reply("Отмена")


# ---- edits and deletes ------------------------------------------------------------------------


async def test_edit_with_identical_content_is_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    markup = keyboard(InlineKeyboardButton(text="a", callback_data="a"))
    sent = await bot.send_message(user.id, "<b>same</b>", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<strong>same</strong>",
            chat_id=user.id,
            message_id=sent.message_id,
            reply_markup=markup,
        )
    # Same text but dropping the keyboard is a modification: the keyboard disappears.
    edited = await bot.edit_message_text("<b>same</b>", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.reply_markup is None
    assert user.last().reply_markup is None and user.last().edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id)
    assert len(fake.violations) == 2


async def test_not_modified_can_be_downgraded(clock: ManualClock) -> None:
    fake = FakeTelegram(clock, not_modified_is_violation=False)
    bot = Bot(fake.token, session=FakeSession(fake))
    user = await started_user(fake)
    sent = await bot.send_message(user.id, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)
    fake.assert_no_violations()  # still a 400, listed in errors(), but not a violation
    assert fake.errors()[-1].status == 400
    await bot.session.close()


async def test_edit_and_delete_of_missing_messages(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, 999)
    sent = await bot.send_message(user.id, "bye")
    assert await bot.delete_message(user.id, sent.message_id) is True
    assert user.messages() == []
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=1)  # the user's /start


async def test_edit_caption_and_text_kinds(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    photo = await bot.send_photo(user.id, BufferedInputFile(TINY_PNG, "a.png"), caption="old")
    with pytest.raises(TelegramBadRequest, match="no text in the message"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=photo.message_id)
    edited = await bot.edit_message_caption(
        chat_id=user.id, message_id=photo.message_id, caption="<b>new</b>"
    )
    assert isinstance(edited, Message) and edited.caption == "new"
    assert user.last_text() == "new"


async def test_delete_window_is_48_hours(fake: FakeTelegram, bot: Bot, clock: ManualClock) -> None:
    user = await started_user(fake)
    sent = await bot.send_message(user.id, "old")
    clock.advance(hours=48)
    with pytest.raises(TelegramBadRequest, match="can't be deleted"):
        await bot.delete_message(user.id, sent.message_id)
    fake.assert_no_violations()  # a runtime condition, not a malformed call


# ---- chats: blocked, unknown ------------------------------------------------------------------


async def test_blocked_user_gives_403(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    await user.block()
    assert "my_chat_member" in fake.updates[-1]
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user.id, "hello?")
    await user.unblock()
    await bot.send_message(user.id, "welcome back")
    fake.assert_no_violations()  # blocked is runtime behaviour, not a violation


async def test_unknown_chat_is_not_found(fake: FakeTelegram, bot: Bot) -> None:
    fake.user(7)  # exists but never wrote to the bot
    for chat_id in (7, 999, "@someone"):
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(chat_id, "hi")
    assert fake.violations == []


# ---- flood control ----------------------------------------------------------------------------


async def test_global_flood_limit(fake: FakeTelegram, bot: Bot, clock: ManualClock) -> None:
    users = [await started_user(fake, 100 + i) for i in range(31)]
    for user in users[:30]:
        await bot.send_message(user.id, "broadcast")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(users[30].id, "broadcast")
    assert caught.value.retry_after >= 1
    clock.advance(caught.value.retry_after)
    await bot.send_message(users[30].id, "broadcast")
    fake.assert_no_violations()


async def test_per_chat_flood_limit(fake: FakeTelegram, bot: Bot, clock: ManualClock) -> None:
    user = await started_user(fake)
    for _ in range(3):
        await bot.send_message(user.id, "burst")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "one too many")
    error = fake.errors()[-1]
    assert error.status == 429 and not error.violation
    clock.advance(caught.value.retry_after)
    await bot.send_message(user.id, "later")
    # Spreading messages at ~1/s never trips the limit.
    for _ in range(10):
        clock.advance(1)
        await bot.send_message(user.id, "steady")


async def test_flood_control_can_be_disabled(clock: ManualClock) -> None:
    fake = FakeTelegram(clock, flood_control=False)
    bot = Bot(fake.token, session=FakeSession(fake))
    user = await started_user(fake)
    for _ in range(50):
        await bot.send_message(user.id, "spam")
    await bot.session.close()


# ---- callbacks and the dispatcher -------------------------------------------------------------


def make_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text == "/start")
    async def start(message: Message) -> None:
        kb = InlineKeyboardBuilder()
        kb.button(text="Да", callback_data="answer:yes")
        kb.button(text="Нет", callback_data="answer:no")
        await message.answer("Придёте на встречу?", reply_markup=kb.as_markup())

    @router.callback_query(F.data.startswith("answer:"))
    async def answer(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Ответ: <b>{query.data}</b>")
        await query.answer("Спасибо!")

    @router.callback_query()
    async def unknown(query: CallbackQuery) -> None:
        await query.answer("Кнопка устарела", show_alert=True)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def test_press_drives_the_dispatcher(fake: FakeTelegram, bot: Bot) -> None:
    dp = make_dispatcher()
    fake.deliver = lambda update: dp.feed_raw_update(bot, update)
    user = fake.user(42)
    await user.send_start()
    assert user.last().button_texts() == ["Да", "Нет"]

    query_id = await user.press("Да")
    assert fake.updates[-1]["callback_query"]["data"] == "answer:yes"
    assert user.last_text() == "Ответ: answer:yes"
    assert fake.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Спасибо!"}
    fake.assert_no_violations()

    with pytest.raises(AssertionError, match="Нет"):  # the keyboard is gone after the edit
        await user.press("Нет")

    forged = await user.press_forged("evil:payload", user.last().message_id)
    assert fake.callback_answer(forged) == {
        "callback_query_id": forged,
        "text": "Кнопка устарела",
        "show_alert": True,
    }


async def test_press_by_callback_data_and_missing_button(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    await bot.send_message(
        user.id, "one", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    await bot.send_message(
        user.id, "two", reply_markup=keyboard(InlineKeyboardButton(text="B", callback_data="b"))
    )
    await user.press("a")  # found in the older message
    assert fake.updates[-1]["callback_query"]["message"]["text"] == "one"
    with pytest.raises(AssertionError, match=r"'A'.*'B'|\['B'\]"):
        await user.press("C")
    with pytest.raises(AssertionError, match="never answered"):
        fake.assert_no_violations()


async def test_answer_callback_query_twice_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    await bot.send_message(
        user.id, "q", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    query_id = await user.press("A")
    assert await bot.answer_callback_query(query_id) is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123")
    assert len(fake.violations) == 2


async def test_answer_callback_text_limit(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    await bot.send_message(
        user.id, "q", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    query_id = await user.press("A")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    await bot.answer_callback_query(query_id, text="x" * 200)


async def test_user_updates_are_well_formed(fake: FakeTelegram) -> None:
    received: list[dict[str, Any]] = []

    async def collect(update: dict[str, Any]) -> None:
        received.append(update)

    fake.deliver = collect
    user = fake.user(5, first_name="Иван", language_code="uk", username="ivan")
    await user.send_command("help", "me")
    await user.send_photo(caption="фото")
    await user.send_voice(duration=7)
    await user.send_document("plan.pdf")
    await user.send_contact("+79990000000", "Иван")
    await user.send_location(55.75, 37.61)
    await user.send_sticker()
    first = received[0]["message"]
    assert first["from"] == {
        "id": 5,
        "is_bot": False,
        "first_name": "Иван",
        "username": "ivan",
        "language_code": "uk",
    }
    assert first["chat"]["type"] == "private"
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    ids = [u["update_id"] for u in received]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [u["message"]["message_id"] for u in received] == list(range(1, 8))
    spec = load_spec()
    for update in received:
        spec.validate_object(update, "Update")


# ---- commands, files --------------------------------------------------------------------------


async def test_set_my_commands_rules(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], language_code="ru"
    )
    assert fake.commands[('{"type": "default"}', "ru")][0]["command"] == "start"
    assert [c.command for c in await bot.get_my_commands(language_code="ru")] == ["start"]
    assert await bot.get_my_commands() == []
    for bad in (
        BotCommand(command="Start", description="x"),
        BotCommand(command="a" * 33, description="x"),
        BotCommand(command="ok", description="x" * 257),
    ):
        with pytest.raises(TelegramBadRequest, match="BOT_COMMAND"):
            await bot.set_my_commands([bad])
    with pytest.raises(TelegramBadRequest, match="too many commands"):
        await bot.set_my_commands(
            [BotCommand(command=f"c{i}", description="x") for i in range(101)]
        )
    with pytest.raises(TelegramBadRequest, match="language_code"):
        await bot.set_my_commands([BotCommand(command="a", description="b")], language_code="rus")


async def test_a_chat_sees_the_commands_of_the_narrowest_scope_set(
    fake: FakeTelegram, bot: Bot
) -> None:
    """Telegram's order for a private chat: the chat with the user's language, the chat, all
    private chats with the language, all private chats, default with the language, default."""
    user = fake.user(42, language_code="en")
    other = fake.user(43, language_code="ru")

    def one(name: str) -> list[BotCommand]:
        return [BotCommand(command=name, description=name)]

    assert user.commands() == []
    await bot.set_my_commands(one("default"))
    await bot.set_my_commands(one("default_en"), language_code="en")
    assert (user.commands(), other.commands()) == (["default_en"], ["default"])
    await bot.set_my_commands(one("private"), BotCommandScopeAllPrivateChats())
    assert (user.commands(), other.commands()) == (["private"], ["private"])
    await bot.set_my_commands(one("private_en"), BotCommandScopeAllPrivateChats(), "en")
    assert (user.commands(), other.commands()) == (["private_en"], ["private"])
    await bot.set_my_commands(one("chat"), BotCommandScopeChat(chat_id=42))
    assert (user.commands(), other.commands()) == (["chat"], ["private"])
    await bot.set_my_commands(one("chat_en"), BotCommandScopeChat(chat_id=42), "en")
    assert user.commands() == ["chat_en"]
    await bot.delete_my_commands(BotCommandScopeChat(chat_id=42), "en")
    assert user.commands() == ["chat"]
    await bot.delete_my_commands(BotCommandScopeChat(chat_id=42))
    assert user.commands() == ["private_en"]
    fake.assert_no_violations()


async def test_a_second_deletion_by_the_bot_is_a_violation(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    sent = await bot.send_message(user.id, "one")
    await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)
    assert len(fake.violations) == 2
    fake.violations.clear()
    # One the person deleted in their app is a runtime condition the bot cannot foresee.
    other = await bot.send_message(user.id, "two")
    await user.delete_message(other.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, other.message_id)
    fake.assert_no_violations()


async def test_press_twice_and_a_copy_carry_the_message_as_it_was(
    fake: FakeTelegram, bot: Bot
) -> None:
    received: list[dict[str, Any]] = []

    async def collect(update: dict[str, Any]) -> None:
        received.append(update)
        if len(received) == 1:  # the first tap's handling deletes the message
            await bot.delete_message(user.id, update["callback_query"]["message"]["message_id"])

    user = await started_user(fake)
    sent = await bot.send_message(
        user.id, "q", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    kept = fake.message(user.id, sent.message_id)
    assert kept is not None
    copy = dataclasses.replace(kept)
    fake.deliver = collect
    await user.press_twice("A")
    assert [u["callback_query"]["message"]["text"] for u in received] == ["q", "q"]
    await user.press_on_copy(copy, "A")
    assert received[-1]["callback_query"]["message"]["text"] == "q"
    await user.press_on_copy(copy, "A", inaccessible=True)
    assert received[-1]["callback_query"]["message"]["date"] == 0
    for update in received:
        load_spec().validate_object(update, "Update")


async def test_files_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    user = await started_user(fake)
    doc = await bot.send_document(user.id, BufferedInputFile(b"hello", "note.txt"))
    assert doc.document is not None and doc.document.file_name == "note.txt"
    file = await bot.get_file(doc.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"hello"
    # Re-sending by file_id works; the wrong kind or an unknown id does not.
    await bot.send_document(user.id, doc.document.file_id)
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(user.id, doc.document.file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(user.id, "AgACnope")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(user.id, BufferedInputFile(b"not an image", "x.png"))
    voice = await user.send_voice()
    user_file = await bot.get_file(voice.content["voice"]["file_id"])
    assert user_file.file_size and user_file.file_size > 0


async def test_fake_session_serialises_like_aiohttp(fake: FakeTelegram, bot: Bot) -> None:
    method = SendMessage(
        chat_id=42,
        text="x",
        reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a")),
        disable_notification=False,
    )
    session = bot.session
    assert isinstance(session, FakeSession)
    params, files = await session.serialise(bot, method)
    form = AiohttpSession().build_form_data(bot, method)
    wire = {options["name"]: value for options, _headers, value in form._fields}
    assert params == wire
    assert params["disable_notification"] == "false" and files == {}
    assert params["parse_mode"] == "HTML"


# ---- HTTP transport ---------------------------------------------------------------------------


async def http_bot(url: str, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def test_http_get_me_send_and_poll(fake: FakeTelegram) -> None:
    async with serve_http(fake) as server:
        bot = await http_bot(server.url)
        try:
            me = await bot.get_me()
            assert me.username == "family_test_bot"
            user = fake.user(42)
            await user.send_text("Привет")
            updates = await bot.get_updates(timeout=0)
            assert [u.message.text for u in updates if u.message] == ["Привет"]
            await bot.send_message(user.id, "<i>Здравствуйте</i>")
            assert user.last_text() == "Здравствуйте"
            # Confirming with offset empties the queue.
            assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
            with pytest.raises(TelegramBadRequest, match="can't parse entities"):
                await bot.send_message(user.id, "<b>")
        finally:
            await bot.session.close()
    assert len(fake.violations) == 1


async def test_http_long_poll_returns_when_an_update_arrives(fake: FakeTelegram) -> None:
    async with serve_http(fake) as server:
        bot = await http_bot(server.url)
        try:
            user = fake.user(42)
            started = time.monotonic()
            poll = asyncio.create_task(bot.get_updates(timeout=20))
            await fake.wait_for(lambda: fake.long_polls_waiting == 1)
            await user.send_text("ping")
            updates = await asyncio.wait_for(poll, 5)
            assert [u.message.text for u in updates if u.message] == ["ping"]
            assert time.monotonic() - started < 5
        finally:
            await bot.session.close()


async def test_http_wrong_token_and_multipart_upload(fake: FakeTelegram) -> None:
    async with serve_http(fake) as server:
        bad = await http_bot(server.url, token="999:WRONG")
        good = await http_bot(server.url)
        try:
            with pytest.raises(TelegramUnauthorizedError):
                await bad.get_me()
            user = await started_user(fake)
            sent = await good.send_photo(user.id, BufferedInputFile(TINY_PNG, "qr.png"))
            assert sent.photo and sent.photo[-1].width == 1
            file = await good.get_file(sent.photo[-1].file_id)
            assert file.file_path is not None
            data = await good.download_file(file.file_path)
            assert data is not None and data.read() == TINY_PNG
            status, body = await _raw_post(server.url + f"/bot{TOKEN}/noSuchMethod", {})
            assert (status, body["description"]) == (404, "Not Found")
            status, body = await _raw_post(
                server.url + f"/bot{TOKEN}/sendMessage", {"chat_id": user.id, "text": "json"}
            )
            assert status == 200 and body["result"]["text"] == "json"
        finally:
            await bad.session.close()
            await good.session.close()


async def _raw_post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A JSON-body request, as other client libraries send it."""
    async with aiohttp.ClientSession() as session, session.post(url, json=payload) as resp:
        return resp.status, await resp.json()


async def test_http_webhook_delivery(fake: FakeTelegram) -> None:
    fake.allow_http_webhook = True
    received: list[tuple[str | None, dict[str, Any]]] = []
    statuses = [500, 200, 200]

    async def receiver(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.json_response({}, status=statuses.pop(0))

    app = web.Application()
    app.router.add_post("/hook", receiver)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with serve_http(fake) as server:
            bot = await http_bot(server.url)
            try:
                await bot.set_webhook(hook_url, secret_token="s3cret_token")
                with pytest.raises(TelegramConflictError, match="webhook is active"):
                    await bot.get_updates()
                user = fake.user(42)
                await user.send_text("через вебхук")
                # First attempt got a 500 and was retried.
                assert [secret for secret, _ in received] == ["s3cret_token", "s3cret_token"]
                assert received[-1][1]["message"]["text"] == "через вебхук"
                assert len(fake.webhook_failures) == 1
                info = await bot.get_webhook_info()
                assert info.url == hook_url and info.last_error_message
                await bot.delete_webhook()
                await user.send_text("снова polling")
                updates = await bot.get_updates(timeout=0)
                assert updates[-1].message and updates[-1].message.text == "снова polling"
            finally:
                await bot.session.close()
    finally:
        await runner.cleanup()


async def test_https_required_for_webhook_by_default(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS"):
        await bot.set_webhook("http://example.org/hook")
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()


# ---- real bot stacks: aiogram-dialog, polling, aiogram's webhook handler ----------------------


class Menu(StatesGroup):
    main = State()
    second = State()


def make_dialog_dispatcher(name: str) -> Dispatcher:
    async def getter(**_: Any) -> dict[str, Any]:
        return {"name": name, "days": [("Понедельник", "1"), ("Вторник", "2")]}

    async def on_day(query: CallbackQuery, widget: Any, manager: DialogManager, day: str) -> None:
        await manager.switch_to(Menu.second)

    dialog = Dialog(
        Window(
            Format("Привет, {name}! <b>Меню</b>"),
            Select(
                Format("{item[0]}"),
                id="day",
                item_id_getter=lambda item: item[1],
                items="days",
                on_click=on_day,
            ),
            SwitchTo(Const("Дальше"), id="next", state=Menu.second),
            state=Menu.main,
            getter=getter,
        ),
        Window(Const("Второе окно"), Back(Const("Назад")), state=Menu.second),
    )
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(Menu.main, mode=StartMode.RESET_STACK)

    dp = Dispatcher()
    dp.include_router(router)
    dp.include_router(dialog)
    setup_dialogs(dp)
    return dp


async def test_aiogram_dialog_runs_clean(fake: FakeTelegram, bot: Bot, clock: ManualClock) -> None:
    dp = make_dialog_dispatcher("Анна")
    fake.deliver = lambda update: dp.feed_raw_update(bot, update)
    user = fake.user(42)
    await user.send_start()
    assert user.last_text() == "Привет, Анна! Меню"
    assert user.last().button_texts() == ["Понедельник", "Вторник", "Дальше"]
    for button in ("Дальше", "Назад", "Вторник"):
        clock.advance(1)
        await user.press(button)
    assert user.last_text() == "Второе окно"
    assert len(user.messages()) == 1  # the dialog edits one message in place
    fake.assert_no_violations()


async def test_aiogram_dialog_unescaped_user_data_is_caught(fake: FakeTelegram, bot: Bot) -> None:
    dp = make_dialog_dispatcher("<Анна>")  # a name a user could choose, not escaped by Format
    fake.deliver = lambda update: dp.feed_raw_update(bot, update)
    user = fake.user(42)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await user.send_start()
    assert fake.violations


async def test_in_process_polling(fake: FakeTelegram, bot: Bot) -> None:
    dp = make_dispatcher()
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=30))
    try:
        user = fake.user(42)
        await user.send_start()
        await fake.wait_for(lambda: bool(user.messages()))
        assert user.last_text() == "Придёте на встречу?"
    finally:
        await dp.stop_polling()
        await polling
    fake.assert_no_violations()


async def test_aiogram_webhook_handler_and_webhook_reply(fake: FakeTelegram) -> None:
    fake.allow_http_webhook = True
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> Any:
        return message.answer("ответ прямо в вебхук")  # executed by Telegram from the response

    dp = Dispatcher()
    dp.include_router(router)
    async with serve_http(fake) as server:
        bot = await http_bot(server.url)
        app = web.Application()
        SimpleRequestHandler(dp, bot, secret_token="tok", handle_in_background=False).register(
            app, path="/webhook"
        )
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            await bot.set_webhook(
                f"http://127.0.0.1:{runner.addresses[0][1]}/webhook", secret_token="tok"
            )
            user = fake.user(42)
            await user.send_start()
            assert user.last_text() == "ответ прямо в вебхук"
            assert fake.webhook_failures == []
            # A wrong secret makes aiogram answer 401: a delivery failure, retried, then kept.
            fake.webhook.secret_token = "other"  # type: ignore[union-attr]
            await user.send_text("hi")
            assert [f.attempt for f in fake.webhook_failures] == [1, 2, 3]
            assert (await bot.get_webhook_info()).pending_update_count == 1
        finally:
            await bot.session.close()
            await runner.cleanup()
    fake.assert_no_violations()
