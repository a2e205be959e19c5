"""A fake Teams Workflows webhook on 127.0.0.1, over HTTPS with a certificate from a test CA (trustme).

Every POST is checked as Teams would: a JSON body holding the webhook envelope with an Adaptive Card of
version 1.5 or older, no Action.Submit or Action.Execute, less than 28 KB; otherwise 400. A good card is
answered 202 Accepted, as Workflows does, unless the test told the path to answer otherwise
(`answer(path, ...)`): 429 with Retry-After, 200 with Teams' throttling text, 404, 410, 500, a redirect,
a slow answer.
Everything received is kept in `received`, query included (the tests check where the signature went).

The client trusts the CA through `SSL_CERT_FILE=<fake.ca_file>`, as a municipality with its own CA would;
the certificate names 127.0.0.1, localhost and `HOST_NAME` (tests resolve that name to 127.0.0.1).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trustme

from adapters.teams_cards import card_problems
from tests.live_server import free_port

HOST_NAME = "workflows.teams.test"
THROTTLED_TEXT = (
    "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with "
    "ContextId tcid=0,server=msgapi-fake,cv=fake."
)


@dataclass(frozen=True)
class Received:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # the parsed JSON, None when the body was not JSON
    problems: list[str]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0  # seconds before answering (a slow endpoint)


class FakeWorkflows:
    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA()
        self.ca_file = directory / "teams-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.port = free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.received: list[Received] = []
        self._answers: dict[str, Answer] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = fake._receive(self.path, dict(self.headers.items()), body)
                time.sleep(answer.delay)
                data = answer.body.encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that refused our certificate (a test of that) is no error here

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost", HOST_NAME).configure_cert(context)
        self._server = Server(("127.0.0.1", self.port), Handler)
        # The handshake happens in the request's own thread, so one bad client blocks no other.
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-workflows", daemon=True)

    def start(self) -> FakeWorkflows:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._answers.clear()

    def url(self, path: str = "/workflows/abc/triggers/manual/paths/invoke", *, host: str = "127.0.0.1",
            sig: str = "s3cr3t-SIGNATURE-value") -> str:
        """A Workflows-shaped URL on this fake, its signature in the query as Microsoft's are."""
        return (f"https://{host}:{self.port}{path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun"
                f"&sv=1.0&sig={sig}")

    def answer(self, path: str, status: int, *, headers: dict[str, str] | None = None, body: str = "",
               delay: float = 0.0) -> None:
        """Answer every good POST to `path` this way from now on (the URL path, without the query)."""
        with self._lock:
            self._answers[path] = Answer(status, headers or {}, body, delay)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.answer(path, status, headers={"Location": location})

    def _receive(self, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        try:
            payload = json.loads(body)
        except ValueError:
            payload, problems = None, ["the body is not JSON"]
        else:
            problems = card_problems(payload, size=len(body))
        if not headers.get("Content-Type", "").startswith("application/json"):
            problems.append("Content-Type is not application/json")
        with self._lock:
            self.received.append(Received(parts.path, parts.query, headers, body, payload, problems))
            answer = self._answers.get(parts.path)
        if problems:
            return Answer(400, body="; ".join(problems))
        return answer or Answer(202)
