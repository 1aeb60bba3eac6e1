"""The documents of a family's case through /case → «📎 Документы»: a coordinator adds a photo of
the social passport and a PDF of the inspection act (wrong messages get a word on what to send,
nothing is lost), opens one (the bot sends it back by its file id; every view audited), removes
one after a confirmation; a file blanked under the data rules says so; the family's mentor sees
no documents unless the service allows it, and then only reads; a forged document id is refused;
one pass in English."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.db.models import CaseDocument, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import link

MENTOR_ID = 2001
FAMILY = "Ивановы"
PASSPORT = "Социальный паспорт семьи"
ACT = "Акт обследования ЖБУ"
SEND_WHAT = "пришлите документ фотографией или PDF-файлом"


async def world(app: BotHarness, language_code: str = "ru") -> tuple[FakeUser, FakeUser, int]:
    admin = await app.admin(ADMIN_ID, first_name="Ольга", language_code=language_code)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await link(app, MENTOR_ID, family_id, "mentor")
    await link(app, ADMIN_ID, family_id, "curator")
    return admin, mentor, family_id


async def open_case(user: FakeUser, family: str = FAMILY) -> None:
    await user.send_command("case")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(family)))


async def documents(app: BotHarness) -> list[CaseDocument]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(CaseDocument).order_by(CaseDocument.id)))


def sent_to(app: BotHarness, method: str, chat_id: int) -> list[dict[str, object]]:
    return [c.params for c in app.fake.calls_of(method) if c.params.get("chat_id") == chat_id]


def button(user: FakeUser, start: str) -> str:
    return next(t for t in user.last().button_texts() if t.startswith(start))


async def test_a_coordinator_adds_opens_and_removes_documents(app: BotHarness) -> None:
    admin, _mentor, family_id = await world(app)
    await open_case(admin)
    await admin.press("📎 Документы")
    assert f"Документы семьи «{FAMILY}»" in admin.last_text()
    assert "Документов пока нет." in admin.last_text()

    # The social passport, photographed; the wrong messages on the way are answered.
    await admin.press("➕ Добавить документ")
    assert "какой это документ?" in admin.last_text()
    await admin.press(PASSPORT)
    assert f"«{PASSPORT}»: какая дата стоит на документе?" in admin.last_text()
    await admin.send_text("вчера")
    assert "ДД.ММ.ГГГГ" in admin.last_text()
    await admin.send_text("24.11.2026")  # tomorrow
    assert "Эта дата ещё не наступила" in admin.last_text()
    await admin.send_text("01.01.2010")
    assert "больше десяти лет назад" in admin.last_text()
    await admin.press("Сегодня, 23.11.2026")
    assert f"«{PASSPORT}» от 23.11.2026." in admin.last_text()
    for wrong in (admin.send_sticker(), admin.send_text("вот он"), admin.send_voice()):
        await wrong
        assert SEND_WHAT in admin.last_text()
    await admin.send_document("паспорт.docx", b"PK\x03\x04 doc", "application/msword")
    assert "Этот файл не PDF и не картинка, поэтому он не сохранён." in admin.last_text()
    assert await documents(app) == []
    photo = await admin.send_photo(caption="паспорт")
    assert f"✅ Сохранено: «{PASSPORT}» от 23.11.2026." in admin.last_text()
    largest = photo.content["photo"][-1]["file_id"]
    await admin.send_photo()  # a second page sent without «➕»: said so, not kept silently
    assert "сообщение не сохранено" in admin.last_text()
    assert len(await documents(app)) == 1

    # The inspection act as a PDF, dated by hand.
    await admin.press("➕ Добавить документ")
    await admin.press(ACT)
    await admin.send_text("20.11.2026")
    pdf = await admin.send_document("акт.pdf")
    text = admin.last_text()
    assert f"✅ Сохранено: «{ACT}» от 20.11.2026." in text
    assert f"📷 {PASSPORT} · 23.11.2026 · Ольга\n📄 {ACT} · 20.11.2026 · Ольга" in text
    passport, act = await documents(app)
    assert (passport.kind, passport.media, passport.file_id) == (
        "social_passport",
        "photo",
        largest,
    )
    assert (act.kind, act.media, act.file_id) == (
        "living_conditions",
        "document",
        pdf.content["document"]["file_id"],
    )
    assert [a.object_id for a in await audits(app, "case.document.add")] == [passport.id, act.id]

    # Opening the act: the bot sends the file back by its id, the window comes below it.
    await admin.press(f"📄 {ACT} · 20.11.2026")
    (sent,) = sent_to(app, "sendDocument", admin.id)
    assert sent["document"] == act.file_id
    assert f"{ACT} · 20.11.2026 · семья «{FAMILY}»" in str(sent["caption"])
    file_message, window = admin.messages()[-2:]
    assert file_message.kind == "document"
    assert f"{ACT} · 20.11.2026" in window.visible_text
    assert "Документ — в сообщении выше." in window.visible_text
    assert "📄 файл · добавил(а) Ольга 23.11.2026" in window.visible_text
    await admin.press("⬅️ К документам")
    await admin.press(f"📄 {ACT} · 20.11.2026")  # every view is audited, each time
    assert len(sent_to(app, "sendDocument", admin.id)) == 2
    views = await audits(app, "case.document.view")
    assert [v.object_id for v in views] == [act.id, act.id]
    assert views[0].details == {"family": family_id, "kind": "living_conditions"}
    assert await audits(app, "case.document.list")

    # Removing it, after a "no" first.
    await admin.press("🗑 Удалить")
    assert f"Удалить «{ACT}» от 20.11.2026 из дела семьи «{FAMILY}»?" in admin.last_text()
    await admin.press("✖️ Нет, оставить")
    assert f"{ACT} · 20.11.2026" in admin.last_text()
    await admin.press("🗑 Удалить")
    await admin.press("🗑 Да, удалить")
    text = admin.last_text()
    assert f"🗑 Удалено: «{ACT}» от 20.11.2026." in text and ACT + " ·" not in text
    assert [d.id for d in await documents(app)] == [passport.id]
    assert [a.object_id for a in await audits(app, "case.document.remove")] == [act.id]

    # The passport opens as a photo.
    await admin.press(f"📷 {PASSPORT} · 23.11.2026")
    (shown,) = sent_to(app, "sendPhoto", admin.id)
    assert shown["photo"] == largest
    assert admin.messages()[-2].kind == "photo"

    # Withdrawal or retention blanked the file: it says so and sends nothing.
    async with app.sessionmaker.begin() as session:
        await session.execute(update(CaseDocument).values(file_id=None))
    await admin.press("⬅️ К документам")
    assert f"🚫 {PASSPORT} · 23.11.2026" in admin.last_text()
    await admin.press(f"🚫 {PASSPORT} · 23.11.2026")
    assert "Файл удалён по правилам хранения данных" in admin.last_text()
    assert len(sent_to(app, "sendPhoto", admin.id)) == 1
    await admin.press("⬅️ К документам")
    await admin.press("⬅️ Назад")
    assert f"Дело семьи «{FAMILY}»" in admin.last_text()
    app.fake.assert_no_violations()


async def test_the_mentor_sees_documents_only_where_the_service_allows(app: BotHarness) -> None:
    admin, mentor, family_id = await world(app)
    await open_case(admin)
    await admin.press("📎 Документы")
    await admin.press("➕ Добавить документ")
    await admin.press("Заявление")
    await admin.press("Сегодня, 23.11.2026")
    photo = await admin.send_photo()

    await open_case(mentor)
    assert f"Дело семьи «{FAMILY}»" in mentor.last_text()
    assert "📎 Документы" not in mentor.last().button_texts()
    assert not sent_to(app, "sendPhoto", mentor.id)

    app.settings.mentors_see_case_details = True
    try:
        await open_case(mentor)
        await mentor.press("📎 Документы")
        assert "📷 Заявление · 23.11.2026" in mentor.last_text()
        assert "➕ Добавить документ" not in mentor.last().button_texts()
        await mentor.press("📷 Заявление · 23.11.2026")
        (shown,) = sent_to(app, "sendPhoto", mentor.id)
        assert shown["photo"] == photo.content["photo"][-1]["file_id"]
        assert "🗑 Удалить" not in mentor.last().button_texts()
        (view,) = await audits(app, "case.document.view")
        assert view.actor_telegram_id == MENTOR_ID
    finally:
        app.settings.mentors_see_case_details = False
    # Taken back: the next tap on the open window is refused (and audited), nothing is sent.
    query = await mentor.press("⬅️ К документам")
    answer = app.fake.callback_answer(query)
    assert answer is not None and "недоступно" in answer["text"]
    (refusal,) = await audits(app, "access.denied")
    assert refusal.actor_telegram_id == MENTOR_ID
    assert len(sent_to(app, "sendPhoto", mentor.id)) == 1
    assert len(await documents(app)) == 1
    assert family_id
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


async def test_a_forged_document_id_is_refused(app: BotHarness) -> None:
    admin, mentor, _family_id = await world(app)
    other_family = await app.add_family(ADMIN_ID, "Петровы")
    await open_case(admin, "Петровы")
    await admin.press("📎 Документы")
    await admin.press("➕ Добавить документ")
    await admin.press("Другой документ")
    await admin.press("Сегодня, 23.11.2026")
    await admin.send_document("чужое.pdf")
    (foreign,) = await documents(app)
    assert foreign.family_id == other_family

    await admin.press("⬅️ Назад")
    await admin.press("⬅️ Назад")
    await admin.press(button(admin, FAMILY))
    await admin.press("📎 Документы")
    await admin.press("➕ Добавить документ")
    await admin.press(PASSPORT)
    await admin.press("Сегодня, 23.11.2026")
    await admin.send_photo()
    own = (await documents(app))[-1]
    listing = admin.last()
    data = next(b["callback_data"] for b in listing.buttons() if b["text"].startswith("📷"))
    assert data.endswith(f":{own.id}")
    # Another family's document id in this family's button: out of date, nothing sent.
    await admin.press_forged(data[: -len(str(own.id))] + str(foreign.id), listing.message_id)
    assert "Эта кнопка устарела." in admin.last_text()
    for junk in ("abc", "1234567890", "-1"):
        await admin.press_forged(data[: -len(str(own.id))] + junk, admin.last().message_id)
    assert not sent_to(app, "sendDocument", admin.id)
    assert not await audits(app, "case.document.view")
    # The mentor replays the coordinator's button in their own chat: refused, nothing leaks.
    await mentor.send_command("menu")
    await mentor.press_forged(data, mentor.last().message_id)
    assert not sent_to(app, "sendPhoto", mentor.id) and not sent_to(app, "sendDocument", mentor.id)
    assert all("Социальный паспорт" not in t for t in mentor.texts())
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


async def test_in_english(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app, language_code="en")
    await open_case(admin)
    await admin.press("📎 Documents")
    assert f"Documents of the family «{FAMILY}»" in admin.last_text()
    assert "No documents yet." in admin.last_text()
    await admin.press("➕ Add a document")
    await admin.press("Signed consent to personal-data processing")
    await admin.press("Yesterday, 22.11.2026")
    await admin.send_sticker()
    assert "Please send the document as a photo, or as a PDF file." in admin.last_text()
    await admin.send_document("consent.pdf")
    assert (
        "✅ Saved: «Signed consent to personal-data processing» of 22.11.2026." in admin.last_text()
    )
    await admin.press(button(admin, "📄 Signed consent"))
    assert sent_to(app, "sendDocument", admin.id)
    assert "The document is above." in admin.last_text()
    app.fake.assert_no_violations()
