"""aiogram's Telegram types built on first use (bot/lazy_telegram_types.py) behave as aiogram's own
eager build: every type and method builds, and the schemas and parsed updates are the same.

Each side runs in a fresh interpreter: in this one, the bot (and so the lazy build) is imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# The types and methods every dialog step goes through, and a few with deep nesting.
CENTRAL = [
    "aiogram.types.Update",
    "aiogram.types.Message",
    "aiogram.types.CallbackQuery",
    "aiogram.types.InlineKeyboardMarkup",
    "aiogram.types.ReplyKeyboardMarkup",
    "aiogram.types.ChatMemberUpdated",
    "aiogram.methods.SendMessage",
    "aiogram.methods.EditMessageReplyMarkup",
    "aiogram.methods.AnswerCallbackQuery",
    "aiogram.methods.DeleteMessage",
    "aiogram.methods.SetMyCommands",
]

UPDATES = [
    {
        "update_id": 1,
        "message": {
            "message_id": 10,
            "date": 1_700_000_000,
            "chat": {"id": 5, "type": "private", "first_name": "Анна"},
            "from": {"id": 5, "is_bot": False, "first_name": "Анна", "language_code": "ru"},
            "text": "/start hello",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "reply_to_message": {
                "message_id": 9,
                "date": 1_700_000_000,
                "chat": {"id": 5, "type": "private"},
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            },
        },
    },
    {
        "update_id": 2,
        "callback_query": {
            "id": "77",
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "chat_instance": "ci",
            "data": "x:1",
            "message": {
                "message_id": 11,
                "date": 1_700_000_000,
                "chat": {"id": 5, "type": "private"},
                "text": "menu",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "a", "callback_data": "x:1"}]],
                },
            },
        },
    },
    {
        "update_id": 3,
        "my_chat_member": {
            "chat": {"id": -100, "type": "supergroup", "title": "g"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "date": 1_700_000_000,
            "old_chat_member": {
                "status": "left",
                "user": {"id": 9, "is_bot": True, "first_name": "b"},
            },
            "new_chat_member": {
                "status": "member",
                "user": {"id": 9, "is_bot": True, "first_name": "b"},
            },
        },
    },
]

PROBE = textwrap.dedent(
    """
    import json, sys
    lazy = sys.argv[1] == "lazy"
    if lazy:
        import bot.config  # installs the lazy build, as the bot's entry points do
    aiogram_before = "aiogram" in sys.modules
    import aiogram.methods
    import aiogram.types
    from aiogram.methods import SendMessage
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
    from pydantic import BaseModel

    central, updates = json.loads(sys.stdin.read())
    out = {"built_at_import": Message.__pydantic_complete__, "aiogram_before": aiogram_before}
    out["updates"] = [Update.model_validate(u).model_dump_json() for u in updates]
    out["send"] = SendMessage(
        chat_id=5,
        text="<b>x</b>",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]]
        ),
    ).model_dump_json(exclude_defaults=True)
    out["schemas"] = {}
    for path in central:
        module, name = path.rsplit(".", 1)
        out["schemas"][path] = getattr(sys.modules[module], name).model_json_schema()
    incomplete = []
    for module in (aiogram.types, aiogram.methods):
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, BaseModel):
                cls.model_rebuild(raise_errors=True)
                if not cls.__pydantic_complete__:
                    incomplete.append(name)
    out["incomplete"] = incomplete
    print(json.dumps(out, sort_keys=True, default=str))
    """
)


def _probe(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE, mode],
        input=json.dumps([CENTRAL, UPDATES]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def eager() -> dict:
    return _probe("eager")


@pytest.fixture(scope="module")
def lazy() -> dict:
    return _probe("lazy")


def test_importing_the_bot_leaves_the_types_unbuilt(eager: dict, lazy: dict) -> None:
    assert eager["built_at_import"] is True
    assert lazy["built_at_import"] is False
    assert lazy["aiogram_before"] is False  # installing it imports nothing of aiogram


def test_every_type_and_method_builds_on_first_use(lazy: dict) -> None:
    assert lazy["incomplete"] == []


def test_updates_parse_and_methods_serialise_as_in_the_eager_build(eager: dict, lazy: dict) -> None:
    assert lazy["updates"] == eager["updates"]
    assert lazy["send"] == eager["send"]
    assert "Анна" in json.loads(lazy["updates"][0])["message"]["from_user"]["first_name"]


def test_schemas_are_those_of_the_eager_build(eager: dict, lazy: dict) -> None:
    assert set(lazy["schemas"]) == set(CENTRAL)
    for path in CENTRAL:
        assert lazy["schemas"][path] == eager["schemas"][path], path
