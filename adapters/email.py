"""E-mail, for contacts with only an address: invitations, reminders and feedback over SMTP (aiosmtplib).

Each message is plain text with an HTML alternative, in the contact's language, with their web answer
link and a one-click opt-out link, also in the `List-Unsubscribe` header with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058; the mail system must DKIM-sign both
headers, and one-click needs an https link, so the Post header is left out for http ones).

Outcomes: 250 → delivered (the Message-ID is the platform id); a 5xx for the recipient → unreachable
(the address is rejected for good); other 5xx → failed, no retry; 4xx, timeouts and lost connections →
failed, retried. One SMTP connection is kept open between messages and opened again when it drops.
"""

from __future__ import annotations

import asyncio
import html
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from adapters import console
from adapters.base import Delivered, DeliveryResult, Failed, OutgoingMessage, RateLimits, Unreachable
from conversations.messages import TextOut
from conversations.phrases import phrase

NAME = "email"


class SmtpUrlError(ValueError):
    pass


def parse_smtp_url(url: str) -> dict[str, object]:
    """`smtp://user:pass@host:587` (STARTTLS when offered), `smtps://…:465` (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SmtpUrlError(f"SAMRAD_SMTP_URL {url!r}: write smtp://user:password@host:587 or smtps://host:465")
    tls = parts.scheme == "smtps"
    return {
        "hostname": parts.hostname,
        "port": parts.port or (465 if tls else 25),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_tls": tls,
    }


class EmailChannel:
    def __init__(
        self,
        smtp_url: str,
        *,
        sender: str,
        rate: float = 2.0,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name = NAME
        # One mailbox gets bulk mail at most every few seconds; the server's rate is the setting.
        self.rate_limits = RateLimits(per_second=rate, per_address_per_second=0.2, address_burst=3)
        self._server = parse_smtp_url(smtp_url)
        # Where it sends, without the password (for messages).
        self.server = {key: value for key, value in self._server.items() if key != "password"}
        self.sender = sender
        self._timeout = timeout
        self._tls_context = tls_context
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        message = build_message(outgoing, sender=self.sender)
        async with self._lock:
            try:
                client = await self._connected()
                await client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as refused:
                return _refused(refused.recipients)
            except aiosmtplib.SMTPRecipientRefused as refused:
                return _refused([refused])
            except aiosmtplib.SMTPResponseException as error:
                await self._drop()
                reason = f"SMTP {error.code}: {error.message}"
                return Failed(reason, retryable=not 500 <= error.code < 600)
            except (aiosmtplib.SMTPException, OSError) as error:
                await self._drop()
                return Failed(f"SMTP: {type(error).__name__}: {error}", retryable=True)
        return Delivered(platform_message_id=str(message["Message-ID"]))

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = self._new_client()
        await client.connect()
        self._client = client
        return client

    def _new_client(self) -> aiosmtplib.SMTP:
        server = self._server
        return aiosmtplib.SMTP(
            hostname=str(server["hostname"]),
            port=int(str(server["port"])),
            username=server["username"],  # type: ignore[arg-type]
            password=server["password"],  # type: ignore[arg-type]
            use_tls=bool(server["use_tls"]),
            timeout=self._timeout,
            tls_context=self._tls_context,
        )

    async def check_login(self) -> None:
        """Connect to the SMTP server and log in (when the URL has a user), then leave: sends nothing. For
        `samrad doctor`; raises aiosmtplib.SMTPException or OSError."""
        client = self._new_client()
        await client.connect()  # with a user, aiosmtplib logs in here (after STARTTLS, when offered)
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def aclose(self) -> None:
        async with self._lock:
            await self._drop()


def _refused(recipients: list[aiosmtplib.SMTPRecipientRefused]) -> DeliveryResult:
    first = recipients[0]
    reason = f"SMTP {first.code} for {first.recipient}: {first.message}"
    if 500 <= first.code < 600:
        return Unreachable(reason)
    return Failed(reason, retryable=True)


def build_message(outgoing: OutgoingMessage, *, sender: str) -> EmailMessage:
    """The e-mail for one outbox row: plain text and HTML, the answer link, the opt-out link."""
    extra = dict(outgoing.extra or {})
    language = outgoing.language
    body = outgoing.message.text if isinstance(outgoing.message, TextOut) else console.render(outgoing.message)
    web_link = extra.get("web_link")
    opt_out_link = extra.get("opt_out_link")
    municipality = extra.get("municipality", "")
    subject = extra.get("subject") or body.splitlines()[0][:120]

    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = formataddr((name or municipality, address)) if municipality or name else address
    message["To"] = outgoing.address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a mass mailing
    if opt_out_link:
        message["List-Unsubscribe"] = f"<{opt_out_link}>"
        if opt_out_link.startswith("https://"):
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    text_parts = [body]
    if web_link:
        text_parts.append(phrase("email_answer_link", language, link=web_link))
    if municipality:
        text_parts.append(phrase("email_signature", language, municipality=municipality))
    if opt_out_link:
        text_parts.append("-- \n" + phrase("email_opt_out", language, link=opt_out_link))
    message.set_content("\n\n".join(text_parts) + "\n")

    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in body.split("\n\n") if part.strip()
    )
    button = (
        f'<p><a href="{html.escape(web_link, quote=True)}" style="display:inline-block;padding:12px 20px;'
        f'background:#005a9c;color:#ffffff;text-decoration:none;border-radius:4px">'
        f"{html.escape(phrase('email_answer_button', language))}</a></p>"
        if web_link
        else ""
    )
    signature = (
        f"<p>{html.escape(phrase('email_signature', language, municipality=municipality)).replace(chr(10), '<br>')}</p>"
        if municipality
        else ""
    )
    footer = ""
    if opt_out_link:
        words = html.escape(phrase("email_opt_out", language, link="{link}"))
        anchor = f'<a href="{html.escape(opt_out_link, quote=True)}">{html.escape(opt_out_link)}</a>'
        footer = f'<hr><p style="font-size:small;color:#555">{words.replace("{link}", anchor)}</p>'
    message.add_alternative(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{html.escape(subject)}</title>'
        f'</head><body style="font-family:sans-serif;max-width:40em">{paragraphs}{button}{signature}{footer}'
        "</body></html>\n",
        subtype="html",
    )
    message["Content-Language"] = language  # after the body: set_content clears Content-* headers
    return message
