"""/report through the production entry point and the fake Telegram over real HTTP, by long
polling and by webhook: the coordinator taps /report → «This month», and the workbook arrives
as a multipart upload that the fake checks against the Bot API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.clock import SystemClock
from bot.db.engine import create_engine, create_sessionmaker
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    end_abandoned_long_poll,
    press,
    reply,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, serve_http
from tests.stats_world import build


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_report_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings):
            engine = create_engine(settings.database_url)
            try:
                admin = fake.user(ADMIN_ID, first_name="Mary", language_code="en")
                await admin.send_start()
                await reply(fake, admin, lambda t: "Before we start" in t)
                await press(fake, admin, "✅ I agree")
                async with create_sessionmaker(engine).begin() as session:
                    await build(session)
                await unhurried(fake, ADMIN_ID, room=3)
                await admin.send_command("report")
                await reply(fake, admin, lambda t: "Which period?" in t)
                await unhurried(fake, ADMIN_ID, room=3)
                await press(fake, admin, "This month")
                await fake.wait_for(
                    lambda: any(m.kind == "document" for m in admin.messages()), DELIVERY_TIMEOUT
                )
                await reply(fake, admin, lambda t: t.startswith("The report for "))
                document = next(m for m in admin.messages() if m.kind == "document")
                name = document.content["document"]["file_name"]
                assert name.startswith("report_") and name.endswith(".xlsx")
                data = fake.files.get(document.content["document"]["file_id"]).data
                sheet = load_workbook(io.BytesIO(data)).worksheets[0]
                assert sheet["A1"].value == "Service report"
                assert sheet["A2"].value.startswith("Period: ")
            finally:
                await engine.dispose()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"
