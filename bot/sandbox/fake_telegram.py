"""A Bot API stand-in over real HTTP, for the playground and the tests.

It speaks enough of the Bot API for the real Application (getUpdates long
polling, sending and editing messages, files) and keeps what the bot sent so a
person or a test can read it. Telegram's own limits that bite in production
(4,096 characters a message, 64 bytes of callback data) are enforced here too;
its flood limits (30 messages a second, one a second per chat, 20 a minute per
group) when a test or benchmark switches them on with `enforce_limits()`.
Failures are injected with `fail_next()` and `block()`, or any hook in `faults`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
JSON_PARAMS = {
    "reply_markup", "commands", "scope", "entities", "caption_entities", "allowed_updates",
    "link_preview_options", "reply_parameters", "media",
}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "cache_time"}
# what Telegram counts against its flood limits: messages, not edits, answers or polls (lower case)
SEND_METHODS = {
    "sendmessage", "senddocument", "sendphoto", "sendvoice", "sendaudio", "sendvideo", "sendanimation",
    "sendvideonote", "sendsticker", "sendmediagroup", "sendlocation", "sendvenue", "sendcontact", "sendpoll",
    "senddice", "sendinvoice", "copymessage", "copymessages", "forwardmessage", "forwardmessages",
}
FAULT_KINDS = ("429", "500", "403", "timeout", "lost")


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def as_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class Sent:
    """A message the bot sent, as it stands now (edits applied)."""

    message_id: int
    chat_id: int
    text: str | None
    buttons: list[list[Button]]
    seq: int
    kind: str = "text"  # text | document | photo | voice
    file_name: str | None = None
    file_id: str | None = None  # a file sent again by its id (a voice note from History, a customer's photo)
    content: bytes | None = None
    edited: bool = False
    deleted: bool = False
    parse_mode: str | None = None
    accepted_at: float | None = None  # time.monotonic() when the fake took it
    entities: list[dict[str, Any]] = field(default_factory=list)  # as sent: type, offset, length (UTF-16)

    def entity_texts(self, kind: str) -> list[str]:
        """The parts of the text an entity of `kind` covers (e.g. the `pre` blocks)."""
        units = (self.text or "").encode("utf-16-le")
        return [units[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
                for e in self.entities if e.get("type") == kind]

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def button(self, label: str) -> Button:
        """The button whose text contains `label` (first match)."""
        for candidate in self.flat_buttons:
            if label in candidate.text:
                return candidate
        raise LookupError(f"no button {label!r} in {[b.text for b in self.flat_buttons]}")


def parse_keyboard(markup: dict | None) -> list[list[Button]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    rows = []
    for row in markup["inline_keyboard"]:
        rows.append([Button(b["text"], b.get("callback_data"), b.get("url")) for b in row])
    return rows


class BotApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class Hold(Exception):
    """Raised by a fault: leave the request unanswered for `seconds`, so the client times out.

    With `deliver` the message is taken first, as when Telegram accepted it and the answer was lost.
    """

    def __init__(self, seconds: float, deliver: bool = False) -> None:
        super().__init__(f"holding for {seconds} s")
        self.seconds = seconds
        self.deliver = deliver


class FloodLimits:
    """Telegram's send limits, judged on monotonic wall time.

    The intervals are shortened by `slack` so a client pacing itself exactly is not
    punished for timer jitter, while a burst still is.
    """

    def __init__(self, per_second: int, per_chat_interval: float, group_per_minute: int, slack: float) -> None:
        self.per_second = per_second
        self.window = 1.0 * (1 - slack)
        self.chat_interval = per_chat_interval * (1 - slack)
        self.group_per_minute = group_per_minute
        self.group_window = 60.0 * (1 - slack)
        self._overall: deque[float] = deque()
        self._last: dict[int | str, float] = {}
        self._groups: dict[int | str, deque[float]] = {}

    def check(self, chat_id: int | str, now: float) -> None:
        """Raise the 429 Telegram would give a message to `chat_id` now."""
        while self._overall and self._overall[0] <= now - self.window:
            self._overall.popleft()
        if self.per_second and len(self._overall) >= self.per_second:
            self._refuse(self._overall[0] + self.window - now)
        last = self._last.get(chat_id)
        if last is not None and now - last < self.chat_interval:
            self._refuse(last + self.chat_interval - now)
        recent = self._groups.get(chat_id)
        if recent is not None:
            while recent and recent[0] <= now - self.group_window:
                recent.popleft()
            if self.group_per_minute and len(recent) >= self.group_per_minute:
                self._refuse(recent[0] + self.group_window - now)

    def accept(self, chat_id: int | str, now: float) -> None:
        self._overall.append(now)
        self._last[chat_id] = now
        if isinstance(chat_id, str) or chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _refuse(wait: float) -> None:
        retry_after = max(1, math.ceil(wait))
        raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def _forbidden(chat_id: int | str | None) -> BotApiError:
    if isinstance(chat_id, int) and chat_id > 0:
        return BotApiError(403, "Forbidden: bot was blocked by the user")
    return BotApiError(403, "Forbidden: bot was kicked from the group chat")


class FakeTelegram:
    """The server. Start it, point the Application's base_url at `base_url`."""

    def __init__(self, token: str = "123456:TEST-token", username: str = "salesbot_demo_bot") -> None:
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.by_id: dict[int, Sent] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] | None = None  # what setWebhook last said
        self.sends_held: asyncio.Event | None = None  # while set and not fired, messages wait to be taken
        self.held_chat: int | None = None
        # fault hooks: called with (method, params); may raise BotApiError or Hold, or return None
        self.faults: list[Callable[[str, dict[str, Any]], None]] = []
        self.faults_fired: list[tuple[str, str, int | str | None]] = []
        self.blocked: set[int | str] = set()
        self.limits: FloodLimits | None = None
        self.too_many_requests = 0
        self._stopping = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._seq = itertools.count(1)
        self.seq = 0
        self.fetched_offset = 0
        self.polling_paused = False
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # --- lifecycle -----------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._stopping.clear()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.host = host

    async def stop(self) -> None:
        self._stopping.set()  # lets held requests go, so no handler outlives the server
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # --- what users do ---------------------------------------------------------------

    async def push(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **payload})
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def pause_polling(self, paused: bool = True) -> None:
        """Answer long polls at once, so a stopping bot need not wait for its poll to time out."""
        self.polling_paused = paused
        async with self._changed:
            self._changed.notify_all()

    async def wait_fetched(self, update_id: int, timeout: float = 10) -> None:
        """Until the bot asked for updates past `update_id`, i.e. it has queued that update."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.fetched_offset > update_id), timeout)

    def next_update_id(self) -> int:
        """An id for an update handed to a webhook instead of queued for getUpdates."""
        return next(self._update_ids)

    def add_file(self, content: bytes) -> str:
        file_id = "f_" + secrets.token_hex(8)
        self.files[file_id] = content
        return file_id

    # --- what Telegram does to a bot -------------------------------------------------------

    def enforce_limits(self, on: bool = True, *, per_second: int = 30, per_chat_interval: float = 1.0,
                       group_per_minute: int = 20, slack: float = 0.05) -> None:
        """Answer sends over Telegram's flood limits with 429, as Telegram does; `on=False` stops it."""
        self.limits = FloodLimits(per_second, per_chat_interval, group_per_minute, slack) if on else None

    def hold_sends(self, chat_id: int | None = None) -> asyncio.Event:
        """Messages (to `chat_id` only, when given) wait, unanswered, until the returned event is set: a slow
        Telegram, or a handler still at work."""
        self.sends_held, self.held_chat = asyncio.Event(), chat_id
        return self.sends_held

    def fail_next(self, method: str, kind: str, times: int = 1, *, chat_id: int | str | None = None,
                  retry_after: int = 3, hang: float = 30.0) -> None:
        """The next `times` calls of `method` (to `chat_id`, when given) fail as `kind` says.

        "429" flood control with `retry_after`; "500" a server error; "403" the user blocked the
        bot; "timeout" no answer for `hang` seconds and nothing taken; "lost" the message is taken
        but the answer never comes in time (the client cannot know it went out).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}, one of {FAULT_KINDS}")
        left = times

        def fault(called: str, params: dict[str, Any]) -> None:
            nonlocal left
            if called.lower() != method.lower() or (chat_id is not None and params.get("chat_id") != chat_id):
                return
            left -= 1
            if left <= 0 and fault in self.faults:
                self.faults.remove(fault)
            self.faults_fired.append((called, kind, params.get("chat_id")))
            if kind == "429":
                raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            if kind == "500":
                raise BotApiError(500, "Internal Server Error")
            if kind == "403":
                raise _forbidden(params.get("chat_id"))
            raise Hold(hang, deliver=kind == "lost")

        self.faults.append(fault)

    def block(self, chat_id: int | str) -> None:
        """The user blocked the bot (or removed it from the group): everything to that chat gets 403."""
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int | str) -> None:
        self.blocked.discard(chat_id)

    def since(self, seq: int) -> list[Sent]:
        return sorted((m for m in self.sent if m.seq > seq), key=lambda m: m.seq)

    def chat(self, chat_id: int) -> list[Sent]:
        return [m for m in self.sent if m.chat_id == chat_id and not m.deleted]

    # --- HTTP ----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
            return params
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    params[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    params[key] = value
        for key in list(params):
            value = params[key]
            if not isinstance(value, str):
                continue
            if key in JSON_PARAMS:
                params[key] = json.loads(value)
            elif key in INT_PARAMS and value.lstrip("-").isdigit():
                params[key] = int(value)
            elif value in ("true", "false"):
                params[key] = value == "true"
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        held: Hold | None = None
        try:
            chat_id = params.get("chat_id")
            if chat_id is not None and chat_id in self.blocked:
                self.faults_fired.append((method, "403", chat_id))
                raise _forbidden(chat_id)
            try:
                for fault in list(self.faults):
                    fault(method, params)
            except Hold as hold:
                held = hold
            if held is not None and not held.deliver:
                await self._hold(held.seconds)
                raise BotApiError(504, "Gateway Timeout")  # the client gave up long ago
            if self.sends_held is not None and method.lower() in SEND_METHODS \
                    and self.held_chat in (None, chat_id):
                await self.sends_held.wait()
            # the send handlers never suspend, so check and accept are one step and a burst is judged in order
            limits = self.limits if method.lower() in SEND_METHODS else None
            if limits is not None:
                limits.check(chat_id, time.monotonic())
            handler = getattr(self, "api_" + method.lower(), None)
            if handler is None:
                raise BotApiError(404, "Not Found: method not found")
            result = await handler(params)
            if limits is not None:
                limits.accept(chat_id, time.monotonic())
        except BotApiError as error:
            if error.code == 429:
                self.too_many_requests += 1
            body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return web.json_response(body, status=error.code)
        if method != "getUpdates":
            self.calls.append((method, params))
        if held is not None:
            await self._hold(held.seconds)
        return web.json_response({"ok": True, "result": result})

    async def _hold(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    # --- Bot API methods ------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Salesbot", "username": self.username}

    async def api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def api_setwebhook(self, params: dict[str, Any]) -> bool:
        # the real Bot API then posts updates there; a test or a benchmark does it in its place
        self.webhook = params
        return True

    async def api_setmycommands(self, params: dict[str, Any]) -> bool:
        self.commands[params.get("language_code", "")] = params["commands"]
        return True

    async def api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset", 0) or 0
        timeout = min(float(params.get("timeout", 0) or 0), 5.0)
        async with self._changed:
            if offset > self.fetched_offset:
                self.fetched_offset = offset
                self._changed.notify_all()
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout:
                try:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self.updates) or self.polling_paused), timeout)
                except TimeoutError:
                    pass
            return [u for u in self.updates if u["update_id"] >= offset][:100]

    def _check_text(self, text: str | None, limit: int = MAX_TEXT) -> None:
        if text is None or not text.strip():
            raise BotApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise BotApiError(400, "Bad Request: message is too long")

    def _check_markup(self, markup: dict | None) -> None:
        for row in parse_keyboard(markup):
            for button in row:
                if button.callback_data is not None and len(button.callback_data.encode()) > MAX_CALLBACK_DATA:
                    raise BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _record(self, chat_id: int, text: str | None, markup: dict | None, **extra: Any) -> Sent:
        self._check_markup(markup)
        self.seq = next(self._seq)
        message = Sent(next(self._message_ids), chat_id, text, parse_keyboard(markup), self.seq,
                       accepted_at=time.monotonic(), **extra)
        self.sent.append(message)
        self.by_id[message.message_id] = message
        return message

    def message_dict(self, message: Sent) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": {"id": message.chat_id, "type": "private" if message.chat_id > 0 else "group"},
            "from": self.bot_user(),
        }
        if message.kind == "text":
            data["text"] = message.text or ""
        elif message.kind == "voice":
            data["caption"] = message.text or ""
            data["voice"] = {"file_id": message.file_id, "file_unique_id": message.file_id, "duration": 1}
        else:
            data["caption"] = message.text or ""
            data["document"] = {"file_id": "sent_" + str(message.message_id), "file_unique_id": "u",
                                "file_name": message.file_name or "file"}
        if message.buttons:
            data["reply_markup"] = {"inline_keyboard": [
                [{k: v for k, v in vars(b).items() if v is not None} for b in row] for row in message.buttons
            ]}
        return data

    async def api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_text(params.get("text"))
        entities = params.get("entities") or []
        units = len(params["text"].encode("utf-16-le")) // 2
        if any(e["offset"] < 0 or e["length"] <= 0 or e["offset"] + e["length"] > units for e in entities):
            raise BotApiError(400, "Bad Request: can't parse entities: entity is out of the text")
        message = self._record(params["chat_id"], params["text"], params.get("reply_markup"),
                               parse_mode=params.get("parse_mode"), entities=entities)
        return self.message_dict(message)

    async def _send_file(self, params: dict[str, Any], field_name: str, kind: str) -> dict[str, Any]:
        """An upload, or a file Telegram already holds sent again by its id (an unknown id is refused)."""
        upload = params.get(field_name)
        if isinstance(upload, str):
            if upload not in self.files:
                raise BotApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            file = {"file_id": upload, "content": self.files[upload]}
        elif isinstance(upload, dict):
            file = {"file_name": upload["filename"], "content": upload["content"]}
        else:
            raise BotApiError(400, f"Bad Request: there is no {field_name} in the request")
        caption = params.get("caption")
        if caption and len(caption) > MAX_CAPTION:
            raise BotApiError(400, "Bad Request: message caption is too long")
        message = self._record(params["chat_id"], caption, params.get("reply_markup"), kind=kind, **file)
        return self.message_dict(message)

    async def api_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "document", "document")

    async def api_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "photo", "photo")

    async def api_sendvoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(params, "voice", "voice")

    def _existing(self, params: dict[str, Any]) -> Sent:
        message = self.by_id.get(params.get("message_id", -1))
        if message is None or message.chat_id != params.get("chat_id") or message.deleted:
            raise BotApiError(400, "Bad Request: message to edit not found")
        return message

    async def api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        self._check_text(params.get("text"))
        self._check_markup(params.get("reply_markup"))
        new_buttons = parse_keyboard(params.get("reply_markup"))
        if message.text == params["text"] and message.buttons == new_buttons:
            raise BotApiError(400, "Bad Request: message is not modified")
        message.text, message.buttons, message.edited = params["text"], new_buttons, True
        self.seq = message.seq = next(self._seq)
        return self.message_dict(message)

    async def api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._existing(params)
        self._check_markup(params.get("reply_markup"))
        message.buttons, message.edited = parse_keyboard(params.get("reply_markup")), True
        self.seq = message.seq = next(self._seq)
        return self.message_dict(message)

    async def api_deletemessage(self, params: dict[str, Any]) -> bool:
        self._existing(params).deleted = True
        return True

    async def api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        self.callback_answers.append(params)
        return True

    async def api_sendchataction(self, params: dict[str, Any]) -> bool:
        return True

    async def api_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise BotApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}


class Chat:
    """Drives the bot as Telegram users would, waiting until each update is handled."""

    def __init__(self, fake: FakeTelegram, application: Any) -> None:
        self.fake = fake
        self.application = application
        self._message_ids = itertools.count(1)

    async def _deliver(self, payload: dict[str, Any]) -> list[Sent]:
        mark = self.fake.seq
        update_id = await self.fake.push(payload)
        await self.fake.wait_fetched(update_id)
        await asyncio.wait_for(self.application.update_queue.join(), 30)
        return self.fake.since(mark)

    def _message(self, user: FakeUser, chat_id: int | None, **content: Any) -> dict[str, Any]:
        chat_id = chat_id if chat_id is not None else user.id
        chat = ({"id": chat_id, "type": "private", "first_name": user.first_name} if chat_id > 0
                else {"id": chat_id, "type": "group", "title": "Team"})
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": user.as_dict(), **content}

    def text_message(self, user: FakeUser, text: str, chat_id: int | None = None) -> dict[str, Any]:
        """A text message as Telegram sends it: a command marked as one."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._message(user, chat_id, **content)

    async def send(self, user: FakeUser, text: str, chat_id: int | None = None) -> list[Sent]:
        return await self._deliver({"message": self.text_message(user, text, chat_id)})

    async def contact(self, user: FakeUser, phone: str, first_name: str, last_name: str | None = None,
                      contact_user_id: int | None = None, chat_id: int | None = None) -> list[Sent]:
        contact = {"phone_number": phone, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id:
            contact["user_id"] = contact_user_id
        return await self._deliver({"message": self._message(user, chat_id, contact=contact)})

    async def migrate(self, user: FakeUser, chat_id: int, new_chat_id: int) -> list[Sent]:
        """A group becomes a supergroup: Telegram's two service messages, in the old chat and the new one."""
        said = await self._deliver({"message": self._message(user, chat_id, migrate_to_chat_id=new_chat_id)})
        new = self._message(user, new_chat_id, migrate_from_chat_id=chat_id)
        new["chat"]["type"] = "supergroup"
        return said + await self._deliver({"message": new})

    async def document(self, user: FakeUser, file_name: str, content: bytes, caption: str | None = None,
                       mime_type: str = "text/csv") -> list[Sent]:
        file_id = self.fake.add_file(content)
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name,
                    "mime_type": mime_type, "file_size": len(content)}
        extra = {"caption": caption} if caption else {}
        return await self._deliver({"message": self._message(user, None, document=document, **extra)})

    async def photo(self, user: FakeUser, content: bytes = b"\xff\xd8-photo", caption: str | None = None) -> list[Sent]:
        """A photo as Telegram delivers one: the same picture in several sizes, the largest last."""
        file_id = self.fake.add_file(content)
        sizes = [{"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-small", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": file_id, "width": 1280, "height": 1280}]
        extra = {"caption": caption} if caption else {}
        return await self._deliver({"message": self._message(user, None, photo=sizes, **extra)})

    async def voice(self, user: FakeUser, duration: int = 5, caption: str | None = None) -> list[Sent]:
        file_id = self.fake.add_file(b"OggS-voice")
        voice = {"file_id": file_id, "file_unique_id": file_id, "duration": duration, "mime_type": "audio/ogg"}
        extra = {"caption": caption} if caption else {}
        return await self._deliver({"message": self._message(user, None, voice=voice, **extra)})

    async def forward(self, user: FakeUser, text: str, sender_name: str,
                      sender: FakeUser | None = None) -> list[Sent]:
        if sender is not None:
            origin = {"type": "user", "date": int(time.time()), "sender_user": sender.as_dict()}
        else:
            origin = {"type": "hidden_user", "date": int(time.time()), "sender_user_name": sender_name}
        return await self._deliver({"message": self._message(user, None, text=text, forward_origin=origin)})

    async def press(self, user: FakeUser, message: Sent, label: str | None = None,
                    data: str | None = None) -> list[Sent]:
        """Tap a button by (part of) its label, or send any callback data, forged or not."""
        if data is None:
            data = message.button(label or "").callback_data
        payload = {"callback_query": {
            "id": secrets.token_hex(6), "from": user.as_dict(), "chat_instance": "ci",
            "message": self.fake.message_dict(message), "data": data,
        }}
        return await self._deliver(payload)
