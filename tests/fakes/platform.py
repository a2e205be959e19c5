"""A fake chat platform over HTTP on 127.0.0.1, and the small channel adapter that talks to it.

Used where delivery must cross a real socket: the crash test (a worker process killed with SIGKILL) and
the broadcast benchmark. The server records every delivery and enforces its limits strictly, as a real
platform would: at most `per_second` messages in any one-second window across the bot, and at most
`per_chat_per_second` per chat (a short burst of `chat_burst` allowed); beyond that it answers 429 with
`retry_after`. Chats listed in `blocked` answer 403 (the user blocked the bot).

    POST /send {"chat": "...", "text": "..."} -> 200 {"ok": true, "message_id": n}
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from adapters.base import (
    Delivered,
    DeliveryResult,
    Failed,
    OutgoingMessage,
    RateLimits,
    RetryAfter,
    Unreachable,
)
from tests.live_server import free_port


@dataclass(frozen=True)
class Delivery:
    at: float  # time.monotonic() when the platform accepted it
    chat: str
    text: str


class FakePlatform:
    def __init__(self, *, per_second: int | None = None, per_chat_per_second: float = 1.0, chat_burst: int = 5) -> None:
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self.chat_burst = chat_burst
        self.deliveries: list[Delivery] = []
        self.too_many = 0
        self.blocked: set[str] = set()
        self._window: deque[float] = deque()
        self._chats: dict[str, tuple[float, float]] = {}  # chat -> (tokens, stamp)
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        platform = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                status, answer = platform.receive(str(body["chat"]), str(body["text"]))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-platform", daemon=True)

    def start(self) -> FakePlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def count(self) -> int:
        with self._lock:
            return len(self.deliveries)

    def receive(self, chat: str, text: str) -> tuple[int, dict[str, object]]:
        with self._lock:
            now = time.monotonic()
            if chat in self.blocked:
                return 403, {"ok": False, "description": "Forbidden: bot was blocked by the user"}
            if self.per_second is not None:
                while self._window and now - self._window[0] >= 1.0:
                    self._window.popleft()
                if len(self._window) >= self.per_second:
                    self.too_many += 1
                    return 429, {"ok": False, "retry_after": 1, "scope": "channel"}
                tokens, stamp = self._chats.get(chat, (float(self.chat_burst), now))
                tokens = min(self.chat_burst, tokens + (now - stamp) * self.per_chat_per_second)
                if tokens < 1:
                    self.too_many += 1
                    return 429, {"ok": False, "retry_after": 1, "scope": "address"}
                self._chats[chat] = (tokens - 1, now)
                self._window.append(now)
            self.deliveries.append(Delivery(now, chat, text))
            return 200, {"ok": True, "message_id": len(self.deliveries)}


class HttpChannel:
    """The adapter for FakePlatform: one POST per message, the platform's answer as a DeliveryResult."""

    def __init__(self, url: str, *, name: str = "fake", rate_limits: RateLimits | None = None) -> None:
        self.name = name
        self.rate_limits = rate_limits or RateLimits(per_second=29, per_address_per_second=0.95)
        self._client = httpx.AsyncClient(base_url=url, timeout=10)

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        text = outgoing.message.text
        try:
            response = await self._client.post("/send", json={"chat": outgoing.address, "text": text})
        except httpx.HTTPError as error:
            return Failed(f"{type(error).__name__}: {error}", retryable=True)
        body = response.json()
        if response.status_code == 200:
            return Delivered(str(body["message_id"]))
        if response.status_code == 429:
            return RetryAfter(float(body["retry_after"]), "address" if body.get("scope") == "address" else "channel")
        if response.status_code == 403:
            return Unreachable(str(body["description"]))
        return Failed(f"HTTP {response.status_code}", retryable=response.status_code >= 500)

    async def aclose(self) -> None:
        await self._client.aclose()
