"""The JSON API's actions for officials' tools: broadcast a consultation, read the outbox's state.

Every route needs `Authorization: Bearer <SAMRAD_API_TOKEN>` (compared in constant time); without a
configured token the API's actions are off (403), so a fresh install exposes nothing. Every route is
rate-limited per client address (bot/web/rate_limits.py), before the token is checked.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from pydantic import BaseModel

from bot.bootstrap import App
from bot.services.broadcast import broadcast
from bot.services.consultations import ConsultationError
from bot.web.rate_limits import api_rate_limit
from storage import outbox as outbox_queries
from storage.db import deferred

router = APIRouter(prefix="/api", dependencies=[Depends(api_rate_limit)])

# Ids are INTEGER columns (PostgreSQL: 32 bits): a larger number names nothing, and must be refused as
# such (422) before it reaches a database driver that cannot even send it.
MAX_ID = 2**31 - 1
ConsultationId = Annotated[int, Path(ge=1, le=MAX_ID, description="the consultation's id")]


def _app(request: Request) -> App:
    app: App = request.app.state.app
    return app


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> App:
    app = _app(request)
    expected = app.settings.api_token
    if not expected:
        raise HTTPException(403, "the API's actions are off: set SAMRAD_API_TOKEN")
    scheme, _, given = (authorization or "").partition(" ")
    # HTTP headers arrive as bytes that Starlette decodes as Latin-1: encoding back to Latin-1 gives the
    # bytes sent, compared with the UTF-8 bytes of the configured token (so a non-ASCII token works).
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("latin-1"), expected.encode()):
        raise HTTPException(401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
    return app


class WebOnlyContact(BaseModel):
    contact_id: int
    business_name: str
    contact_name: str
    web_link: str


class BroadcastResult(BaseModel):
    consultation_id: int
    audience: int
    queued: dict[str, int]
    queued_total: int
    skipped: dict[str, int]
    reminders_planned: int
    web_only: list[WebOnlyContact]


class OutboxState(BaseModel):
    counts: dict[str, dict[str, int]]  # channel -> status -> rows


@router.post("/consultations/{consultation_id}/broadcast", response_model=BroadcastResult)
async def broadcast_consultation(consultation_id: ConsultationId, app: Annotated[App, Depends(require_token)]) -> BroadcastResult:
    """Queue the invitations of an open consultation (as `samrad consultation broadcast ID`)."""
    try:
        report = await asyncio.to_thread(broadcast, app, consultation_id, actor="api")
    except ConsultationError as error:
        raise HTTPException(409 if "not open" in str(error) else 404, str(error)) from None
    app.notify_outbox()
    return BroadcastResult(
        consultation_id=consultation_id,
        audience=report.audience,
        queued=dict(report.queued),
        queued_total=report.total_queued,
        skipped=dict(report.skipped),
        reminders_planned=report.reminders,
        web_only=[WebOnlyContact(**vars(w)) for w in report.web_only],
    )


@router.get("/outbox", response_model=OutboxState)
def outbox_state(app: Annotated[App, Depends(require_token)]) -> OutboxState:
    """Rows in the outbox by channel and status (pending, sending, sent, failed, dropped)."""
    counts: dict[str, dict[str, int]] = {}
    with deferred(app.engine).connect() as conn:
        for channel, status, count in outbox_queries.pending_counts(conn):
            counts.setdefault(channel, {})[status] = count
    return OutboxState(counts=counts)
