"""The family's case over real HTTP, with the bot running as production does by long polling
and by webhook: a coordinator opens /case, records the request through its five steps, and gets
the case file (DOCX) uploaded as multipart to the fake served over HTTP."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from bot.clock import SystemClock
from bot.db.engine import create_engine, create_sessionmaker
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    calm_clock,
    coordinator_with_family,
    end_abandoned_long_poll,
    press,
    reply,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, serve_http


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_case_and_its_file_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    clock = calm_clock()
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings, clock):
            engine = create_engine(settings.database_url)
            sessions = create_sessionmaker(engine)
            try:
                admin, _boss, _family = await coordinator_with_family(fake, sessions, clock)
                await admin.send_command("case")
                await reply(fake, admin, lambda t: "Дела семей" in t)
                await press(fake, admin, "Ивановы")
                await reply(fake, admin, lambda t: "Дело семьи «Ивановы»" in t)
                await press(fake, admin, "📝 Записать обращение")
                await reply(fake, admin, lambda t: "Когда семья обратилась" in t)
                await press(
                    fake,
                    admin,
                    next(b for b in admin.last().button_texts() if b.startswith("сегодня")),
                )
                await reply(fake, admin, lambda t: "Как семья попала в службу" in t)
                await press(fake, admin, "Школа или детский сад")
                await reply(fake, admin, lambda t: "её словами" in t)
                await unhurried(fake, ADMIN_ID, room=2)
                await admin.send_text("Сын перестал ходить в школу")
                await reply(fake, admin, lambda t: "С какими трудностями" in t)
                await press(fake, admin, "▫️ Социальные")
                await unhurried(fake, ADMIN_ID, room=2)
                await press(fake, admin, "➡️ Далее")
                await reply(fake, admin, lambda t: "Какой уровень сопровождения" in t)
                await press(fake, admin, "✅ базовый")
                await reply(fake, admin, lambda t: "Отметьте признаки" in t)
                await press(fake, admin, "▫️ Семья ощущает потребность в поддержке")
                await unhurried(fake, ADMIN_ID, room=2)
                await press(fake, admin, "✅ Сохранить обращение")
                await reply(fake, admin, lambda t: "✅ Обращение сохранено." in t)
                await unhurried(fake, ADMIN_ID, room=3)
                await press(fake, admin, "📄 Дело (DOCX)")
                await reply(fake, admin, lambda t: "Дело (DOCX) семьи" in t)
                await press(fake, admin, "Весь случай")
                await fake.wait_for(
                    lambda: any(m.kind == "document" for m in admin.messages()), DELIVERY_TIMEOUT
                )
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    document = next(m for m in admin.messages() if m.kind == "document")
    data = fake.files.get(document.content["document"]["file_id"]).data
    text = "\n".join(
        " | ".join(cell.text for cell in row.cells)
        for table in Document(io.BytesIO(data)).tables
        for row in table.rows
    )
    assert "Запрос словами семьи | Сын перестал ходить в школу" in text
    assert "Как семья пришла в службу | Школа или детский сад" in text
    fake.assert_no_violations()
