"""Businesses and their contacts as the officials' pages show them: searched, filtered, one contact with
the channels that reach them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from conversations.org_numbers import ERASED_PREFIX, is_erased_org_number
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t


@dataclass(frozen=True)
class BusinessFilter:
    text: str = ""  # part of the name or organisation number
    area: str = ""
    industry: str = ""  # SNI prefix
    tag: str = ""


@dataclass(frozen=True)
class ContactLine:
    id: int
    name: str
    email: str | None
    language: str
    opted_out: bool
    unreachable: bool
    erased: bool


@dataclass(frozen=True)
class BusinessLine:
    id: int
    org_number: str  # "" when erased
    name: str
    industry: str
    area: str
    tags: list[str]
    contacts: list[ContactLine]
    # A sole trader's business whose name and number were erased with its owner (bot/services/contacts.py).
    erased: bool = False


@dataclass(frozen=True)
class Channel:
    channel: str
    address: str
    last_seen_at: dt.datetime | None


@dataclass(frozen=True)
class Participation:
    consultation_id: int
    title: str
    invited_at: dt.datetime | None
    channel: str | None
    status: str  # the dialogue's status, or "invited" when none started


@dataclass(frozen=True)
class ContactDetail:
    id: int
    business_id: int
    business_name: str
    org_number: str  # "" when the business was erased (a sole trader's, with its owner)
    name: str
    email: str | None
    phone: str | None
    language: str
    opted_out_at: dt.datetime | None
    unreachable_at: dt.datetime | None
    unreachable_reason: str | None
    erased_at: dt.datetime | None
    channels: list[Channel]
    consultations: list[Participation]
    business_erased: bool = False


def areas(conn: Connection) -> list[str]:
    return [a for a in conn.execute(sa.select(businesses_t.c.area).distinct().order_by(businesses_t.c.area)).scalars() if a]


def _matching(wanted: BusinessFilter) -> list[sa.ColumnElement[bool]]:
    """The filter as SQL conditions, shared by the search and its count so that both take the same rows."""
    conditions: list[sa.ColumnElement[bool]] = []
    if wanted.text.strip():
        text = wanted.text.strip().lower()
        digits = "".join(ch for ch in text if ch.isdigit())
        either: list[sa.ColumnElement[bool]] = [sa.func.lower(businesses_t.c.name).like(f"%{text}%")]
        if digits:
            # An erased business's placeholder ends in its id, which is no number to find it by.
            either.append(sa.and_(
                sa.func.replace(businesses_t.c.org_number, "-", "").like(f"%{digits}%"),
                businesses_t.c.org_number.not_like(f"{ERASED_PREFIX}%"),
            ))
        conditions.append(sa.or_(*either))
    if wanted.area:
        conditions.append(businesses_t.c.area == wanted.area)
    if wanted.industry.strip():
        conditions.append(businesses_t.c.industry.like(wanted.industry.strip().replace(".", "") + "%"))
    if wanted.tag.strip():
        tag = wanted.tag.strip().lower()
        joined = sa.literal(";") + sa.func.lower(businesses_t.c.tags) + sa.literal(";")
        conditions.append(joined.like(f"%;{tag};%"))
    return conditions


def count_businesses(conn: Connection, wanted: BusinessFilter) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(businesses_t).where(*_matching(wanted))).scalar_one()


def search_businesses(conn: Connection, wanted: BusinessFilter, *, limit: int, offset: int = 0) -> list[BusinessLine]:
    """The businesses the filter takes, by name, `limit` of them from `offset` on: a directory of
    thousands is read a page at a time. The id breaks ties between equal names, so that pages never
    overlap or leave a business out."""
    query = (
        sa.select(businesses_t).where(*_matching(wanted)).order_by(businesses_t.c.name, businesses_t.c.id)
        .limit(limit).offset(offset)
    )
    found = list(conn.execute(query))
    contacts: dict[int, list[ContactLine]] = {row.id: [] for row in found}
    if contacts:
        for c in conn.execute(
            sa.select(contacts_t).where(contacts_t.c.business_id.in_(list(contacts))).order_by(contacts_t.c.id)
        ):
            contacts[c.business_id].append(_contact_line(c))
    return [
        BusinessLine(
            row.id, "" if is_erased_org_number(row.org_number) else row.org_number, row.name, row.industry, row.area,
            [t for t in row.tags.split(";") if t], contacts[row.id], erased=is_erased_org_number(row.org_number),
        )
        for row in found
    ]


def _contact_line(c: sa.Row[Any]) -> ContactLine:
    return ContactLine(
        id=c.id,
        name=c.name,
        email=c.email,
        language=c.language,
        opted_out=c.opted_out_at is not None,
        unreachable=c.unreachable_at is not None,
        erased=c.erased_at is not None,
    )


def contact_detail(conn: Connection, contact_id: int) -> ContactDetail | None:
    row = conn.execute(
        sa.select(contacts_t, businesses_t.c.name.label("business_name"), businesses_t.c.org_number)
        .join(businesses_t, businesses_t.c.id == contacts_t.c.business_id)
        .where(contacts_t.c.id == contact_id)
    ).first()
    if row is None:
        return None
    channels = [
        Channel(r.channel, r.address, r.last_seen_at)
        for r in conn.execute(
            sa.select(identities_t).where(identities_t.c.contact_id == contact_id).order_by(identities_t.c.id)
        )
    ]
    participations = [
        Participation(r.consultation_id, r.title, r.invited_at, r.channel, r.status or "invited")
        for r in conn.execute(
            sa.select(
                invitations_t.c.consultation_id,
                consultations_t.c.title,
                invitations_t.c.invited_at,
                sa.func.coalesce(dialogues_t.c.channel, invitations_t.c.channel).label("channel"),
                dialogues_t.c.status,
            )
            .join(consultations_t, consultations_t.c.id == invitations_t.c.consultation_id)
            .outerjoin(
                dialogues_t,
                sa.and_(
                    dialogues_t.c.contact_id == invitations_t.c.contact_id,
                    dialogues_t.c.consultation_id == invitations_t.c.consultation_id,
                ),
            )
            .where(invitations_t.c.contact_id == contact_id)
            .order_by(invitations_t.c.consultation_id)
        )
    ]
    return ContactDetail(
        id=row.id,
        business_id=row.business_id,
        business_name=row.business_name,
        org_number="" if is_erased_org_number(row.org_number) else row.org_number,
        name=row.name,
        email=row.email,
        phone=row.phone,
        language=row.language,
        opted_out_at=row.opted_out_at,
        unreachable_at=row.unreachable_at,
        unreachable_reason=row.unreachable_reason,
        erased_at=row.erased_at,
        channels=channels,
        consultations=participations,
        business_erased=is_erased_org_number(row.org_number),
    )
