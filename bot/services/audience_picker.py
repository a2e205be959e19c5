"""Choosing a draft consultation's audience on the officials' pages: what can be picked (areas, tags,
named businesses) and how many businesses and contacts a choice reaches, per channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection
from sqlmodel import Session

from bot.services.audit import record
from bot.services.channel_reach import NO_CHANNEL, audience_reach
from bot.services.consultations import ConsultationError, audience_business_ids, audience_contact_ids
from conversations.consultation_file import AudienceSpec
from conversations.org_numbers import is_personal_identity_number
from storage.tables import Consultation
from storage.tables import businesses_table as businesses_t

# In the audit log, a personal identity number that names no business here (bot/services/contacts.py).
PERSONAL_NUMBER = "(personnummer)"


@dataclass(frozen=True)
class AudienceCount:
    businesses: int
    contacts: int
    # (channel, contacts it would reach), most first; NO_CHANNEL (the web link only) last.
    by_channel: list[tuple[str, int]]
    not_reached: int  # opted out or unreachable: nothing is sent to them

    @property
    def reached(self) -> int:
        return sum(n for _, n in self.by_channel)


def count_audience(conn: Connection, audience: dict[str, Any], channels: Iterable[str]) -> AudienceCount:
    """How many businesses and contacts `audience` names today, and how the channels switched on here
    would reach them (each contact on one channel, as sending would choose it)."""
    contact_ids = audience_contact_ids(conn, audience)
    reach = audience_reach(conn, contact_ids, channels)
    ordered = sorted(
        ((channel, n) for channel, n in reach.by_channel.items() if channel != NO_CHANNEL), key=lambda item: (-item[1], item[0])
    )
    if reach.by_channel[NO_CHANNEL]:
        ordered.append((NO_CHANNEL, reach.by_channel[NO_CHANNEL]))
    return AudienceCount(
        businesses=len(audience_business_ids(conn, audience)),
        contacts=len(contact_ids),
        by_channel=ordered,
        not_reached=len(contact_ids) - sum(reach.by_channel.values()),
    )


def tags(conn: Connection) -> list[str]:
    """Every tag some business has, in alphabetical order."""
    found = {tag for row in conn.execute(sa.select(businesses_t.c.tags)).scalars() for tag in (row or "").split(";") if tag}
    return sorted(found, key=str.casefold)


def named(conn: Connection, org_numbers: Iterable[str]) -> list[tuple[str, str]]:
    """(organisation number, name) of these businesses, by name; unknown numbers are left out."""
    wanted = list(dict.fromkeys(org_numbers))
    if not wanted:
        return []
    rows = conn.execute(
        sa.select(businesses_t.c.org_number, businesses_t.c.name)
        .where(businesses_t.c.org_number.in_(wanted))
        .order_by(businesses_t.c.name)
    )
    return [(row.org_number, row.name) for row in rows]


class AudienceProblem(ValueError):
    """A chosen audience the consultation file would refuse; `field` is which part (or "" for all)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked(audience: dict[str, Any]) -> dict[str, Any]:
    """The audience as the consultation file holds it, or the first problem the file's rules find."""
    try:
        return AudienceSpec.model_validate(audience).model_dump(mode="json")
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise AudienceProblem(str(first["loc"][0]) if first["loc"] else "", message) from None


def save_audience(
    session: Session, consultation_id: int, audience: dict[str, Any], *, now: dt.datetime, actor: str
) -> None:
    """Give a draft its new audience (checked by `checked`), in its file too, and in the audit log."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise ConsultationError(f"there is no consultation {consultation_id}")
    if consultation.status != "draft":
        raise ConsultationError("only a draft's audience can change")
    spec = dict(consultation.spec)
    spec["consultation"] = dict(spec.get("consultation", {})) | {"audience": audience}
    consultation.spec = spec  # a new object, so the JSON column is written
    consultation.audience = audience
    record(
        session, actor=actor, action="consultation.audience", target=f"consultation:{consultation_id}",
        detail={"audience": audited(session.connection(), audience)}, now=now,
    )


def audited(conn: Connection, audience: dict[str, Any]) -> dict[str, Any]:
    """The audience as the audit log keeps it: a sole trader's number (the owner's personal identity number)
    as "business:ID". The log is append-only, so it must never hold what an erasure would have to take
    back (bot/services/contacts.py); the id still tells which business was chosen."""
    numbers = audience.get("org_numbers") or []
    personal = [n for n in numbers if is_personal_identity_number(n)]
    if not personal:
        return audience
    ids = dict(conn.execute(
        sa.select(businesses_t.c.org_number, businesses_t.c.id).where(businesses_t.c.org_number.in_(personal))
    ).tuples().all())
    return audience | {"org_numbers": [
        (f"business:{ids[n]}" if n in ids else PERSONAL_NUMBER) if n in personal else n for n in numbers
    ]}
