"""A fake Telegram on 127.0.0.1: the Bot API the bot calls, and the people who chat with the bot.

**The Bot API** — `http://127.0.0.1:<port>/bot<token>/<method>`, GET or POST, parameters in the query
string, as `application/x-www-form-urlencoded` (nested values JSON-encoded, the way python-telegram-bot
sends them) or as `application/json`. Answers use Telegram's envelopes: `{"ok": true, "result": …}` or
`{"ok": false, "error_code": …, "description": …}` with `parameters.retry_after` on a 429. It checks what
Telegram checks and a test cares about: HTML that Telegram could not parse, 1–4,096 characters of text,
callback data of 1–64 bytes, a chat that exists (the person must have written first), a blocked chat,
an edit that changes nothing. `fail_next(...)` injects a 429, 403 or 400 for the next matching calls.

**The people** — `person(...)` gives a `FakeUser` whose actions (`send`, `press`, `send_sticker`,
`block`…) build Updates shaped exactly like Telegram's and deliver them: POSTed to the webhook set with
setWebhook (with the `X-Telegram-Bot-Api-Secret-Token` header), or queued for getUpdates when no webhook
is set. A webhook response that names a `method` (answerCallbackQuery) is performed, as Telegram does.

The server runs in a thread of its own (`start`/`stop`, for tests) or in the caller's event loop
(`serve`, for the benchmark). Every call is kept in `calls`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

MAX_TEXT = 4096
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                       "span", "tg-spoiler", "blockquote", "tg-emoji"})
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of an HTML-formatted message, or ApiError as Telegram words it."""
    out: list[str] = []
    stack: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            end = text.find(">", index)
            if end < 0:
                raise ApiError(400, f"Bad Request: can't parse entities: Unclosed start tag at byte offset {index}")
            tag = text[index + 1 : end].strip()
            if tag.startswith("/"):
                name = tag[1:].strip().lower()
                if not stack or stack[-1] != name:
                    raise ApiError(400, f"Bad Request: can't parse entities: Unmatched end tag at byte offset "
                                        f"{index}, expected \"</{stack[-1] if stack else ''}>\", found \"</{name}>\"")
                stack.pop()
            else:
                name = tag.split(" ", 1)[0].lower()
                if name not in HTML_TAGS:
                    raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" '
                                        f"at byte offset {index}")
                stack.append(name)
            index = end + 1
        elif char == "&":
            match = _ENTITY.match(text, index)
            if match is None:
                raise ApiError(400, f"Bad Request: can't parse entities: Character '&' is reserved and must be "
                                    f"escaped at byte offset {index}")
            out.append(html.unescape(match.group()))
            index = match.end()
        elif char == ">":
            raise ApiError(400, f"Bad Request: can't parse entities: Character '>' is reserved and must be "
                                f"escaped at byte offset {index}")
        else:
            out.append(char)
            index += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
                            f"\"{stack[-1]}\"")
    return "".join(out)


@dataclass
class BotMessage:
    """A message the bot sent, as the person sees it now."""

    message_id: int
    chat_id: int
    text: str  # the visible text (HTML parsed)
    html: str  # as sent
    keyboard: list[list[JSON]] | None
    date: int
    edits: int = 0

    def buttons(self) -> list[str]:
        return [button["text"] for row in self.keyboard or [] for button in row]

    def button(self, label: str) -> JSON:
        """The button whose text is `label` (or, failing that, contains it)."""
        found = [b for row in self.keyboard or [] for b in row if b["text"] == label]
        found = found or [b for row in self.keyboard or [] for b in row if label in b["text"]]
        if len(found) != 1:
            raise AssertionError(f"no single button {label!r} on message {self.message_id}: {self.buttons()}")
        return found[0]


@dataclass
class FakeChat:
    id: int
    first_name: str
    language_code: str
    started: bool = False  # Telegram: a bot cannot write first ("chat not found")
    blocked: bool = False
    messages: list[BotMessage] = field(default_factory=list)


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: JSON
    via_webhook_response: bool = False


@dataclass
class _Fault:
    method: str
    error: ApiError
    chat_id: int | None
    times: int


@dataclass(frozen=True)
class WebhookCall:
    """One delivery of an update: what the bot's server answered, and how long it took."""

    update: JSON
    status: int
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class WebhookClient:
    """How Telegram calls a webhook: HTTP/1.1 POSTs over at most `max_connections` kept-alive connections
    (setWebhook's max_connections, 40 by default). A few lines of asyncio instead of an HTTP library, so
    that the fake stays cheap next to the app it drives in a benchmark."""

    def __init__(self, max_connections: int = 40) -> None:
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        target = urllib.parse.urlsplit(url)
        key = (target.hostname or "127.0.0.1", target.port or 80)
        head = [f"POST {target.path or '/'}{'?' + target.query if target.query else ''} HTTP/1.1",
                f"Host: {target.netloc}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        async with self._slots:
            idle = self._idle.setdefault(key, [])
            for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: a new one
                while idle and idle[-1][0].at_eof():
                    idle.pop()[1].close()
                reader, writer = idle.pop() if idle and attempt == 1 else await asyncio.open_connection(*key)
                try:
                    writer.write(request)
                    status, reply, keep = await self._response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    if attempt == 2:
                        raise
                    continue
                if keep:
                    idle.append((reader, writer))
                else:
                    writer.close()
                return status, reply
        raise AssertionError("unreachable")

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return status, body, headers.get("connection", "").lower() != "close"

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
        self._idle.clear()


class FakeTelegram:
    def __init__(self, token: str = "4242:fake-telegram-token", username: str = "SamradTestBot") -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.port = 0
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(700_000_000)
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._clients: dict[int, WebhookClient] = {}
        # Called with every message the bot sends or edits, in the thread serving the Bot API (the
        # benchmark's simulated people wait on these instead of polling).
        self.listeners: list[Callable[[BotMessage], None]] = []
        self.reset()

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget every chat, call, fault and webhook (between tests)."""
        with self._lock:
            self.chats: dict[int, FakeChat] = {}
            self.calls: list[ApiCall] = []
            self.faults: list[_Fault] = []
            self.webhook_url: str | None = None
            self.webhook_secret: str | None = None
            # What getWebhookInfo reports as the last failed delivery to the webhook (a test sets it).
            self.webhook_last_error: str | None = None
            self.allowed_updates: list[str] | None = None
            self.commands: dict[str, list[JSON]] = {}
            self.callbacks: dict[str, JSON | None] = {}  # callback query id -> its answer (None: unanswered)
            self.pending_updates: list[JSON] = []
            self.webhook_calls: list[WebhookCall] = []

    async def serve(self) -> None:
        """Listen in the running event loop until cancelled (the benchmark's way)."""
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        async with self._server:
            await self._server.serve_forever()

    def start(self) -> None:
        """Listen in a thread of its own (the tests' way)."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stopping = asyncio.Event()

            async def main() -> None:
                self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
                self.port = self._server.sockets[0].getsockname()[1]
                ready.set()
                await self._stopping.wait()
                # Close the listener, then every open connection, and wait for their handlers to end.
                self._server.close()
                handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for handler in handlers:
                    handler.cancel()
                await asyncio.gather(*handlers, return_exceptions=True)
                await self._server.wait_closed()

            try:
                loop.run_until_complete(main())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram did not start")

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    async def aclose(self) -> None:
        """Close the webhook clients of the calling event loop."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.aclose()

    # --- faults and inspection --------------------------------------------------------------------

    def fail_next(self, method: str, code: int, description: str, *, retry_after: int | None = None,
                  chat_id: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` (to `chat_id`, if given) fail with this error."""
        with self._lock:
            self.faults.append(_Fault(method, ApiError(code, description, retry_after), chat_id, times))

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def person(self, first_name: str, *, language_code: str = "sv", chat_id: int | None = None) -> FakeUser:
        with self._lock:
            chat_id = chat_id or 5_000_000_000 + next(self._ids)
            chat = self.chats.setdefault(chat_id, FakeChat(chat_id, first_name, language_code))
        return FakeUser(self, chat)

    # --- HTTP -----------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                request_line, *lines = head.decode("latin-1").split("\r\n")
                verb, target, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                status, payload = await self._dispatch(verb, target, headers.get("content-type", ""), body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (status, b"OK" if status == 200 else b"Error", len(data), data))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _dispatch(self, verb: str, target: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        path, _, query = target.partition("?")
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if match.group(1) != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        params: JSON = dict(urllib.parse.parse_qsl(query))
        if body and content_type.startswith("application/json"):
            params.update(json.loads(body))
        elif body:
            params.update(urllib.parse.parse_qsl(body.decode()))
        method = self._canonical(match.group(2))
        if method == "getUpdates":
            return await self._get_updates(params)
        try:
            result = self.call(method, params)
        except ApiError as error:
            return error.code, error.body()
        return 200, {"ok": True, "result": result}

    # --- the Bot API methods ------------------------------------------------------------------------

    @functools.cached_property
    def _method_names(self) -> dict[str, str]:
        names = [name.removeprefix("_api_") for name in dir(self) if name.startswith("_api_")]
        return {name.lower(): name for name in [*names, "getUpdates"]}

    def _canonical(self, method: str) -> str:
        """The method's name as documented: the Bot API's method names are case-insensitive."""
        return self._method_names.get(method.lower(), method)

    def call(self, method: str, params: JSON, *, via_webhook_response: bool = False) -> Any:
        """Perform one Bot API method; raises ApiError like Telegram would answer."""
        with self._lock:
            self.calls.append(ApiCall(method, params, via_webhook_response))
            for fault in self.faults:
                if fault.method == method and fault.chat_id in (None, _int(params.get("chat_id"))):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    raise fault.error
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            return handler(params)

    def _bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Samråd", "username": self.username}

    def _api_getMe(self, params: JSON) -> JSON:
        return {**self._bot_user(), "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def _chat(self, params: JSON) -> FakeChat:
        chat = self.chats.get(_int(params.get("chat_id")) or 0)
        if chat is None or not chat.started:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _text(self, params: JSON) -> tuple[str, str]:
        raw = str(params.get("text", ""))
        mode = str(params.get("parse_mode", "")).upper()
        visible = parse_html(raw) if mode == "HTML" else raw
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(visible) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return raw, visible

    @staticmethod
    def _keyboard(params: JSON) -> list[list[JSON]] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        markup = json.loads(markup) if isinstance(markup, str) else markup
        rows = markup.get("inline_keyboard")
        if not isinstance(rows, list):
            raise ApiError(400, "Bad Request: object expected as reply markup")
        for row in rows:
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return rows or None

    def _message_json(self, message: BotMessage) -> JSON:
        chat = self.chats[message.chat_id]
        data: JSON = {
            "message_id": message.message_id,
            "from": self._bot_user(),
            "chat": {"id": chat.id, "first_name": chat.first_name, "type": "private"},
            "date": message.date,
            "text": message.text,
        }
        if message.edits:
            data["edit_date"] = message.date + message.edits
        if message.keyboard:
            data["reply_markup"] = {"inline_keyboard": message.keyboard}
        return data

    def _api_sendMessage(self, params: JSON) -> JSON:
        chat = self._chat(params)
        raw, visible = self._text(params)
        message = BotMessage(next(self._ids), chat.id, visible, raw, self._keyboard(params), int(time.time()))
        chat.messages.append(message)
        self._notify(message)
        return self._message_json(message)

    def _edited(self, params: JSON) -> BotMessage:
        chat = self._chat(params)
        wanted = _int(params.get("message_id"))
        for message in chat.messages:
            if message.message_id == wanted:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _api_editMessageText(self, params: JSON) -> JSON:
        message = self._edited(params)
        raw, visible = self._text(params)
        keyboard = self._keyboard(params)
        if visible == message.text and keyboard == message.keyboard:
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.html, message.keyboard = visible, raw, keyboard
        message.edits += 1
        self._notify(message)
        return self._message_json(message)

    def _api_editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._edited(params)
        keyboard = self._keyboard(params)
        if keyboard == message.keyboard:
            raise ApiError(400, NOT_MODIFIED)
        message.keyboard = keyboard
        message.edits += 1
        self._notify(message)
        return self._message_json(message)

    def _notify(self, message: BotMessage) -> None:
        for listener in self.listeners:
            listener(message)

    def _api_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self.callbacks or self.callbacks[query_id] is not None:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if len(str(params.get("text", ""))) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callbacks[query_id] = params
        return True

    def _api_setWebhook(self, params: JSON) -> bool:
        url = str(params.get("url", ""))
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        self.allowed_updates = json.loads(allowed) if isinstance(allowed, str) else allowed
        self.webhook_url, self.webhook_secret = url or None, secret if url else None
        return True

    def _api_deleteWebhook(self, params: JSON) -> bool:
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getWebhookInfo(self, params: JSON) -> JSON:
        info: JSON = {"url": self.webhook_url or "", "has_custom_certificate": False,
                      "pending_update_count": len(self.pending_updates),
                      "allowed_updates": self.allowed_updates or []}
        if self.webhook_url and self.webhook_last_error:
            info.update(last_error_date=int(time.time()), last_error_message=self.webhook_last_error)
        return info

    def _api_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        commands = json.loads(commands) if isinstance(commands, str) else commands
        for command in commands or []:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[str(params.get("language_code", ""))] = commands or []
        return True

    async def _get_updates(self, params: JSON) -> tuple[int, JSON]:
        if self.webhook_url:
            return 409, {"ok": False, "error_code": 409, "description": "Conflict: can't use getUpdates method "
                         "while webhook is active; use deleteWebhook to delete the webhook first"}
        with self._lock:
            self.calls.append(ApiCall("getUpdates", params))
        offset = _int(params.get("offset")) or 0
        deadline = time.monotonic() + float(params.get("timeout", 0) or 0)
        while True:
            with self._lock:
                # Confirming: updates below the offset are forgotten, as Telegram does.
                self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
                ready = list(self.pending_updates[: int(params.get("limit", 100) or 100)])
            if ready or time.monotonic() >= deadline:
                return 200, {"ok": True, "result": ready}
            await asyncio.sleep(0.01)

    # --- the people's side: delivering updates ---------------------------------------------------------

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def _client(self) -> WebhookClient:
        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            client = self._clients[loop_id] = WebhookClient()
        return client

    async def deliver(self, update: JSON) -> WebhookCall | None:
        """Deliver an update as Telegram would: to the webhook, else to the getUpdates queue."""
        with self._lock:
            url, secret = self.webhook_url, self.webhook_secret
            if url is None:
                self.pending_updates.append(update)
                return None
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.post(json.dumps(update).encode(), headers, update=update)

    async def post(self, body: bytes, headers: dict[str, str], *, update: JSON | None = None,
                   url: str | None = None) -> WebhookCall:
        """POST a raw body to the webhook (or `url`); a response naming a method is performed."""
        target = url or self.webhook_url
        assert target, "no webhook set"
        started = time.perf_counter()
        status, content = await self._client().post(target, body, headers)
        seconds = time.perf_counter() - started
        call = WebhookCall(update or {}, status, content, seconds)
        with self._lock:
            self.webhook_calls.append(call)
        if status == 200 and content:
            reply = json.loads(content)
            if isinstance(reply, dict) and "method" in reply:
                params = {k: v for k, v in reply.items() if k != "method"}
                with contextlib.suppress(ApiError):  # Telegram gives no result for these; nor does the fake
                    self.call(str(reply["method"]), params, via_webhook_response=True)
        return call

    def answered(self, callback_query_id: str) -> JSON | None:
        with self._lock:
            return self.callbacks.get(callback_query_id)

    def new_callback(self) -> str:
        with self._lock:
            query_id = str(next(self._ids) * 7919 + 1_000_000_000_000)
            self.callbacks[query_id] = None
            return query_id

    def unanswered_callbacks(self) -> list[str]:
        with self._lock:
            return [query for query, answer in self.callbacks.items() if answer is None]


class FakeUser:
    """One person in a private chat with the bot."""

    def __init__(self, telegram: FakeTelegram, chat: FakeChat) -> None:
        self.telegram = telegram
        self.chat = chat

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def inbox(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first."""
        with self.telegram._lock:
            return list(self.chat.messages)

    @property
    def last(self) -> BotMessage:
        inbox = self.inbox
        assert inbox, f"{self.chat.first_name} has no messages from the bot"
        return inbox[-1]

    def texts(self) -> list[str]:
        return [message.text for message in self.inbox]

    def iter_new(self, since: int) -> Iterator[BotMessage]:
        yield from self.inbox[since:]

    def _user(self) -> JSON:
        return {"id": self.chat.id, "is_bot": False, "first_name": self.chat.first_name,
                "language_code": self.chat.language_code}

    def _chat(self) -> JSON:
        return {"id": self.chat.id, "first_name": self.chat.first_name, "type": "private"}

    def _message(self, **content: Any) -> JSON:
        with self.telegram._lock:
            self.chat.started = True
            message_id = next(self.telegram._ids)
        return {"message_id": message_id, "from": self._user(), "chat": self._chat(), "date": int(time.time()),
                **content}

    def message_update(self, text: str) -> JSON:
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            content["entities"] = [{"offset": 0, "length": utf16_length(command), "type": "bot_command"}]
        return {"update_id": self.telegram.next_update_id(), "message": self._message(**content)}

    async def send(self, text: str) -> WebhookCall | None:
        """Type a message (a /command gets its bot_command entity, as in Telegram)."""
        return await self.telegram.deliver(self.message_update(text))

    def press_update(self, message: BotMessage, label: str) -> JSON:
        button = message.button(label)
        with self.telegram._lock:
            shown = self.telegram._message_json(message)
        return {
            "update_id": self.telegram.next_update_id(),
            "callback_query": {
                "id": self.telegram.new_callback(),
                "from": self._user(),
                "message": shown,
                "chat_instance": str(-self.chat.id * 31),
                "data": button["callback_data"],
            },
        }

    async def press(self, message: BotMessage, label: str) -> WebhookCall | None:
        """Tap the button labelled `label` on one of the bot's messages."""
        return await self.telegram.deliver(self.press_update(message, label))

    async def send_sticker(self) -> WebhookCall | None:
        sticker = {"file_id": "CAACAgIAAxkBAAEBm", "file_unique_id": "AgADnQ", "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}
        return await self.telegram.deliver({"update_id": self.telegram.next_update_id(),
                                            "message": self._message(sticker=sticker)})

    async def send_photo(self, caption: str | None = None) -> WebhookCall | None:
        sizes = [{"file_id": f"AgACAgQAAx{size}", "file_unique_id": f"AQAD{size}", "width": size,
                  "height": size, "file_size": size * 40} for size in (90, 320, 800)]
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return await self.telegram.deliver({"update_id": self.telegram.next_update_id(),
                                            "message": self._message(**content)})

    async def edit(self, update: JSON, text: str) -> WebhookCall | None:
        """Edit a message this person sent earlier (an edited_message update)."""
        original = update["message"]
        edited = {**original, "text": text, "edit_date": int(time.time())}
        return await self.telegram.deliver({"update_id": self.telegram.next_update_id(), "edited_message": edited})

    async def _membership(self, old: str, new: str) -> WebhookCall | None:
        def status(name: str) -> JSON:
            # ChatMemberBanned ("kicked") always carries until_date; 0 means forever.
            return {"user": self.telegram._bot_user(), "status": name, **({"until_date": 0} if name == "kicked" else {})}

        member = {"chat": self._chat(), "from": self._user(), "date": int(time.time()),
                  "old_chat_member": status(old), "new_chat_member": status(new)}
        return await self.telegram.deliver({"update_id": self.telegram.next_update_id(), "my_chat_member": member})

    async def block(self) -> WebhookCall | None:
        """Block the bot: Telegram refuses further messages and tells the bot with my_chat_member."""
        with self.telegram._lock:
            self.chat.blocked = True
        return await self._membership("member", "kicked")

    async def unblock(self) -> WebhookCall | None:
        with self.telegram._lock:
            self.chat.blocked = False
        return await self._membership("kicked", "member")


def group_message_update(telegram: FakeTelegram, text: str) -> JSON:
    """A message in a group the bot is a member of."""
    user = {"id": 77, "is_bot": False, "first_name": "Gruppmedlem"}
    return {"update_id": telegram.next_update_id(),
            "message": {"message_id": 1, "from": user, "date": int(time.time()), "text": text,
                        "chat": {"id": -1001234567890, "title": "Företagarna i Mörby", "type": "supergroup"}}}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
