"""FakeUser: a person in a private chat with the bot, producing updates the way Telegram does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .formatting import utf16_len
from .media import TINY_PNG, media_api

if TYPE_CHECKING:
    from .core import FakeTelegram, StoredMessage


class FakeUser:
    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        language_code: str | None,
        last_name: str | None,
        username: str | None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_name = last_name
        self.username = username

    @property
    def chat_id(self) -> int:
        return self.id  # private chat id == user id

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r})"

    # ---- API objects -------------------------------------------------------------------------

    def user_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # ---- sending -----------------------------------------------------------------------------

    async def send_text(
        self,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_to: int | None = None,
    ) -> StoredMessage:
        if not text.strip():
            raise ValueError("Telegram clients cannot send an empty message")
        if len(text) > 4096:
            raise ValueError("Telegram clients split texts longer than 4096 characters")
        return await self._send(
            "text", text=text, entities=list(entities or []), reply_to_message_id=reply_to
        )

    async def send_command(self, command: str, args: str | None = None) -> StoredMessage:
        command = command.removeprefix("/")
        text = f"/{command}" + (f" {args}" if args else "")
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(f"/{command}")}
        return await self.send_text(text, entities=[entity])

    async def send_start(self, payload: str | None = None) -> StoredMessage:
        """/start, or a deep link t.me/bot?start=payload (payload: 1-64 of A-Za-z0-9_-)."""
        if payload is not None and not (
            1 <= len(payload) <= 64
            and all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)
        ):
            raise ValueError(f"Telegram would not deliver deep-link payload {payload!r}")
        return await self.send_command("start", payload)

    async def send_photo(self, caption: str | None = None, data: bytes = TINY_PNG) -> StoredMessage:
        files = self.fake.add_user_file("photo", data)
        return await self._send(
            "photo", caption=caption, content={"photo": media_api("photo", files)}
        )

    async def send_voice(
        self, duration: int = 3, data: bytes = b"OggS\x00fake-voice"
    ) -> StoredMessage:
        files = self.fake.add_user_file("voice", data, mime_type="audio/ogg", duration=duration)
        return await self._send("voice", content={"voice": media_api("voice", files)})

    async def send_document(
        self,
        file_name: str = "a.pdf",
        data: bytes = b"%PDF-1.4 fake document",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> StoredMessage:
        files = self.fake.add_user_file("document", data, file_name=file_name, mime_type=mime_type)
        return await self._send(
            "document", caption=caption, content={"document": media_api("document", files)}
        )

    async def send_contact(self, phone: str, first_name: str, *, own: bool = True) -> StoredMessage:
        """Share a contact; own=True is the "share my phone number" button (user_id = self)."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if own:
            contact["user_id"] = self.id
        return await self._send("contact", content={"contact": contact})

    async def send_location(self, lat: float, lon: float) -> StoredMessage:
        return await self._send(
            "location", content={"location": {"latitude": lat, "longitude": lon}}
        )

    async def send_sticker(self) -> StoredMessage:
        files = self.fake.add_user_file("sticker", b"RIFF\x00\x00\x00\x00WEBPfake", width=512)
        sticker = media_api("sticker", files)
        sticker["emoji"] = "👍"
        return await self._send("sticker", content={"sticker": sticker})

    async def press_reply(self, text: str) -> StoredMessage:
        """Tap a reply-keyboard button: only possible if the keyboard currently shows it."""
        keyboard = self.fake.reply_keyboard(self.chat_id)
        shown = [b["text"] for row in (keyboard or {}).get("keyboard", []) for b in row]
        if text not in shown:
            raise AssertionError(
                f"{self!r} has no reply-keyboard button {text!r}; shown: {shown or 'no keyboard'}"
            )
        message = await self.send_text(text)
        if keyboard and keyboard.get("one_time_keyboard"):
            self.fake._reply_keyboards[self.chat_id] = None
        return message

    async def press(self, text_or_data: str, message_id: int | None = None) -> str:
        """Tap an inline button (by visible text or exact callback_data); returns the query id.

        Without message_id, the newest bot message whose keyboard has such a button is used.
        """
        message, data = self._find_button(text_or_data, message_id)
        return await self._callback(message, data)

    async def press_twice(
        self, text_or_data: str, message_id: int | None = None
    ) -> tuple[str, str]:
        """A quick double tap: the client sends both callback queries before the bot has
        answered the first, so both carry the message as it was at the tap (even if the first
        one's handling deletes or edits it). The bot gets them one after the other, as it
        would with its updates of one person serialised. Returns both query ids."""
        message, data = self._find_button(text_or_data, message_id)
        first = self._prepare_callback(message, data)
        second = self._prepare_callback(message, data)
        await self.fake.send_raw_update(first)
        await self.fake.send_raw_update(second)
        return first["callback_query"]["id"], second["callback_query"]["id"]

    async def press_on_copy(
        self, copy: StoredMessage, text_or_data: str, *, inaccessible: bool = False
    ) -> str:
        """Tap a button of a message as the client still shows it (`copy`, taken earlier with
        `copy.deepcopy(user.last())`), though the bot has changed or deleted it since.

        The query carries the message as Telegram holds it now; a deleted one as it was when
        the tap left the client (a tap sent just before the deletion reached it), or, with
        `inaccessible`, as an InaccessibleMessage (chat, id, date 0).
        """
        matches = [
            b
            for b in copy.buttons()
            if b["text"] == text_or_data or b.get("callback_data") == text_or_data
        ]
        if len(matches) != 1 or "callback_data" not in matches[0]:
            raise AssertionError(
                f"the copy of message {copy.message_id} has no single callback button "
                f"{text_or_data!r}: {copy.button_texts()}"
            )
        current = self.fake.message(self.chat_id, copy.message_id)
        update = self._prepare_callback(current or copy, matches[0]["callback_data"])
        if current is None and inaccessible:
            update["callback_query"]["message"] = {
                "chat": self.chat_api(),
                "message_id": copy.message_id,
                "date": 0,
            }
        await self.fake.send_raw_update(update)
        return str(update["callback_query"]["id"])

    async def delete_message(self, message_id: int) -> None:
        """The user deletes a message in the private chat (for both sides, as clients may)."""
        message = self.fake.message(self.chat_id, message_id)
        if message is None:
            raise AssertionError(f"no message {message_id} visible to {self!r}")
        self.fake._remove(message, by_bot=False)

    def commands(self) -> list[str]:
        """The command list this user's chat shows (/ menu), resolved as Telegram does."""
        return self.fake.visible_commands(self.chat_id, self.language_code)

    def _find_button(self, text_or_data: str, message_id: int | None) -> tuple[StoredMessage, str]:
        candidates = (
            [self._bot_message(message_id)]
            if message_id is not None
            else list(reversed(self.messages()))
        )
        for message in candidates:
            matches = [
                b
                for b in message.buttons()
                if b["text"] == text_or_data or b.get("callback_data") == text_or_data
            ]
            if not matches:
                continue
            if len(matches) > 1:
                raise AssertionError(
                    f"{len(matches)} buttons match {text_or_data!r} in message "
                    f"{message.message_id}: {message.button_texts()}"
                )
            button = matches[0]
            if "callback_data" not in button:
                raise AssertionError(
                    f"button {button['text']!r} is not a callback button: {button}"
                )
            return message, button["callback_data"]
        available = {m.message_id: m.button_texts() for m in candidates if m.buttons()}
        raise AssertionError(
            f"no inline button {text_or_data!r} for {self!r}; buttons by message id: "
            f"{available or 'none'}"
        )

    async def press_forged(self, callback_data: str, message_id: int) -> str:
        """A callback query with arbitrary data attached to an existing bot message.

        Real clients can be made to send any data (up to 64 bytes), so bots must validate it.
        """
        if not 1 <= len(callback_data.encode()) <= 64:
            raise ValueError("Telegram only carries 1-64 bytes of callback data")
        return await self._callback(self._bot_message(message_id), callback_data)

    async def block(self) -> None:
        """The user blocks the bot; Telegram tells the bot with a my_chat_member update."""
        self.fake.set_blocked(self.id, True)
        await self._member_update("member", "kicked")

    async def unblock(self) -> None:
        self.fake.set_blocked(self.id, False)
        await self._member_update("kicked", "member")

    # ---- views -------------------------------------------------------------------------------

    def messages(self) -> list[StoredMessage]:
        """Bot messages currently visible in this chat, oldest first."""
        return self.fake.chat_messages(self.chat_id)

    def last(self) -> StoredMessage:
        messages = self.messages()
        if not messages:
            raise AssertionError(f"the bot has sent nothing (visible) to {self!r}")
        return messages[-1]

    def last_text(self) -> str:
        return self.last().visible_text

    def texts(self) -> list[str]:
        return [m.visible_text for m in self.messages()]

    def reply_buttons(self) -> list[str]:
        keyboard = self.fake.reply_keyboard(self.chat_id) or {}
        return [b["text"] for row in keyboard.get("keyboard", []) for b in row]

    # ---- internals ---------------------------------------------------------------------------

    async def _send(
        self,
        kind: str,
        *,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        caption: str | None = None,
        content: dict[str, Any] | None = None,
        reply_to_message_id: int | None = None,
    ) -> StoredMessage:
        if self.fake.is_blocked(self.id):
            raise AssertionError(f"{self!r} blocked the bot; call unblock() first")
        if reply_to_message_id is not None and (
            self.fake.message(self.chat_id, reply_to_message_id) is None
        ):
            raise AssertionError(f"no message {reply_to_message_id} to reply to")
        self.fake.mark_started(self.id)
        message = self.fake.store_message(
            self.chat_id,
            from_bot=False,
            kind=kind,
            text=text,
            entities=entities or [],
            caption=caption,
            content=content or {},
            reply_to_message_id=reply_to_message_id,
        )
        await self.fake.send_raw_update({"message": self.fake.message_api(message)})
        return message

    async def _callback(self, message: StoredMessage, data: str) -> str:
        update = self._prepare_callback(message, data)
        await self.fake.send_raw_update(update)
        return str(update["callback_query"]["id"])

    def _prepare_callback(self, message: StoredMessage, data: str) -> dict[str, Any]:
        if self.fake.is_blocked(self.id):
            raise AssertionError(f"{self!r} blocked the bot; call unblock() first")
        state = self.fake.issue_callback(message, data)
        return {
            "callback_query": {
                "id": state.query_id,
                "from": self.user_api(),
                "message": self.fake.message_api(message),
                "chat_instance": f"{(self.id * 2654435761) % 10**19}",
                "data": data,
            }
        }

    def _bot_message(self, message_id: int) -> StoredMessage:
        message = self.fake.message(self.chat_id, message_id)
        if message is None or not message.from_bot:
            raise AssertionError(f"no bot message {message_id} visible to {self!r}")
        return message

    async def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self.fake.bot_user()}
            if status == "kicked":
                data["until_date"] = 0
            return data

        await self.fake.send_raw_update(
            {
                "my_chat_member": {
                    "chat": self.chat_api(),
                    "from": self.user_api(),
                    "date": self.fake.now_ts(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )
