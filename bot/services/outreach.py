"""What broadcasts, reminders and notices share: whom to reach, on which channel, with which words.

Channel choice for one contact (`choose_channel`):
1. the channel they last answered on, when its adapter is switched on and they can be reached there;
2. else a chat channel they have (the identity seen most recently), when its adapter is on;
3. else e-mail, when e-mail is on and they have an address;
4. else none: the official hands out their web link (`samrad consultation invites ID`).

Messages are written to the outbox as rows; this module never sends anything.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from conversations.messages import Language, Outbound, outbound_to_json
from conversations.phrases import MONTHS, phrase
from conversations.questionnaire import Questionnaire
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t
from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import outbox_table as outbox_t

EMAIL = "email"
# Priorities in the outbox: lower goes first. Replies to what a person just wrote (0, REPLY_PRIORITY in
# bot.services.replies) before notices, and those before bulk invitations and reminders.
NOTICE_PRIORITY = 5
BULK_PRIORITY = 10


@dataclass(frozen=True)
class Identity:
    channel: str
    address: str
    last_seen_at: dt.datetime | None


@dataclass
class Reach:
    """What is known about reaching one contact."""

    contact_id: int
    language: Language
    email: str | None
    opted_out: bool
    unreachable: bool
    erased: bool
    identities: list[Identity] = field(default_factory=list)
    last_channel: str | None = None  # the channel of their most recent dialogue


def choose_channel(reach: Reach, enabled: Iterable[str]) -> tuple[str, str] | None:
    """(channel, address) to reach this contact on, or None: only their web link is left."""
    on = set(enabled)
    by_channel: dict[str, Identity] = {}
    for identity in sorted(reach.identities, key=_recency, reverse=True):
        by_channel.setdefault(identity.channel, identity)
    last = reach.last_channel
    if last == EMAIL and EMAIL in on and reach.email:
        return EMAIL, reach.email
    if last is not None and last in on and last in by_channel:
        return last, by_channel[last].address
    for identity in sorted(reach.identities, key=_recency, reverse=True):
        if identity.channel in on and identity.channel != EMAIL:
            return identity.channel, identity.address
    if EMAIL in on and reach.email:
        return EMAIL, reach.email
    return None


def _recency(identity: Identity) -> tuple[bool, dt.datetime]:
    seen = identity.last_seen_at
    return (seen is not None, seen or dt.datetime.min.replace(tzinfo=dt.UTC))


def load_reach(conn: Connection, contact_ids: Sequence[int]) -> dict[int, Reach]:
    """Everything `choose_channel` needs for these contacts, in three statements per thousand."""
    reach: dict[int, Reach] = {}
    for chunk in _chunks(contact_ids, 1000):
        for row in conn.execute(
            sa.select(
                contacts_t.c.id,
                contacts_t.c.language,
                contacts_t.c.email,
                contacts_t.c.opted_out_at,
                contacts_t.c.unreachable_at,
                contacts_t.c.erased_at,
            ).where(contacts_t.c.id.in_(chunk))
        ):
            reach[row.id] = Reach(
                contact_id=row.id,
                language="en" if row.language == "en" else "sv",
                email=row.email,
                opted_out=row.opted_out_at is not None,
                unreachable=row.unreachable_at is not None,
                erased=row.erased_at is not None,
            )
        for row in conn.execute(
            sa.select(
                identities_t.c.contact_id,
                identities_t.c.channel,
                identities_t.c.address,
                identities_t.c.last_seen_at,
            ).where(identities_t.c.contact_id.in_(chunk))
        ):
            if row.contact_id in reach:
                reach[row.contact_id].identities.append(Identity(row.channel, row.address, row.last_seen_at))
        latest: dict[int, dt.datetime] = {}
        for row in conn.execute(
            sa.select(dialogues_t.c.contact_id, dialogues_t.c.channel, dialogues_t.c.updated_at).where(
                dialogues_t.c.contact_id.in_(chunk), dialogues_t.c.channel.is_not(None)
            )
        ):
            if row.contact_id in reach and (
                row.contact_id not in latest or row.updated_at > latest[row.contact_id]
            ):
                latest[row.contact_id] = row.updated_at
                reach[row.contact_id].last_channel = row.channel
    return reach


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the words ---------------------------------------------------------------------------------------


def format_moment(moment: dt.datetime, language: Language, timezone: str) -> str:
    """"15 mars 2025 kl. 17:00" / "15 March 2025 at 17:00", in the municipality's time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return phrase(
        "date_time",
        language,
        day=local.day,
        month=MONTHS[language][local.month - 1],
        year=local.year,
        time=local.strftime("%H:%M"),
    )


@dataclass(frozen=True)
class ConsultationText:
    """The parts of a consultation that outreach messages quote, in each language."""

    id: int
    titles: Mapping[Language, str]
    closes_at: dt.datetime | None
    questionnaire: Questionnaire | None

    def title(self, language: Language) -> str:
        return self.titles[language]


def consultation_text(conn: Connection, consultation_id: int, fallback_title: str) -> ConsultationText:
    row = conn.execute(
        sa.select(consultations_t.c.snapshot, consultations_t.c.closes_at, consultations_t.c.title).where(
            consultations_t.c.id == consultation_id
        )
    ).one()
    questionnaire = Questionnaire.model_validate(row.snapshot) if row.snapshot else None
    if questionnaire is not None:
        titles: dict[Language, str] = {lang: questionnaire.title.get(lang) for lang in ("sv", "en")}
    else:
        titles = {"sv": row.title or fallback_title, "en": row.title or fallback_title}
    return ConsultationText(consultation_id, titles, row.closes_at, questionnaire)


# --- writing rows ----------------------------------------------------------------------------------


def outbox_row(
    *,
    channel: str,
    address: str,
    contact_id: int | None,
    consultation_id: int | None,
    kind: str,
    priority: int,
    message: Outbound,
    language: Language,
    extra: Mapping[str, str] | None,
    idempotency_key: str,
    now: dt.datetime,
    due_at: dt.datetime | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {**outbound_to_json(message), "language": language}
    if extra:
        payload["extra"] = dict(extra)
    return {
        "channel": channel,
        "address": address,
        "contact_id": contact_id,
        "consultation_id": consultation_id,
        "kind": kind,
        "priority": priority,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "status": "pending",
        "attempts": 0,
        "due_at": due_at or now,
        "created_at": now,
    }


@functools.cache
def _insert_ignoring_duplicates(dialect: str) -> sa.Insert:
    insert = postgresql.insert(outbox_t) if dialect == "postgresql" else sqlite.insert(outbox_t)
    return insert.on_conflict_do_nothing(index_elements=["idempotency_key"])


def insert_outbox_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows whose idempotency key is new; a key already queued is skipped, never sent twice.
    Returns how many were new."""
    if not rows:
        return 0
    keys = [row["idempotency_key"] for row in rows]
    existing: set[str] = set()
    for chunk in _chunks_str(keys, 1000):
        existing.update(
            conn.execute(sa.select(outbox_t.c.idempotency_key).where(outbox_t.c.idempotency_key.in_(chunk))).scalars()
        )
    fresh = [row for row in rows if row["idempotency_key"] not in existing]
    if fresh:
        # ON CONFLICT DO NOTHING as well: another process may queue the same key at the same moment.
        conn.execute(_insert_ignoring_duplicates(conn.dialect.name), fresh)
    return len(fresh)


def _chunks_str(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def identities_on(conn: Connection, contact_ids: Sequence[int], channel: str) -> dict[int, str]:
    """contact id -> address on `channel` (the identity seen most recently)."""
    found: dict[int, list[Identity]] = defaultdict(list)
    for chunk in _chunks(contact_ids, 1000):
        for row in conn.execute(
            sa.select(identities_t.c.contact_id, identities_t.c.address, identities_t.c.last_seen_at).where(
                identities_t.c.contact_id.in_(chunk), identities_t.c.channel == channel
            )
        ):
            found[row.contact_id].append(Identity(channel, row.address, row.last_seen_at))
    return {
        contact_id: max(options, key=_recency).address for contact_id, options in found.items() if options
    }

