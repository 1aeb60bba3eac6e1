"""The bot as production runs it: `bot.app.run` against the fake Telegram over real HTTP (long
polling and webhook), delivery through aiogram's HTTP session, the bot as a process killed and
restarted, and webhook replicas behind one URL."""
