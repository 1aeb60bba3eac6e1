"""Family-support Telegram bot.

Importing any part of the bot first makes aiogram build its Telegram types on first use
(bot/lazy_telegram_types.py): ~100 MB less memory and ~3 s less start-up.
"""

from bot.lazy_telegram_types import install as _install_lazy_telegram_types

_install_lazy_telegram_types()
