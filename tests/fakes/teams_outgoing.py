"""Teams as an outgoing webhook's caller: activities shaped as Teams sends them, signed as Teams signs them.

The signature is computed here from the documented algorithm, independently of the adapter: the
security token (base64, as Teams shows it) is decoded, an HMAC-SHA256 of the raw body is keyed with it,
and `Authorization: HMAC <base64 of the digest>` goes with the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

# What Teams shows once when the webhook is made: 32 random bytes in base64.
SECURITY_TOKEN = base64.b64encode(bytes(range(7, 39))).decode("ascii")
WEBHOOK_NAME = "Samråd"
TEAM_THREAD = "19:253b1f341670408fb6fe51050b6e5ceb@thread.skype"


def teams_signature(body: bytes, token: str = SECURITY_TOKEN) -> str:
    digest = hmac.new(base64.b64decode(token), body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode("ascii")


def activity(text: str, *, activity_id: str, aad_object_id: str, name: str = "Anna Ek") -> dict[str, Any]:
    """A message activity as an outgoing webhook receives it (the fields Teams sends, with their shapes)."""
    return {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-03-10T09:17:31.437Z",
        "localTimestamp": "2026-03-10T10:17:31.437+01:00",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "channelId": "msteams",
        "from": {
            "id": "29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB39ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw",
            "name": name,
            "aadObjectId": aad_object_id,
        },
        "conversation": {"isGroup": True, "id": f"{TEAM_THREAD};messageid=1773134251437", "name": None},
        "recipient": None,
        "textFormat": "plain",
        "attachmentLayout": None,
        "membersAdded": [],
        "membersRemoved": [],
        "topicName": None,
        "historyDisclosed": None,
        "locale": "sv-SE",
        "text": text,
        "attachments": [{"contentType": "text/html", "content": f"<div>{text}</div>"}],
        "entities": [{"locale": "sv-SE", "country": "SE", "platform": "Web", "type": "clientInfo"}],
        "channelData": {
            "teamsChannelId": TEAM_THREAD,
            "teamsTeamId": "19:712c61d0ef384e5fa681ba90ca943398@thread.skype",
            "channel": {"id": TEAM_THREAD},
            "team": {"id": "19:712c61d0ef384e5fa681ba90ca943398@thread.skype"},
            "tenant": {"id": "72f988bf-86f1-41af-91ab-2d7cd011db47"},
        },
        "replyToId": None,
        "value": None,
        "name": None,
        "relatesTo": None,
        "action": None,
    }


def mention(typed: str) -> str:
    """The text of a message that @mentions the webhook, as Teams writes it (a non-breaking space after)."""
    return f"<at>{WEBHOOK_NAME}</at>&nbsp;{typed}"


@dataclass
class TeamsMember:
    """One person in a team channel who @mentions the webhook."""

    url: str
    aad_object_id: str = "6f1c2b8e-4d7a-4c1e-9b0a-3e5f7d2c1a90"
    token: str = SECURITY_TOKEN
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1773134251437, 9))

    async def post(self, body: bytes, authorization: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with httpx.AsyncClient(timeout=5.0) as client:  # Teams gives up after five seconds
            return await client.post(self.url, content=body, headers=headers)

    def body(self, typed: str, activity_id: str | None = None) -> bytes:
        data = activity(mention(typed), activity_id=activity_id or str(next(self.ids)), aad_object_id=self.aad_object_id)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    async def say(self, typed: str, activity_id: str | None = None) -> httpx.Response:
        body = self.body(typed, activity_id)
        return await self.post(body, teams_signature(body, self.token))

    async def reply_to(self, typed: str) -> str:
        """What Teams shows under the person's message: the reply's text."""
        response = await self.say(typed)
        assert response.status_code == 200, response.text
        reply = response.json()
        assert reply["type"] == "message"
        return str(reply["text"])
