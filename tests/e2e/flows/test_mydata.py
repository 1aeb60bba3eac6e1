"""/mydata through the bot and the strict fake: the summary, the JSON download, withdrawal with
its confirmation; after it the person is a stranger, the staff are told, and a stale button does
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db.models import Consent, FamilyLink, Person, Role
from tests.conftest import ADMIN_ID
from tests.faketg.core import StoredMessage
from tests.faketg.users import FakeUser
from tests.harness import BotHarness

PARENT_ID = 3001
MENTOR_ID = 3002


def _documents(app: BotHarness, user_id: int) -> list[StoredMessage]:
    return [m for m in app.fake.chat_messages(user_id) if m.from_bot and m.kind == "document"]


def _json_of(app: BotHarness, message: StoredMessage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        app.fake.files.get(message.content["document"]["file_id"]).data
    )
    return data


async def _parent(app: BotHarness, language: str = "ru") -> tuple[FakeUser, int]:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, name="Ивановы")
    token = await app.invitation(ADMIN_ID, Role.PARENT, family_id)
    user = await app.joined(PARENT_ID, token, first_name="Анна", language_code=language)
    return user, family_id


async def _people(app: BotHarness) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count(Person.id))) or 0)


@pytest.mark.parametrize(
    ("language", "title", "download", "family_word"),
    [
        ("ru", "Что бот хранит о вас", "📥 Скачать мои данные", "Семья"),
        ("en", "What the bot holds about you", "📥 Download my data", "Family"),
    ],
)
async def test_parent_sees_and_downloads_their_data(
    app: BotHarness, language: str, title: str, download: str, family_word: str
) -> None:
    parent, family_id = await _parent(app, language)
    await parent.send_command("mydata")
    text = parent.last_text()
    assert title in text and "Анна" in text and f"Ивановы #{family_id}" in text
    assert family_word in text
    await parent.press(download)
    [document] = _documents(app, PARENT_ID)
    assert document.content["document"]["file_name"].startswith("my_data_")
    data = _json_of(app, document)
    assert data["person"]["name"] == "Анна"
    assert data["person"]["telegram_id"] == PARENT_ID
    assert data["families"] == [{"family_id": family_id, "name": "Ивановы", "as": "parent"}]
    assert [r["role"] for r in data["roles"]] == ["parent"]
    assert title in parent.last_text()  # the summary again below the file
    app.fake.assert_no_violations()


@pytest.mark.parametrize(
    ("language", "download"), [("en", "📥 Download my data"), ("ru", "📥 Скачать мои данные")]
)
async def test_mentor_downloads_their_data(app: BotHarness, language: str, download: str) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    mentor = await app.joined(MENTOR_ID, token, first_name="Олег", language_code=language)
    await mentor.send_command("mydata")
    await mentor.press(download)
    data = _json_of(app, _documents(app, MENTOR_ID)[-1])
    assert data["person"]["name"] == "Олег"
    assert [r["role"] for r in data["roles"]] == ["mentor"]
    assert data["visits_recorded"] == []
    assert all(entry["action"] != "" for entry in data["audit"])


async def test_parent_withdraws_and_becomes_a_stranger(app: BotHarness) -> None:
    parent, _family_id = await _parent(app)
    await parent.send_command("mydata")
    await parent.press("🚫 Отозвать согласие")
    assert "Отозвать согласие?" in parent.last_text()
    confirm = parent.last()
    yes_data = next(b["callback_data"] for b in confirm.buttons() if b["text"] == "Да, отозвать")
    people_before = await _people(app)
    await parent.press("Да, отозвать")
    assert "Согласие отозвано" in parent.last_text()
    assert parent.last().buttons() == []
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.display_name == "—"))
        assert person is not None and person.telegram_id < 0 and person.anonymised_at
        consent = await session.scalar(select(Consent).where(Consent.person_id == person.id))
        assert consent is not None and consent.withdrawn_at is not None
        links = await session.scalar(
            select(func.count(FamilyLink.id)).where(FamilyLink.person_id == person.id)
        )
        assert links == 0
    assert await app.stored_state(PARENT_ID) == []

    # The family has no curator: the coordinators hear of it.
    await app.deliver()
    boss_texts = [m.visible_text for m in app.fake.chat_messages(ADMIN_ID) if m.from_bot]
    # The family is named, below a first line that names nobody; the parent is not.
    notice = "Родитель отозвал согласие.\nСемья: Ивановы\n"
    assert any(t.startswith(notice) and "Анна" not in t for t in boss_texts)

    # A stale button and a next message: a stranger's answers, nothing stored.
    await parent.press_forged(yes_data, confirm.message_id)
    await parent.send_text("Привет")
    assert "нужна личная ссылка-приглашение" in parent.last_text() or "приглашени" in (
        parent.last_text()
    )
    await parent.send_command("mydata")
    assert await _people(app) == people_before
    assert await app.stored_state(PARENT_ID) == []
    app.fake.assert_no_violations()


async def test_cancel_keeps_everything(app: BotHarness) -> None:
    parent, _ = await _parent(app, "en")
    await parent.send_command("mydata")
    await parent.press("🚫 Withdraw consent")
    await parent.press("Cancel")
    assert "What the bot holds about you" in parent.last_text()
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == PARENT_ID))
        assert person is not None and person.display_name == "Анна"
        assert person.anonymised_at is None
    await app.deliver()
    assert not any(
        "withdrew" in m.visible_text or "отозвал" in m.visible_text
        for m in app.fake.chat_messages(ADMIN_ID)
        if m.from_bot
    )


async def test_mentor_withdraws_in_english_and_the_coordinator_is_told(app: BotHarness) -> None:
    await app.admin(ADMIN_ID, language_code="en")
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    mentor = await app.joined(MENTOR_ID, token, first_name="Олег", language_code="en")
    await mentor.send_command("mydata")
    await mentor.press("🚫 Withdraw consent")
    await mentor.press("Yes, withdraw")
    assert "Your consent is withdrawn" in mentor.last_text()
    await app.deliver()
    notices = [m.visible_text for m in app.fake.chat_messages(ADMIN_ID) if m.from_bot]
    assert any("(mentor) withdrew their consent" in t and "Олег" not in t for t in notices)
    await mentor.send_command("visit")
    assert "invitation" in mentor.last_text()


async def test_admin_withdraws_and_can_come_back_with_start(app: BotHarness) -> None:
    boss = await app.admin(ADMIN_ID)
    await boss.send_command("mydata")
    await boss.press("🚫 Отозвать согласие")
    await boss.press("Да, отозвать")
    assert "Согласие отозвано" in boss.last_text()
    await app.deliver()  # nobody else to tell: no coordinator is left
    await boss.send_start()
    assert "Прежде чем начать" in boss.last_text()  # the ADMIN_IDS consent again
    await boss.press("✅ Согласен(на)")
    async with app.sessionmaker() as session:
        rows = list(await session.scalars(select(Person).order_by(Person.id)))
    assert [(p.display_name == "—", p.telegram_id == ADMIN_ID) for p in rows] == [
        (True, False),
        (False, True),
    ]
    app.fake.assert_no_violations()
