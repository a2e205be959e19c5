"""A local SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives and refuses some recipients:
`gone@…` permanently (550), `busy@…` for now (451). With `login=(user, password)` it offers AUTH (over
plain TCP: it is a test server) and accepts only that user and password."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.live_server import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    connections: int = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class Authenticator:
    login: tuple[str, str]
    attempts: int = 0

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        self.attempts += 1
        user, password = self.login
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode()
        )
        return AuthResult(success=ok, handled=False)


class SmtpServer:
    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.authenticator = Authenticator(login) if login is not None else None
        auth: dict[str, Any] = (
            {"authenticator": self.authenticator, "auth_require_tls": False} if self.authenticator else {}
        )
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **auth)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
