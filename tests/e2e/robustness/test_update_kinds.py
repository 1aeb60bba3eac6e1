"""Updates the bot does not serve: groups, channels, edits, inline queries, people who never
consented. Each is handled without an error, answered only where a private chat expects it,
and leaves no personal data behind: no new rows, no names or texts in the audit or the FSM."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Base, FsmRecord, Person, Role
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness

SECRET_NAME, SECRET_LAST = "Ottoline", "Marchbanks"
SECRET_TEXT = "Our address is 12 Wisteria Lane, call Bartholomew"
PHONE = "+7 999 123-45-67"
GROUP = {"id": -4001, "type": "group", "title": "Wisteria parents"}
SUPERGROUP = {"id": -1004002, "type": "supergroup", "title": "Wisteria network"}
CHANNEL = {"id": -1004003, "type": "channel", "title": "Wisteria news"}
BOT_NAME = "family_test_bot"
SECRETS = (SECRET_NAME, SECRET_LAST, SECRET_TEXT, PHONE, "Wisteria")


def user_api(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": SECRET_NAME, "last_name": SECRET_LAST}


def command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]


def message_in(chat: dict[str, Any], text: str, user_id: int | None, now: int) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": 7, "date": now, "chat": chat, "text": text}
    if user_id is not None:
        message["from"] = user_api(user_id)
    else:
        message["sender_chat"] = chat  # channel posts come from the channel itself
    if entities := command_entities(text):
        message["entities"] = entities
    return message


async def rows_by_table(app: BotHarness) -> dict[str, int]:
    async with app.sessionmaker() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def stored_texts(app: BotHarness) -> str:
    """Everything conversation state and the audit hold, as one text to search."""
    async with app.sessionmaker() as session:
        fsm = [f"{r.key} {r.state} {r.data}" for r in await session.scalars(select(FsmRecord))]
        audit = [json.dumps(e.details) for e in await session.scalars(select(AuditEntry))]
    parts = fsm + audit
    if app.settings.redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(app.settings.redis_url)
        try:
            async for key in client.scan_iter("*"):
                if await client.type(key) == b"string":
                    parts.append(f"{key!r} {await client.get(key)!r}")
        finally:
            await client.aclose()
    return "\n".join(parts)


def calls_to(app: BotHarness, chat_ids: set[int]) -> list[str]:
    return [c.method for c in app.fake.calls if c.params.get("chat_id") in chat_ids]


async def assert_nothing_kept(app: BotHarness, before: dict[str, int]) -> None:
    after = await rows_by_table(app)
    grown = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
    # The refusal of a stranger's button is audited with the Telegram id only.
    grown.pop("audit_log", None)
    grown.pop("fsm_records", None)  # checked by content below
    assert grown == {}, grown
    kept = await stored_texts(app)
    for secret in SECRETS:
        assert secret not in kept, secret


async def test_groups_and_channels_get_silence_and_store_nothing(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    before = await rows_by_table(app)
    admin_sees = [m.visible_text for m in admin.messages()]
    now = app.fake.now_ts()
    for chat, text, sender in [
        (GROUP, f"/start@{BOT_NAME}", ADMIN_ID),
        (GROUP, SECRET_TEXT, 7001),
        (SUPERGROUP, f"/stats@{BOT_NAME}", ADMIN_ID),  # a coordinator, but not in private
        (SUPERGROUP, "/start", 7001),
        (SUPERGROUP, f"/export@{BOT_NAME}", ADMIN_ID),
    ]:
        await app.fake.send_raw_update({"message": message_in(chat, text, sender, now)})
    await app.fake.send_raw_update({"channel_post": message_in(CHANNEL, SECRET_TEXT, None, now)})
    await app.fake.send_raw_update(
        {"edited_channel_post": {**message_in(CHANNEL, SECRET_TEXT, None, now), "edit_date": now}}
    )
    await app.settle()
    assert calls_to(app, {GROUP["id"], SUPERGROUP["id"], CHANNEL["id"]}) == []
    assert [m.visible_text for m in admin.messages()] == admin_sees  # nothing in private either
    await assert_nothing_kept(app, before)


async def test_bot_added_to_a_group_is_not_an_unblock(app: BotHarness) -> None:
    """A person who blocked the bot and adds it to a group has not unblocked it."""
    await app.admin(ADMIN_ID)
    mentor = await app.joined(7002, await app.invitation(ADMIN_ID, Role.MENTOR))
    await mentor.block()
    before = await rows_by_table(app)

    def member(status: str) -> dict[str, Any]:
        return {"status": status, "user": app.fake.bot_user()}

    await app.fake.send_raw_update(
        {
            "my_chat_member": {
                "chat": GROUP,
                "from": user_api(7002),
                "date": app.fake.now_ts(),
                "old_chat_member": member("left"),
                "new_chat_member": member("member"),
            }
        }
    )
    assert calls_to(app, {GROUP["id"]}) == []
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 7002))
        assert person is not None and person.blocked_at is not None
    await assert_nothing_kept(app, before)


async def test_edited_messages_change_nothing(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    stranger = app.user(7003, first_name=SECRET_NAME)
    await stranger.send_start()
    before = await rows_by_table(app)
    answers_before = {u.id: len(u.messages()) for u in (admin, stranger)}
    for user in (admin, stranger):
        sent = await user.send_text("hello")
        edited = {
            **app.fake.message_api(sent),
            "text": SECRET_TEXT,
            "edit_date": app.fake.now_ts(),
        }
        await app.fake.send_raw_update({"edited_message": edited})
        # the edit itself is not answered; the first message was
        assert len(user.messages()) == answers_before[user.id] + 1
    await assert_nothing_kept(app, before)


async def test_strangers_buttons_and_inline_queries(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    stranger = app.user(7004, first_name=SECRET_NAME, last_name=SECRET_LAST)
    await stranger.send_start()
    before = await rows_by_table(app)
    about = stranger.last()
    for data in ("cs:y:admin", "cs:y:not-a-token", "cs:n:x", "\x1dmenu\x1d0", "fam:o:1"):
        query = await stranger.press_forged(data, about.message_id)
        assert app.fake.callback_answer(query) is not None, data
    await app.fake.send_raw_update(
        {
            "inline_query": {
                "id": "77",
                "from": user_api(7004),
                "query": SECRET_TEXT,
                "offset": "",
            }
        }
    )
    assert len(stranger.messages()) == 1  # only the answer to /start
    await assert_nothing_kept(app, before)


async def test_someone_who_never_consented_is_told_about_the_bot(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    undecided = app.user(7005, first_name=SECRET_NAME, last_name=SECRET_LAST)
    await undecided.send_start(token)
    assert "Прежде чем начать" in undecided.last_text()
    before = await rows_by_table(app)
    sends: list[tuple[str, Any]] = [
        ("text", lambda u: u.send_text(SECRET_TEXT)),
        ("photo", lambda u: u.send_photo(caption=SECRET_TEXT)),
        ("contact", lambda u: u.send_contact(PHONE, SECRET_NAME)),
        ("location", lambda u: u.send_location(55.75, 37.61)),
        ("command", lambda u: u.send_command("stats")),
    ]
    for kind, send in sends:
        count = len(undecided.messages())
        await send(undecided)
        assert len(undecided.messages()) == count + 1, kind
        assert "личная ссылка-приглашение" in undecided.last_text() or "invitation" in (
            undecided.last_text()
        ), (kind, undecided.last_text())
    await assert_nothing_kept(app, before)
    # The consent is still on offer: the link was not used up.
    await undecided.press("✅ Согласен(на)")
    assert await _joined(app, 7005)


async def _joined(app: BotHarness, telegram_id: int) -> bool:
    async with app.sessionmaker() as session:
        return (
            await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            is not None
        )
