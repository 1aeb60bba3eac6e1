"""NUL characters anywhere in an update (the sender's first and last name, a shared contact's
names, a document's file name, a venue's title) never reach the database: PostgreSQL text
cannot hold them and the whole update failed there. Through the real dispatcher and the fake
Telegram, on whichever backend the suite runs; the middleware itself over a full update."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update
from sqlalchemy import String, Text, select

from bot.db.models import Base, HomeworkAnswer, Person, Role
from bot.middlewares.text_guard import NUL, REPLACEMENT, clean
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import enrol_now, release, send_now

PARENT_ID = 3001
NAME, LAST = "Ан\x00на", "Пет\x00рова"


async def nul_anywhere(app: BotHarness) -> list[str]:
    """Table.column of every stored text or JSON value holding NUL (SQLite stores them)."""
    found = []
    async with app.sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.name]
                    texty = isinstance(column.type, (String, Text)) or isinstance(
                        value, (dict, list)
                    )
                    if texty and NUL in str(value):
                        found.append(f"{table.name}.{column.name}")
    return found


async def test_a_parent_with_nul_in_the_name_joins_and_hands_in(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    token = await app.invitation(ADMIN_ID, Role.PARENT, family_id)
    parent = await app.joined(PARENT_ID, token, first_name=NAME, last_name=LAST)
    assert await app.deliver() >= 1  # the coordinator is told, with the cleaned name
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == PARENT_ID))
    assert person is not None
    assert person.display_name == f"Ан{REPLACEMENT}на Пет{REPLACEMENT}рова"

    await enrol_now(app, family_id)
    await send_now(app)
    app.clock.advance(60)
    await release(app)
    await send_now(app)
    await parent.press("✍️ Ответить")
    await parent.send_document(file_name="пл\x00ан.pdf", caption="наш\x00 план")
    assert "документы: 1" in parent.last_text()
    await parent.send_contact("+7900\x00", "Ма\x00рия", own=False)
    assert "Я принимаю текст" in parent.last_text()
    await parent.send_text("ответ\x00 текстом")
    assert "тексты: 1" in parent.last_text()
    async with app.sessionmaker() as session:
        stored = list(await session.scalars(select(HomeworkAnswer).order_by(HomeworkAnswer.id)))
    assert [(a.kind, a.text) for a in stored] == [
        ("document", f"наш{REPLACEMENT} план"),
        ("text", f"ответ{REPLACEMENT} текстом"),
    ]
    assert await nul_anywhere(app) == []


async def test_a_venue_with_nul_in_the_title_is_taken_as_a_place(app: BotHarness) -> None:
    coordinator = await app.admin(ADMIN_ID)
    now = app.fake.now_ts()
    venue = {
        "location": {"latitude": 55.75, "longitude": 37.61},
        "title": "Шко\x00ла",
        "address": "ул.\x00 Мира",
    }
    message: dict[str, Any] = {
        "message_id": 900,
        "date": now,
        "chat": coordinator.chat_api(),
        "from": coordinator.user_api(),
        "venue": venue,
        "location": venue["location"],
    }
    await app.fake.send_raw_update({"message": message})
    await app.fake.send_raw_update(
        {"edited_message": {**message, "edit_date": now, "text": "x\x00"}}
    )
    assert await nul_anywhere(app) == []


def test_every_string_of_an_update_is_cleaned() -> None:
    user = {"id": 5, "is_bot": False, "first_name": "A\x00", "last_name": "B\x00"}
    chat = {"id": 5, "type": "private", "first_name": "A\x00"}
    update = Update.model_validate(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat,
                "from": user,
                "contact": {"phone_number": "1\x00", "first_name": "C\x00", "last_name": "D\x00"},
                "document": {"file_id": "f", "file_unique_id": "u", "file_name": "x\x00.pdf"},
                "caption": "c\x00",
                "reply_to_message": {
                    "message_id": 0,
                    "date": 0,
                    "chat": chat,
                    "venue": {
                        "location": {"latitude": 1.0, "longitude": 2.0},
                        "title": "t\x00",
                        "address": "a\x00",
                    },
                },
            },
        }
    )
    cleaned = clean(update)
    assert "\\u0000" not in cleaned.model_dump_json() and "\\u0000" in update.model_dump_json()
    dumped = cleaned.model_dump()
    assert dumped["message"]["contact"]["first_name"] == f"C{REPLACEMENT}"
    assert dumped["message"]["document"]["file_name"] == f"x{REPLACEMENT}.pdf"
    assert dumped["message"]["reply_to_message"]["venue"]["title"] == f"t{REPLACEMENT}"
    assert dumped["message"]["from_user"]["last_name"] == f"B{REPLACEMENT}"
    plain = Update.model_validate(
        {
            "update_id": 2,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat | {"first_name": "A"},
                "text": "hi",
            },
        }
    )
    assert clean(plain) is plain  # nothing to clean: not copied
