"""FakeTelegram: the Bot API server side, shared by every transport (in-process and HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from .errors import TelegramError, bad_request
from .faults import Disconnected, FaultPlan, Hang
from .formatting import ParsedText
from .limits import (
    CALLBACK_ANSWER_TEXT_MAX,
    CHAT_ACTIONS,
    check_caption,
    check_commands,
    check_inline_keyboard,
    check_reply_markup,
    check_text,
    normalize_markup,
    render,
)
from .media import DOWNLOAD_MAX_BYTES, FileStore, StoredFile, media_api
from .spec import Spec, SpecViolation, Upload, load_spec
from .untranslated import english_speaking, untranslated

if TYPE_CHECKING:
    from datetime import datetime

    from .users import FakeUser

log = logging.getLogger(__name__)

Deliver = Callable[[dict[str, Any]], Awaitable[Any]]

# Methods that create messages and therefore count for flood control.
FLOOD_EXEMPT = frozenset({"sendChatAction"})
MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
    "sendSticker": "sticker",
    "sendVideoNote": "video_note",
}
# Spec methods answered with True without simulating anything; each call logs a warning.
TRUE_STUBS = frozenset(
    {
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "setMessageReaction",
        "setMyDefaultAdministratorRights",
    }
)
# Update types Telegram does not send unless asked for explicitly.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CALLBACK_QUERY_TTL = 15.0  # seconds until Telegram refuses a late answerCallbackQuery
DELETE_WINDOW = timedelta(hours=48)
WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


@dataclass
class Call:
    """One API request as the fake saw it."""

    method: str
    params: dict[str, Any]  # decoded when valid, otherwise as received
    files: dict[str, Upload]
    status: int = 200
    result: Any = None
    error: str | None = None
    violation: bool = False
    chat_id: int | str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class StoredMessage:
    """A message in a chat, in its current state (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    kind: str  # text, photo, document, voice, audio, video, animation, sticker, contact, ...
    date: int
    text: str | None = None  # visible text of a text message
    html: str | None = None  # text/caption exactly as the bot sent it (before parsing)
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None  # as sent: inline or reply keyboard, parsed
    content: dict[str, Any] = field(default_factory=dict)  # API fields: photo, contact, ...
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. forward_origin

    @property
    def visible_text(self) -> str:
        """Text or caption, whichever the message shows."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.inline_keyboard for button in row]

    def button_texts(self) -> list[str]:
        return [button["text"] for button in self.buttons()]


@dataclass
class CallbackState:
    query_id: str
    chat_id: int
    message_id: int
    data: str
    issued_at: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class WebhookFailure:
    update_id: int
    attempt: int
    error: str


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


class FakeTelegram:
    """A strict fake of the Telegram Bot API for one bot.

    All transports call `handle()`; users are simulated by `FakeUser` objects from `user()`.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        token: str = "123456:TEST",
        bot_username: str = "family_test_bot",
        bot_first_name: str = "Family Test Bot",
        flood_control: bool = True,
        global_limit: int = 30,
        chat_limit: int = 3,
        chat_window: float = 3.0,
        allow_http_webhook: bool = False,
        webhook_attempts: int = 3,
        long_poll_cap: float = 30.0,
        not_modified_is_violation: bool = True,
        untranslated_is_violation: bool = True,
    ) -> None:
        self.spec: Spec = load_spec()
        self.clock = clock
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.flood_control = flood_control
        self.global_limit = global_limit
        self.chat_limit = chat_limit
        self.chat_window = chat_window
        # Real Telegram only accepts https webhooks (ports 443/80/88/8443); tests serving plain
        # http on a random port must opt in explicitly.
        self.allow_http_webhook = allow_http_webhook
        self.webhook_attempts = webhook_attempts
        self.long_poll_cap = long_poll_cap
        # aiogram-dialog swallows "message is not modified", so a re-render of an unchanged
        # window is harmless to users; it is still a wasted call, hence a violation by default.
        self.not_modified_is_violation = not_modified_is_violation
        # English catalog text in a Russian message (tests/faketg/untranslated.py): the bot
        # still gets its answer, the test fails at assert_no_violations.
        self.untranslated_is_violation = untranslated_is_violation
        self._untranslated_seen: set[str] = set()

        self.deliver: Deliver | None = None
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.warnings: list[str] = []
        self.updates: list[dict[str, Any]] = []  # every update ever sent to the bot
        self.webhook_failures: list[WebhookFailure] = []
        self.faults = FaultPlan()  # injected failures (tests/faketg/faults.py)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.files = FileStore()
        self.webhook: Webhook | None = None
        self.long_polls_waiting = 0  # getUpdates requests currently blocked in a long poll

        self._users: dict[int, FakeUser] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        # Messages this bot deleted, per chat: asking to delete (or edit) one of them again is
        # the bot's own mistake, which it could have avoided (a violation); a message the user
        # deleted is a runtime condition the bot cannot foresee.
        self._deleted_by_bot: dict[int, set[int]] = {}
        self._last_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self._callbacks: dict[str, CallbackState] = {}
        self._callback_counter = 0
        self._update_id = 100_000
        self._queue: list[dict[str, Any]] = []
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._pulse: asyncio.Event | None = None
        self._sent_all: deque[float] = deque()
        self._sent_chat: dict[int, deque[float]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handlers: dict[str, Callable[[dict[str, Any], Call], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            **dict.fromkeys(MEDIA_METHODS, self._send_media),
            "sendContact": self._send_contact,
            "sendLocation": self._send_location,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "editMessageText": self._edit_text,
            "editMessageCaption": self._edit_caption,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "editMessageMedia": self._edit_media,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "getFile": self._get_file,
            "getChat": self._get_chat,
        }

    # ==== public: the one entry point for transports =========================================

    async def handle(
        self, method: str, params: dict[str, Any], files: dict[str, Upload] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Execute one API call; returns (HTTP status, JSON body) exactly as Telegram would."""
        call = Call(method=method, params=dict(params), files=dict(files or {}))
        raw_chat = params.get("chat_id")
        # Best effort for calls rejected before decoding; replaced by the decoded value below.
        call.chat_id = (
            int(raw_chat)
            if isinstance(raw_chat, str) and raw_chat.lstrip("-").isdigit()
            else raw_chat
        )
        fault = self.faults.take(method, call.chat_id)
        if fault is not None and fault.kind != "disconnect":
            call.status, call.error = (
                (fault.status, fault.description) if fault.status else (0, "hang")
            )
            self.calls.append(call)
            self._notify()
            if fault.kind == "hang":
                raise Hang(method)
            return call.status, fault.error().body()
        try:
            result = await self._execute(call)
        except TelegramError as exc:
            call.status, call.error, call.violation = exc.status, exc.description, exc.violation
            if exc.violation:
                self.violations.append(f"{method}: {exc.description}")
            body = exc.body()
        else:
            call.result = result
            body = {"ok": True, "result": result}
            if self.untranslated_is_violation:
                self._check_untranslated(call)
        self.calls.append(call)
        self._notify()
        if fault is not None:
            raise Disconnected(call.status, body)
        return call.status, body

    def _check_untranslated(self, call: Call) -> None:
        """Texts, captions, buttons and toasts the bot sent: English left in a Russian one."""
        params, result = call.params, call.result
        chat_id = call.chat_id
        if call.method == "answerCallbackQuery":
            query = self._callbacks.get(params["callback_query_id"])
            chat_id = query.chat_id if query else None
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is not None and english_speaking(user.language_code):
            return  # Russian data in their English messages is no evidence of a Russian one
        texts: list[str | None] = []
        if call.method == "copyMessage":  # the copied content is people's; the caption is ours
            copy = self.message(int(call.chat_id or 0), result["message_id"])
            texts.append(copy.caption if copy and "caption" in params else None)
        elif isinstance(result, dict) and call.method != "forwardMessage":
            texts += [result.get("text"), result.get("caption")]
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard") or markup.get("keyboard") or []:
            texts += [b if isinstance(b, str) else b.get("text") for b in row]
        if call.method == "answerCallbackQuery":
            texts.append(params.get("text"))
        if call.method == "setMyCommands":
            texts += [command["description"] for command in params["commands"]]
        for fragment in untranslated(texts):
            if fragment not in self._untranslated_seen:
                self._untranslated_seen.add(fragment)
                shown = next(t for t in texts if t and fragment in t)
                self.violations.append(
                    f"{call.method}: untranslated English {fragment!r} in a Russian message "
                    f"to chat {call.chat_id}: {shown[:300]!r}"
                )

    async def _execute(self, call: Call) -> Any:
        method = call.method
        if not self.spec.has_method(method):
            # Real Telegram answers 404 "Not Found" for unknown (or mis-cased) method names.
            raise TelegramError(404, "Not Found", violation=True)
        try:
            call.params = self.spec.validate_call(method, call.params, call.files)
        except SpecViolation as exc:
            if exc.path == "text" and "text" not in call.params:
                # aiogram drops text="" from the request; Telegram then answers like this.
                raise bad_request("message text is empty") from exc
            raise bad_request(f"parameter {exc.path!r}: {exc.problem}") from exc
        call.chat_id = call.params.get("chat_id")
        handler = self._handlers.get(method)
        if handler is not None:
            result = await handler(call.params, call)
        elif method in TRUE_STUBS:
            self.warnings.append(f"{method} is accepted but not simulated")
            result = True
        else:
            raise bad_request(f"fake Telegram does not simulate {method}; extend tests/faketg")
        try:
            self.spec.validate_result(method, result)
        except SpecViolation as exc:  # a bug in the fake, never in the bot
            raise AssertionError(f"fake produced an invalid {method} result: {exc}") from exc
        return result

    # ==== public: inspection helpers ==========================================================

    def seconds_until_room(self, chat_id: int, room: int = 1) -> float:
        """How long until `room` more messages fit in the chat's flood-control window."""
        now = self.clock.monotonic()
        recent = [t for t in self._sent_chat.get(chat_id, ()) if t > now - self.chat_window]
        excess = len(recent) + room - self.chat_limit
        return max(0.0, recent[excess - 1] + self.chat_window - now) if excess > 0 else 0.0

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def errors(self) -> list[Call]:
        """Calls that got a 4xx answer (violations and runtime errors alike)."""
        return [c for c in self.calls if 400 <= c.status < 500]

    def assert_no_violations(self, *, unanswered_callbacks_ok: bool = False) -> None:
        problems = list(self.violations)
        if not unanswered_callbacks_ok:
            problems += [
                f"callback query {q.query_id} (data={q.data!r}) was never answered"
                for q in self._callbacks.values()
                if not q.answered
            ]
        if problems:
            listing = "\n  - ".join(problems)
            raise AssertionError(f"fake Telegram saw {len(problems)} violation(s):\n  - {listing}")

    def chat_messages(self, chat_id: int, *, include_user: bool = False) -> list[StoredMessage]:
        """Messages currently visible in a chat (edits applied, deleted ones gone), oldest first.

        Only the bot's messages unless include_user.
        """
        messages = self._messages.get(chat_id, {}).values()
        return [m for m in messages if include_user or m.from_bot]

    def message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user currently sees in that chat, if any."""
        return self._reply_keyboards.get(chat_id)

    def visible_commands(self, chat_id: int, language_code: str | None) -> list[str]:
        """The command list a private chat shows, resolved as Telegram does: the first scope
        with a list set wins, in this order — the chat with the user's language, the chat,
        all private chats with the language, all private chats, default with the language,
        default. Returns the commands' names."""
        language = language_code or ""
        chat_scope = _scope_key({"type": "chat", "chat_id": chat_id})
        private = _scope_key({"type": "all_private_chats"})
        default = _scope_key(None)
        order = [(chat_scope, language), (chat_scope, ""), (private, language), (private, "")]
        order += [(default, language), (default, "")]
        for key in order:
            if key in self.commands:
                return [c["command"] for c in self.commands[key]]
        return []

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """Parameters of answerCallbackQuery for that query (None while unanswered)."""
        return self._callbacks[query_id].answer

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def message_api(self, message: StoredMessage) -> dict[str, Any]:
        """The Message object for a stored message, as Telegram would serialise it."""
        user = self._users[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user() if message.from_bot else user.user_api(),
            "chat": user.chat_api(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.reply_to_message_id is not None:
            replied = self.message(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = self.message_api(replied)
        data.update(message.extra)
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        data.update(message.content)
        if message.caption:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        # Only inline keyboards are part of a Message; reply keyboards are not echoed back.
        if message.inline_keyboard:
            data["reply_markup"] = {"inline_keyboard": message.inline_keyboard}
        return data

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - plain seconds reads best in tests
    ) -> None:
        """Wait (really, event-driven) until predicate() holds; for HTTP-mode tests."""
        async with asyncio.timeout(timeout):
            await self._wait_until(predicate)

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Call]:
        await self.wait_for(lambda: len(self.calls_of(method)) >= count, timeout)
        return self.calls_of(method)

    async def close(self) -> None:
        """Stop background work (webhook re-delivery after setWebhook)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ==== public: users and updates ===========================================================

    def user(
        self,
        user_id: int,
        first_name: str = "Анна",
        language_code: str | None = "ru",
        last_name: str | None = None,
        username: str | None = None,
    ) -> FakeUser:
        from .users import FakeUser

        if user_id in self._users:
            raise ValueError(f"user {user_id} already exists")
        if user_id <= 0 or user_id == self.bot_id:
            raise ValueError("user ids are positive and differ from the bot's id")
        user = FakeUser(self, user_id, first_name, language_code, last_name, username)
        self._users[user_id] = user
        return user

    async def send_raw_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Send an update to the bot (forged ones too); assigns update_id if missing.

        Routing: `deliver` if set (in-process), else the webhook if one is set, else the
        getUpdates queue. The update must be valid per the spec either way.
        """
        if "update_id" not in update:
            self._update_id += 1
            update = {"update_id": self._update_id, **update}
        payload = [key for key in update if key != "update_id"]
        if len(payload) != 1:
            raise AssertionError(f"an update carries exactly one payload, got {payload}")
        try:
            self.spec.validate_object(update, "Update", "update")
        except SpecViolation as exc:
            raise AssertionError(f"invalid update: {exc}") from exc
        self.updates.append(update)
        if not self._allowed(update):
            return update  # Telegram drops update types the bot did not ask for
        if self.deliver is not None:
            await self.deliver(update)
        elif self.webhook is not None:
            await self._post_webhook(update)
        else:
            self._queue.append(update)
            self._notify()
        return update

    # ==== internals used by FakeUser ==========================================================

    def now_ts(self) -> int:
        return int(self.clock.now().timestamp())

    def store_message(
        self, chat_id: int, *, from_bot: bool, kind: str, **fields: Any
    ) -> StoredMessage:
        # Private chats have one id sequence shared by both sides.
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = StoredMessage(
            chat_id=chat_id,
            message_id=message_id,
            from_bot=from_bot,
            kind=kind,
            date=self.now_ts(),
            **fields,
        )
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def mark_started(self, user_id: int) -> None:
        self._started.add(user_id)

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self._blocked

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        if blocked:
            self._blocked.add(user_id)
        else:
            self._blocked.discard(user_id)

    def issue_callback(self, message: StoredMessage, data: str) -> CallbackState:
        self._callback_counter += 1
        query_id = f"{message.chat_id}{self._callback_counter:010d}"
        state = CallbackState(
            query_id, message.chat_id, message.message_id, data, self.clock.monotonic()
        )
        self._callbacks[query_id] = state
        return state

    def add_user_file(self, kind: str, data: bytes, **meta: Any) -> list[StoredFile]:
        """Files a user sends. A photo gets a thumbnail and a full size."""
        if kind == "photo":
            sizes = [self.files.add("photo", data, width=90, height=90, **meta)]
            sizes.append(self.files.add("photo", data, width=1280, height=1280, **meta))
            for record in sizes:
                record.group = sizes[0].file_id
            return sizes
        return [self.files.add(kind, data, **meta)]

    # ==== method implementations ==============================================================

    async def _get_me(self, params: dict[str, Any], call: Call) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _send_message(self, params: dict[str, Any], call: Call) -> Any:
        parsed = render(
            params.get("text"), params.get("parse_mode"), params.get("entities"), what="text"
        )
        check_text(parsed)
        check_reply_markup(params.get("reply_markup"))
        markup = normalize_markup(params.get("reply_markup"))
        chat_id = self._target_chat(params)
        reply_to = self._reply_target(chat_id, params)
        self._flood(chat_id, call.method)
        message = self.store_message(
            chat_id,
            from_bot=True,
            kind="text",
            text=parsed.text,
            html=params["text"],
            entities=parsed.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        self._apply_reply_keyboard(chat_id, markup)
        return self.message_api(message)

    async def _send_media(self, params: dict[str, Any], call: Call) -> Any:
        kind = MEDIA_METHODS[call.method]
        caption = self._caption(params)
        check_reply_markup(params.get("reply_markup"))
        markup = normalize_markup(params.get("reply_markup"))
        chat_id = self._target_chat(params)
        reply_to = self._reply_target(chat_id, params)
        files = self.files.resolve(kind, params[kind], duration=params.get("duration"))
        self._flood(chat_id, call.method)
        message = self.store_message(
            chat_id,
            from_bot=True,
            kind=kind,
            html=params.get("caption"),
            caption=caption.text or None,
            caption_entities=caption.entities,
            reply_markup=markup,
            content={kind: media_api(kind, files)},
            reply_to_message_id=reply_to,
        )
        self._apply_reply_keyboard(chat_id, markup)
        return self.message_api(message)

    async def _send_contact(self, params: dict[str, Any], call: Call) -> Any:
        contact = {"phone_number": params["phone_number"], "first_name": params["first_name"]}
        if params.get("last_name"):
            contact["last_name"] = params["last_name"]
        return self._send_plain(params, call, "contact", contact)

    async def _send_location(self, params: dict[str, Any], call: Call) -> Any:
        lat, lon = params["latitude"], params["longitude"]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request("wrong latitude or longitude")
        return self._send_plain(params, call, "location", {"latitude": lat, "longitude": lon})

    def _send_plain(
        self, params: dict[str, Any], call: Call, kind: str, content: dict[str, Any]
    ) -> Any:
        check_reply_markup(params.get("reply_markup"))
        markup = normalize_markup(params.get("reply_markup"))
        chat_id = self._target_chat(params)
        reply_to = self._reply_target(chat_id, params)
        self._flood(chat_id, call.method)
        message = self.store_message(
            chat_id,
            from_bot=True,
            kind=kind,
            reply_markup=markup,
            content={kind: content},
            reply_to_message_id=reply_to,
        )
        self._apply_reply_keyboard(chat_id, markup)
        return self.message_api(message)

    async def _copy_message(self, params: dict[str, Any], call: Call) -> Any:
        source = self._source_message(params)
        caption_given = "caption" in params
        caption = self._caption(params) if caption_given else None
        check_reply_markup(params.get("reply_markup"))
        markup = normalize_markup(params.get("reply_markup"))
        if caption_given and source.kind in ("text", "contact", "location", "sticker"):
            raise bad_request("message can't have a caption")  # stricter guess: not ignored
        chat_id = self._target_chat(params)
        reply_to = self._reply_target(chat_id, params)
        self._flood(chat_id, call.method)
        copy = self.store_message(
            chat_id,
            from_bot=True,
            kind=source.kind,
            text=source.text,
            html=params.get("caption") if caption_given else source.html,
            entities=list(source.entities),
            caption=(caption.text or None) if caption is not None else source.caption,
            caption_entities=caption.entities if caption is not None else source.caption_entities,
            reply_markup=markup,
            content=dict(source.content),
            reply_to_message_id=reply_to,
        )
        self._apply_reply_keyboard(chat_id, markup)
        return {"message_id": copy.message_id}

    async def _forward_message(self, params: dict[str, Any], call: Call) -> Any:
        source = self._source_message(params)
        chat_id = self._target_chat(params)
        self._flood(chat_id, call.method)
        sender = self.bot_user() if source.from_bot else self._users[source.chat_id].user_api()
        copy = self.store_message(
            chat_id,
            from_bot=True,
            kind=source.kind,
            text=source.text,
            html=source.html,
            entities=list(source.entities),
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            content=dict(source.content),
            extra={"forward_origin": {"type": "user", "date": source.date, "sender_user": sender}},
        )
        return self.message_api(copy)

    async def _edit_text(self, params: dict[str, Any], call: Call) -> Any:
        parsed = render(
            params.get("text"), params.get("parse_mode"), params.get("entities"), what="text"
        )
        check_text(parsed)
        markup = self._edit_markup(params)
        message = self._edit_target(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (parsed.text, parsed.entities, markup) == (
            message.text,
            message.entities,
            _inline_or_none(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED, violation=self.not_modified_is_violation)
        message.text, message.entities, message.html = parsed.text, parsed.entities, params["text"]
        return self._finish_edit(message, markup)

    async def _edit_caption(self, params: dict[str, Any], call: Call) -> Any:
        caption = self._caption(params)
        markup = self._edit_markup(params)
        message = self._edit_target(params)
        if message.kind == "text" or message.kind in ("contact", "location", "sticker"):
            raise bad_request("there is no caption in the message to edit")
        if (caption.text or None, caption.entities, markup) == (
            message.caption,
            message.caption_entities,
            _inline_or_none(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED, violation=self.not_modified_is_violation)
        message.caption, message.caption_entities = caption.text or None, caption.entities
        message.html = params.get("caption")
        return self._finish_edit(message, markup)

    async def _edit_reply_markup(self, params: dict[str, Any], call: Call) -> Any:
        markup = self._edit_markup(params)
        message = self._edit_target(params)
        if markup == _inline_or_none(message.reply_markup):
            raise bad_request(NOT_MODIFIED, violation=self.not_modified_is_violation)
        return self._finish_edit(message, markup)

    async def _edit_media(self, params: dict[str, Any], call: Call) -> Any:
        media = params["media"]
        kind = media["type"]
        if kind not in MEDIA_METHODS.values():
            raise bad_request(f"unsupported media type {kind!r}")
        caption = self._caption(media, where="media.caption")
        markup = self._edit_markup(params)
        message = self._edit_target(params)
        if message.kind == "text" or message.kind not in MEDIA_METHODS.values():
            raise bad_request("there is no media in the message to edit")
        source = media["media"]
        if isinstance(source, str) and source.startswith("attach://"):
            source = call.files[source.removeprefix("attach://")]
        files = self.files.resolve(kind, source, duration=media.get("duration"))
        content = {kind: media_api(kind, files)}
        if (content, caption.text or None, markup) == (
            message.content,
            message.caption,
            _inline_or_none(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED, violation=self.not_modified_is_violation)
        message.kind, message.content = kind, content
        message.caption, message.caption_entities = caption.text or None, caption.entities
        message.html = media.get("caption")
        return self._finish_edit(message, markup)

    def _finish_edit(self, message: StoredMessage, markup: dict[str, Any] | None) -> Any:
        # Omitting reply_markup in an edit removes the inline keyboard, as in Telegram.
        message.reply_markup = markup
        message.edit_date = self.now_ts()
        return self.message_api(message)

    async def _delete_message(self, params: dict[str, Any], call: Call) -> Any:
        chat_id = self._known_chat(params["chat_id"])
        message = self.message(chat_id, params["message_id"])
        if message is None:
            raise bad_request(
                "message to delete not found",
                violation=self.deleted_by_bot(chat_id, params["message_id"]),
            )
        self._check_deletable(message)
        self._remove(message, by_bot=True)
        return True

    async def _delete_messages(self, params: dict[str, Any], call: Call) -> Any:
        chat_id = self._known_chat(params["chat_id"])
        ids: list[int] = params["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must list 1-100 messages")
        found = [m for i in ids if (m := self.message(chat_id, i)) is not None]
        if not found:
            raise bad_request(
                "message to delete not found",
                violation=all(self.deleted_by_bot(chat_id, i) for i in ids),
            )
        for message in found:
            self._check_deletable(message)
        for message in found:
            self._remove(message, by_bot=True)
        return True

    def deleted_by_bot(self, chat_id: int, message_id: int) -> bool:
        """Whether this bot deleted that message (a second deletion is its own mistake)."""
        return message_id in self._deleted_by_bot.get(chat_id, set())

    def _remove(self, message: StoredMessage, *, by_bot: bool) -> None:
        del self._messages[message.chat_id][message.message_id]
        if by_bot:
            self._deleted_by_bot.setdefault(message.chat_id, set()).add(message.message_id)

    def _check_deletable(self, message: StoredMessage) -> None:
        age = self.now_ts() - message.date
        if age >= DELETE_WINDOW.total_seconds():
            raise bad_request("message can't be deleted", violation=False)

    async def _answer_callback_query(self, params: dict[str, Any], call: Call) -> Any:
        state = self._callbacks.get(params["callback_query_id"])
        if state is None or state.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if self.clock.monotonic() - state.issued_at > CALLBACK_QUERY_TTL:
            # Too late is a runtime condition (slow handler), not a malformed call.
            state.answered = True
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid",
                violation=False,
            )
        text = params.get("text")
        if text is not None and len(text) > CALLBACK_ANSWER_TEXT_MAX:
            raise bad_request(
                f"MESSAGE_TOO_LONG: callback answer text is {len(text)} characters "
                f"(max {CALLBACK_ANSWER_TEXT_MAX})"
            )
        url = params.get("url")
        if url is not None and not url.startswith(f"https://t.me/{self.bot_username}?"):
            raise bad_request("URL_INVALID")  # only game / t.me/bot?start= links are allowed
        state.answered = True
        state.answer = dict(params)
        return True

    async def _send_chat_action(self, params: dict[str, Any], call: Call) -> Any:
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._target_chat(params)
        return True

    async def _set_my_commands(self, params: dict[str, Any], call: Call) -> Any:
        language = params.get("language_code", "")
        check_commands(params["commands"], language)
        key = (_scope_key(params.get("scope")), language)
        if params["commands"]:
            self.commands[key] = params["commands"]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: dict[str, Any], call: Call) -> Any:
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        return self.commands.get(key, [])

    async def _delete_my_commands(self, params: dict[str, Any], call: Call) -> Any:
        key = (_scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: dict[str, Any], call: Call) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._known_chat(chat_id)
        self.menu_buttons[chat_id] = params.get("menu_button", {"type": "default"})
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any], call: Call) -> Any:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._known_chat(chat_id)
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "commands"}))

    async def _get_file(self, params: dict[str, Any], call: Call) -> Any:
        record = self.files.get(params["file_id"])
        if len(record.data) > DOWNLOAD_MAX_BYTES:
            raise bad_request("file is too big", violation=False)
        return record.file_api()

    async def _get_chat(self, params: dict[str, Any], call: Call) -> Any:
        chat_id = self._known_chat(params["chat_id"])
        return {
            **self._users[chat_id].chat_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # ---- updates: polling and webhook --------------------------------------------------------

    async def _get_updates(self, params: dict[str, Any], call: Call) -> Any:
        if self.webhook is not None:
            raise TelegramError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violation=True,
            )
        limit = params.get("limit", 100)
        timeout = params.get("timeout", 0)
        if not 1 <= limit <= 100:
            raise bad_request("limit must be 1-100")  # Telegram clamps; the fake insists
        if timeout < 0:
            raise bad_request("timeout must be non-negative")
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        offset = params.get("offset")
        if offset is not None:
            if offset < 0:
                self._queue = self._queue[offset:]
            else:
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
        self._poll_generation += 1
        self._notify()  # a long poll still waiting is superseded by this one
        generation = self._poll_generation
        if not self._queue and timeout > 0:
            # Long poll: wait (real time) until an update arrives or the timeout ends.
            self.long_polls_waiting += 1
            self._notify()
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(timeout, self.long_poll_cap)):
                        await self._wait_until(
                            lambda: (
                                bool(self._queue)
                                or self._poll_generation != generation
                                or self.webhook is not None
                            )
                        )
            finally:
                self.long_polls_waiting -= 1
            if self._poll_generation != generation:
                raise TelegramError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        self._queue = [u for u in self._queue if self._allowed(u)]
        return self._queue[:limit]

    async def _set_webhook(self, params: dict[str, Any], call: Call) -> Any:
        url: str = params["url"]
        if not url:
            return await self._delete_webhook(params, call)
        if not url.startswith("https://") and not (
            self.allow_http_webhook and url.startswith("http://")
        ):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not WEBHOOK_SECRET_RE.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be 1-100")
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = Webhook(url, secret, max_connections)
        self._notify()
        if self._queue and self.deliver is None:
            # Telegram pushes what was waiting for getUpdates to the new webhook.
            pending, self._queue = self._queue, []
            task = asyncio.create_task(self._post_pending(pending))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return True

    async def _delete_webhook(self, params: dict[str, Any], call: Call) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any], call: Call) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self._allowed_updates is not None:
                info["allowed_updates"] = self._allowed_updates
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def _post_pending(self, pending: list[dict[str, Any]]) -> None:
        for update in pending:
            await self._post_webhook(update)

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        """POST the update; retry a bounded number of times on failure, like Telegram."""
        from .http import post_update  # aiohttp client code lives with the HTTP transport

        webhook = self.webhook
        assert webhook is not None
        for attempt in range(1, self.webhook_attempts + 1):
            error = await post_update(self, webhook.url, webhook.secret_token, update)
            if error is None:
                return
            self.webhook_failures.append(WebhookFailure(update["update_id"], attempt, error))
            webhook.last_error_date = self.now_ts()
            webhook.last_error_message = error
            self._notify()
        # Gave up: Telegram would keep it pending; the fake leaves it in the queue for inspection.
        self._queue.append(update)

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed_updates is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self._allowed_updates

    # ---- shared checks -----------------------------------------------------------------------

    def _known_chat(self, chat_id: int | str) -> int:
        """A chat the bot can address: a user who started the bot."""
        if isinstance(chat_id, str) or chat_id not in self._started:
            # @usernames never resolve to private chats for bots.
            raise bad_request("chat not found", violation=False)
        return chat_id

    def _target_chat(self, params: dict[str, Any]) -> int:
        chat_id = self._known_chat(params["chat_id"])
        if chat_id in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        if params.get("message_thread_id") is not None:
            raise bad_request("message thread not found")  # no topics in these private chats
        return chat_id

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        if reply.get("chat_id") not in (None, chat_id):
            raise bad_request("fake Telegram does not simulate cross-chat replies")
        if self.message(chat_id, reply["message_id"]) is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found", violation=False)
        return reply["message_id"]

    def _source_message(self, params: dict[str, Any]) -> StoredMessage:
        from_chat = self._known_chat(params["from_chat_id"])
        message = self.message(from_chat, params["message_id"])
        if message is None:
            raise bad_request("message to copy not found", violation=False)
        return message

    def _edit_target(self, params: dict[str, Any]) -> StoredMessage:
        if "inline_message_id" in params:
            if "chat_id" in params or "message_id" in params:
                raise bad_request("pass either inline_message_id or chat_id + message_id")
            raise bad_request("MESSAGE_ID_INVALID")  # the fake issues no inline messages
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat_id = self._known_chat(params["chat_id"])
        if chat_id in self._blocked:
            raise TelegramError(403, "Forbidden: bot was blocked by the user")
        message = self.message(chat_id, params["message_id"])
        if message is None:
            raise bad_request(
                "message to edit not found",
                violation=self.deleted_by_bot(chat_id, params["message_id"]),
            )
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    @staticmethod
    def _edit_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is not None:
            check_inline_keyboard(markup)
        return _inline_or_none(normalize_markup(markup))

    @staticmethod
    def _caption(params: dict[str, Any], where: str = "caption") -> ParsedText:
        parsed = render(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            what=where,
        )
        check_caption(parsed)
        return parsed

    def _apply_reply_keyboard(self, chat_id: int, markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            self._reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self._reply_keyboards[chat_id] = None

    def _flood(self, chat_id: int, method: str) -> None:
        """Sliding-window flood control on message-creating methods (virtual time)."""
        if not self.flood_control or method in FLOOD_EXEMPT:
            return
        now = self.clock.monotonic()
        sent_chat = self._sent_chat.setdefault(chat_id, deque())
        for window, sent, limit in (
            (1.0, self._sent_all, self.global_limit),
            (self.chat_window, sent_chat, self.chat_limit),
        ):
            while sent and sent[0] <= now - window:
                sent.popleft()
            if len(sent) >= limit:
                # The oldest message in the window must fall out before the next one fits.
                retry_after = max(1, math.ceil(sent[0] + window - now))
                raise TelegramError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    retry_after=retry_after,
                )
        self._sent_all.append(now)
        sent_chat.append(now)

    async def _wait_until(self, predicate: Callable[[], bool]) -> None:
        while not predicate():
            if self._pulse is None:
                self._pulse = asyncio.Event()
            await self._pulse.wait()

    def _notify(self) -> None:
        """Wake everyone waiting in _wait_until so they re-check their predicate."""
        if self._pulse is not None:
            self._pulse.set()
            self._pulse = None


def _inline_or_none(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Inline keyboard as Telegram keeps it: an empty keyboard is no keyboard."""
    if markup and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _scope_key(scope: dict[str, Any] | None) -> str:
    scope = dict(scope or {"type": "default"})
    if isinstance(scope.get("chat_id"), str) and scope["chat_id"].lstrip("-").isdigit():
        scope["chat_id"] = int(scope["chat_id"])  # "42" and 42 name the same chat
    return json.dumps(scope, sort_keys=True)
