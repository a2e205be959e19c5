"""A fake Slack on 127.0.0.1: the Web API the app calls, and the requests Slack sends the app.

**The Web API** — `http://127.0.0.1:<port>/api/<method>`, parameters in the query string, as
`application/x-www-form-urlencoded` or as JSON (slack_sdk sends chat.* as JSON and the others as forms),
the bot token in `Authorization: Bearer …`. Answers use Slack's envelope (`{"ok": true, …}` or
`{"ok": false, "error": "<code>"}`, HTTP 200) and a 429 with `Retry-After` for `ratelimited`. Methods:
auth.test, bots.info, conversations.open, chat.postMessage, chat.update, conversations.history,
users.lookupByEmail (`users_not_found` for an address no active member has; a `ratelimited` 429 through
`fail_next`). It checks what Slack checks and a test cares about: the token, that the person
exists and is active, that a message goes to an opened direct message, a fallback `text`, and Block
Kit's limits (`invalid_blocks`, with the broken rule in `response_metadata.messages`, as Slack words
it). `fail_next(...)` makes the next calls of a method answer any error code (or HTTP status).

A press's `response_url` points here too (`/response/<n>`): what is posted to it is kept in `responses`.

**What Slack sends** — `signed(...)` signs a body exactly as Slack does, and `message_event`,
`event_callback`, `block_actions`, `slash_command` build the bodies (Events API JSON, interactivity's
form-encoded `payload=`, a slash command's form) with the fields and shapes Slack documents.

The server runs in a thread of its own (`start`/`stop`), once per test session, or in the running event
loop (`listen`, a benchmark's way: a few lines of asyncio instead of a thread per connection, so that the
fake stays cheap next to the app it drives and no lock is handed between threads). Every call is kept in
`calls`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON = dict[str, Any]

BLOCK_TYPES = frozenset({"section", "actions", "context", "divider", "header"})
ELEMENT_TYPES = frozenset({"button", "checkboxes", "multi_static_select", "static_select", "datepicker"})


class ApiError(Exception):
    def __init__(self, error: str, status: int = 200, retry_after: int | None = None,
                 messages: Sequence[str] = ()) -> None:
        super().__init__(error)
        self.error, self.status, self.retry_after, self.messages = error, status, retry_after, list(messages)

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: JSON
    token: str | None


@dataclass
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[JSON]
    edits: int = 0

    def block_texts(self) -> list[str]:
        return [b["text"]["text"] for b in self.blocks if b.get("type") == "section"]

    def elements(self) -> list[JSON]:
        return [e for b in self.blocks if b.get("type") == "actions" for e in b["elements"]]

    def buttons(self) -> list[str]:
        return [e["text"]["text"] for e in self.elements() if e["type"] == "button"]


@dataclass
class FakeSlackUser:
    id: str
    email: str
    deleted: bool = False
    is_bot: bool = False
    dm: str | None = None  # the app's direct message with them, once opened
    messages: list[SlackMessage] = field(default_factory=list)

    @property
    def last(self) -> SlackMessage:
        return self.messages[-1]


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int


# --- Block Kit's limits, as Slack checks them --------------------------------------------------------


def _text_object(obj: Any, where: str, limit: int, kinds: Sequence[str] = ("plain_text", "mrkdwn")) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in kinds or not isinstance(obj.get("text"), str):
        raise _Invalid(f"{where} must be a text object of type {'/'.join(kinds)}")
    if not 1 <= len(obj["text"]) <= limit:
        raise _Invalid(f"{where}.text must be between 1 and {limit} characters")


class _Invalid(Exception):
    pass


def _option(option: Any, where: str) -> None:
    _text_object(option.get("text") if isinstance(option, dict) else None, f"{where}.text", 75)
    value = option.get("value")
    if not isinstance(value, str) or not 1 <= len(value) <= 150:
        raise _Invalid(f"{where}.value must be between 1 and 150 characters")


def _element(element: Any, where: str) -> None:
    if not isinstance(element, dict) or element.get("type") not in ELEMENT_TYPES:
        raise _Invalid(f"{where} has an unknown element type")
    action_id = element.get("action_id")
    if action_id is not None and not (isinstance(action_id, str) and 1 <= len(action_id) <= 255):
        raise _Invalid(f"{where}.action_id must be between 1 and 255 characters")
    kind = element["type"]
    if kind == "button":
        _text_object(element.get("text"), f"{where}.text", 75, ("plain_text",))
        value = element.get("value")
        if value is not None and not (isinstance(value, str) and len(value) <= 2000):
            raise _Invalid(f"{where}.value must be at most 2000 characters")
        if element.get("style") not in (None, "primary", "danger"):
            raise _Invalid(f"{where}.style must be primary or danger")
        return
    if kind == "datepicker":
        initial = element.get("initial_date")
        if initial is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(initial)):
            raise _Invalid(f"{where}.initial_date must be YYYY-MM-DD")
        if "placeholder" in element:
            _text_object(element["placeholder"], f"{where}.placeholder", 150, ("plain_text",))
        return
    options = element.get("options")
    most = 10 if kind == "checkboxes" else 100
    if not isinstance(options, list) or not 1 <= len(options) <= most:
        raise _Invalid(f"{where}.options must hold between 1 and {most} items")
    for n, option in enumerate(options):
        _option(option, f"{where}.options[{n}]")
    for n, initial in enumerate(element.get("initial_options") or []):
        if initial not in options:
            raise _Invalid(f"{where}.initial_options[{n}] must match one of the options")
    if "placeholder" in element:
        _text_object(element["placeholder"], f"{where}.placeholder", 150, ("plain_text",))


def check_blocks(blocks: Any) -> None:
    """Raise ApiError("invalid_blocks") for what Slack refuses, with Slack's kind of message."""
    try:
        if not isinstance(blocks, list) or len(blocks) > 50:
            raise _Invalid("blocks must be an array of at most 50 items")
        block_ids: set[str] = set()
        for n, block in enumerate(blocks):
            where = f"[{n}]"
            if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
                raise _Invalid(f"{where} has an unknown block type")
            block_id = block.get("block_id")
            if block_id is not None:
                if not (isinstance(block_id, str) and 1 <= len(block_id) <= 255):
                    raise _Invalid(f"{where}.block_id must be between 1 and 255 characters")
                if block_id in block_ids:
                    raise _Invalid(f"{where}.block_id must be unique in the message")
                block_ids.add(block_id)
            if block["type"] == "section":
                _text_object(block.get("text"), f"{where}.text", 3000)
            elif block["type"] == "actions":
                elements = block.get("elements")
                if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                    raise _Invalid(f"{where}.elements must hold between 1 and 25 items")
                action_ids = [e.get("action_id") for e in elements if isinstance(e, dict)]
                if len([a for a in action_ids if a]) != len({a for a in action_ids if a}):
                    raise _Invalid(f"{where}.elements: action_id must be unique in the block")
                for m, element in enumerate(elements):
                    _element(element, f"{where}.elements[{m}]")
    except _Invalid as error:
        raise ApiError("invalid_blocks", messages=[f"[ERROR] {error} [json-pointer:/blocks{error}]"]) from None


# --- the server ---------------------------------------------------------------------------------------


class FakeSlack:
    def __init__(self, token: str = "xoxb-4242-fake-slack-token", signing_secret: str = "fake-signing-secret") -> None:
        self.token = token
        self.signing_secret = signing_secret
        self.team_id = "T0SAMRAD1"
        self.bot_user_id = "U0SAMRADBOT"
        self.app_id = "A0SAMRAD1"
        # Called (in the server's thread) with the person and the message, for each message posted to a
        # direct message: a benchmark's people wait for their next question this way.
        self.listeners: list[Callable[[FakeSlackUser, SlackMessage], None]] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.reset()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def reset(self) -> None:
        with self._lock:
            self.users: dict[str, FakeSlackUser] = {}
            self.channels: dict[str, FakeSlackUser] = {}  # DM channel id -> its person
            self.calls: list[ApiCall] = []
            self.faults: list[_Fault] = []
            self.responses: list[tuple[str, JSON]] = []  # (response_url path, body)
            self._ids = itertools.count(1)
            self._ts = itertools.count(1)

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                status, headers, payload = fake.handle(self.path, dict(self.headers.items()), body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()

    async def listen(self) -> asyncio.AbstractServer:
        """Serve in the running event loop (the benchmark's way: HTTP/1.1, kept alive) until the server
        returned is closed."""
        server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                target = request_line.split(" ", 2)[1]
                headers = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                status, extra, payload = self.handle(target, headers, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                head_out = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}",
                            "Content-Type: application/json; charset=utf-8", f"Content-Length: {len(data)}"]
                head_out += [f"{name}: {value}" for name, value in extra.items()]
                writer.write(("\r\n".join(head_out) + "\r\n\r\n").encode("latin-1") + data)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            writer.close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    # --- set-up and inspection ---------------------------------------------------------------------

    def person(self, email: str = "anna@bageri.example", *, deleted: bool = False) -> FakeSlackUser:
        with self._lock:
            user = FakeSlackUser(f"U{next(self._ids):08d}", email, deleted)
            self.users[user.id] = user
            return user

    def channel(self, channel_id: str = "C0NOTIFY1") -> FakeSlackUser:
        """A channel the bot was invited to (the staff's notify channel): posted to by its ID, no
        conversations.open needed. Kept as a member-less "user" whose conversation is the channel."""
        with self._lock:
            room = FakeSlackUser(channel_id, "", dm=channel_id)
            self.channels[channel_id] = room
            return room

    def fail_next(self, method: str, error: str, *, status: int = 200, retry_after: int | None = None,
                  times: int = 1) -> None:
        """The next `times` calls of `method` answer `error` (with this HTTP status)."""
        with self._lock:
            self.faults.append(_Fault(method, ApiError(error, status, retry_after), times))

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def response_url(self) -> str:
        return f"{self.url}/response/{next(self._ids)}"

    # --- HTTP -------------------------------------------------------------------------------------

    def handle(self, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, str], JSON]:
        target, _, query = path.partition("?")
        lowered = {k.lower(): v for k, v in headers.items()}
        if target.startswith("/response/"):
            with self._lock:
                self.responses.append((target, json.loads(body or b"{}")))
            return 200, {}, {"ok": True}
        match = re.fullmatch(r"/api/([A-Za-z.]+)", target)
        if match is None:
            return 404, {}, {"ok": False, "error": "unknown_method"}
        params: JSON = dict(urllib.parse.parse_qsl(query))
        content_type = lowered.get("content-type", "")
        if body and content_type.startswith("application/json"):
            params.update(json.loads(body))
        elif body:
            params.update(urllib.parse.parse_qsl(body.decode()))
        auth = lowered.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.pop("token", None)
        try:
            result = self.call(match.group(1), params, token)
        except ApiError as error:
            extra = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else {}
            return error.status, extra, error.body()
        return 200, {}, {"ok": True, **result}

    def call(self, method: str, params: JSON, token: str | None) -> JSON:
        with self._lock:
            self.calls.append(ApiCall(method, params, token))
            if not token:
                raise ApiError("not_authed")
            if token != self.token:
                raise ApiError("invalid_auth")
            for fault in self.faults:
                if fault.method == method:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    raise fault.error
            handler = getattr(self, "_api_" + method.replace(".", "_"), None)
            if handler is None:
                raise ApiError("unknown_method")
            result: JSON = handler(params)
            return result

    # --- the Web API methods -------------------------------------------------------------------------

    def _api_auth_test(self, params: JSON) -> JSON:
        return {"url": "https://samrad-test.slack.com/", "team": "Samråd test", "user": "samrad",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": "B0SAMRAD1",
                "is_enterprise_install": False}

    def _api_bots_info(self, params: JSON) -> JSON:
        if params.get("bot") != "B0SAMRAD1":
            raise ApiError("bot_not_found")
        return {"bot": {"id": "B0SAMRAD1", "deleted": False, "name": "samrad", "app_id": self.app_id,
                        "user_id": self.bot_user_id, "updated": 1700000000}}

    def _api_conversations_open(self, params: JSON) -> JSON:
        users = str(params.get("users", ""))
        if not users:
            raise ApiError("users_list_not_supplied")
        user = self.users.get(users)
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_disabled")
        if user.dm is None:
            user.dm = f"D{next(self._ids):08d}"
            self.channels[user.dm] = user
        return {"channel": {"id": user.dm}}

    def _message_params(self, params: JSON) -> tuple[FakeSlackUser, str, list[JSON]]:
        user = self.channels.get(str(params.get("channel", "")))
        if user is None:
            raise ApiError("channel_not_found")
        text = params.get("text")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not isinstance(text, str) or not text.strip():
            # Slack posts blocks without text, but then has no fallback for notifications: Samråd must
            # always send one, so the fake refuses it.
            raise ApiError("no_text")
        if len(text) > 40_000:
            raise ApiError("msg_too_long")
        if blocks is not None:
            check_blocks(blocks)
        if user.deleted:
            raise ApiError("user_disabled")
        return user, text, list(blocks or [])

    def _api_chat_postMessage(self, params: JSON) -> JSON:
        user, text, blocks = self._message_params(params)
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        message = SlackMessage(str(user.dm), ts, text, blocks)
        user.messages.append(message)
        for listener in self.listeners:
            listener(user, message)
        return {"channel": user.dm, "ts": ts,
                "message": {"type": "message", "text": text, "blocks": blocks, "ts": ts, "bot_id": "B0SAMRAD1"}}

    def _find(self, params: JSON) -> SlackMessage:
        user = self.channels.get(str(params.get("channel", "")))
        if user is None:
            raise ApiError("channel_not_found")
        for message in user.messages:
            if message.ts == params.get("ts"):
                return message
        raise ApiError("message_not_found")

    def _api_chat_update(self, params: JSON) -> JSON:
        message = self._find(params)
        _, text, blocks = self._message_params(params)
        message.text, message.blocks = text, blocks
        message.edits += 1
        return {"channel": message.channel, "ts": message.ts, "text": text}

    def _api_conversations_history(self, params: JSON) -> JSON:
        user = self.channels.get(str(params.get("channel", "")))
        if user is None:
            raise ApiError("channel_not_found")
        latest = params.get("latest")
        found = [m for m in user.messages if m.ts == latest]
        return {"messages": [{"type": "message", "ts": m.ts, "text": m.text, "blocks": m.blocks,
                              "bot_id": "B0SAMRAD1"} for m in found], "has_more": False}

    def _api_users_lookupByEmail(self, params: JSON) -> JSON:
        email = str(params.get("email", "")).lower()
        for user in self.users.values():
            if user.email.lower() == email and not user.deleted:
                return {"user": {"id": user.id, "team_id": self.team_id, "deleted": False,
                                 "profile": {"email": user.email}}}
        raise ApiError("users_not_found")


# --- what Slack sends the app ------------------------------------------------------------------------


def signed(secret: str, body: bytes, *, timestamp: int | None = None, content_type: str = "application/json",
           retry: int | None = None) -> dict[str, str]:
    """The headers Slack sends with `body`: X-Slack-Request-Timestamp and the v0 signature, the
    hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the signing secret."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
               "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


_event_ids = itertools.count(1)


def message_event(user: str, channel: str, text: str, **extra: Any) -> JSON:
    """A `message` event in a direct message with the app (`channel_type: im`)."""
    ts = f"{int(time.time())}.{next(_event_ids):06d}"
    return {"client_msg_id": f"c0ffee{next(_event_ids):04d}-0000-4000-8000-000000000000", "type": "message",
            "text": text, "user": user, "ts": ts, "team": "T0SAMRAD1", "channel": channel, "event_ts": ts,
            "channel_type": "im", **extra}


def event_callback(event: JSON, *, event_id: str | None = None) -> bytes:
    """The Events API envelope around `event`, as JSON."""
    return json.dumps({
        "token": "deprecated-verification-token", "team_id": "T0SAMRAD1", "context_team_id": "T0SAMRAD1",
        "api_app_id": "A0SAMRAD1", "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):09d}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": "T0SAMRAD1", "user_id": "U0SAMRADBOT",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
    }).encode()


def app_uninstalled() -> bytes:
    """Slack's `app_uninstalled` event: the app was removed from the workspace."""
    return event_callback({"type": "app_uninstalled"})


def tokens_revoked(*, bot: Sequence[str] = ("U0SAMRADBOT",), oauth: Sequence[str] = ()) -> bytes:
    """Slack's `tokens_revoked` event: the user ids whose tokens were revoked, by kind of token."""
    tokens: JSON = {}
    if oauth:
        tokens["oauth"] = list(oauth)
    if bot:
        tokens["bot"] = list(bot)
    return event_callback({"type": "tokens_revoked", "tokens": tokens})


def _state_value(element: JSON, selected: Sequence[str] | None) -> JSON:
    kind = element["type"]
    if kind == "datepicker":
        return {"type": kind, "selected_date": selected[0] if selected else element.get("initial_date")}
    options = element.get("options", [])
    chosen = ([o for o in options if o["value"] in selected] if selected is not None
              else list(element.get("initial_options", [])))
    return {"type": kind, "selected_options": chosen}


def block_actions(user: str, message: SlackMessage, action_id: str, *, selected: Sequence[str] | None = None,
                  response_url: str = "https://hooks.slack.com/actions/T0SAMRAD1/1/abc") -> bytes:
    """The interactivity request for using the control `action_id` of `message`, form-encoded
    `payload=<JSON>`. `selected` is what the person has ticked (option values) or picked (a date) in the
    message's stateful controls; Slack sends every such control's state in `state.values`."""
    action: JSON | None = None
    values: JSON = {}
    for block in message.blocks:
        if block.get("type") != "actions":
            continue
        for element in block["elements"]:
            if element["type"] != "button":
                values.setdefault(block["block_id"], {})[element["action_id"]] = _state_value(element, selected)
            if element.get("action_id") != action_id:
                continue
            action = {"action_id": action_id, "block_id": block["block_id"], "type": element["type"],
                      "action_ts": f"{time.time():.6f}"}
            if element["type"] == "button":
                action["text"] = element["text"]
                if "value" in element:
                    action["value"] = element["value"]
            elif element["type"] == "datepicker":
                action["selected_date"] = selected[0] if selected else None
                action["initial_date"] = element.get("initial_date")
            else:
                action.update(_state_value(element, selected))
    if action is None:
        raise AssertionError(f"no control {action_id!r} on message {message.ts}")
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "anna", "name": "anna", "team_id": "T0SAMRAD1"},
        "api_app_id": "A0SAMRAD1",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                      "is_ephemeral": False},
        "trigger_id": f"{next(_event_ids)}.4242.{'f' * 32}",
        "team": {"id": "T0SAMRAD1", "domain": "samrad-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": message.channel, "name": "directmessage"},
        "message": {"user": "U0SAMRADBOT", "type": "message", "ts": message.ts, "bot_id": "B0SAMRAD1",
                    "app_id": "A0SAMRAD1", "text": message.text, "team": "T0SAMRAD1", "blocks": message.blocks},
        "state": {"values": values},
        "response_url": response_url,
        "actions": [action],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()


def slash_command(user: str, text: str, *, command: str = "/samrad", channel: str = "D00000001") -> bytes:
    """A slash command request, form-encoded as Slack sends it."""
    return urllib.parse.urlencode({
        "token": "deprecated-verification-token", "team_id": "T0SAMRAD1", "team_domain": "samrad-test",
        "channel_id": channel, "channel_name": "directmessage", "user_id": user, "user_name": "anna",
        "command": command, "text": text, "api_app_id": "A0SAMRAD1", "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0SAMRAD1/1/abc",
        "trigger_id": f"{next(_event_ids)}.4242.{'e' * 32}",
    }).encode()


FORM = "application/x-www-form-urlencoded"
