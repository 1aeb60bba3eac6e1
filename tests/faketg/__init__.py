"""A strict fake of the Telegram Bot API for driving the real bot in tests.

See core.FakeTelegram (server side), users.FakeUser (simulated people), session.FakeSession
(in-process transport for aiogram) and http.serve_http (real HTTP: polling and webhooks).

In-process::

    fake = FakeTelegram(ManualClock())
    bot = Bot(fake.token, session=FakeSession(fake),
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    fake.deliver = lambda update: dp.feed_raw_update(bot, update)
    anna = fake.user(42)
    await anna.send_start()          # returns after the dispatcher handled the update
    await anna.press("Записаться")
    assert "Готово" in anna.last_text()
    fake.assert_no_violations()

Over HTTP::

    async with serve_http(fake) as server:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
        # polling: dp.start_polling(bot); webhook: FakeTelegram(..., allow_http_webhook=True)
        # and bot.set_webhook("http://127.0.0.1:<port>/path", secret_token=...)
"""

from .core import Call, FakeTelegram, StoredMessage
from .errors import TelegramError
from .http import FakeServer, serve_http
from .session import FakeSession
from .spec import Upload, load_spec
from .users import FakeUser

__all__ = [
    "Call",
    "FakeServer",
    "FakeSession",
    "FakeTelegram",
    "FakeUser",
    "StoredMessage",
    "TelegramError",
    "Upload",
    "load_spec",
    "serve_http",
]
