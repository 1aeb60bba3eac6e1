"""Benchmarks (see README → Benchmarks). Importing the bot first, as production does, keeps
aiogram's Telegram types built on first use (bot/lazy_telegram_types.py)."""

import bot  # noqa: F401
