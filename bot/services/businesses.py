"""Writing an import of businesses and their contacts to the database (idempotent). The rows come from
`business_file.parse_businesses_csv`, which has checked the whole file: nothing is written from a file
with a bad row.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot.services.business_file import BusinessRow, ContactRow
from bot.services.teams_webhooks import webhooks_replaced
from storage.db import is_sqlite
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import contacts_table as contacts_t

# Businesses written per statement batch (and, for the CLI, per transaction): well under a second of
# SQLite's write lock; also under SQLite's limit on bound parameters (32,766) in one `IN (…)`.
BATCH_BUSINESSES = 5000
SQLITE_PAUSE_SECONDS = 0.1


@dataclass
class ImportResult:
    businesses_created: int = 0
    businesses_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0

    def summary(self) -> str:
        return (
            f"businesses: {self.businesses_created} created, {self.businesses_updated} updated; "
            f"contacts: {self.contacts_created} created, {self.contacts_updated} updated"
        )


def import_businesses(session: Session, rows: list[BusinessRow], *, now: dt.datetime) -> ImportResult:
    """Create or update businesses and contacts in the session's transaction. A contact is the same
    person again when the e-mail, else the name, matches one of that business's contacts; a re-import
    therefore never duplicates."""
    result = ImportResult()
    conn = session.connection()
    for start in range(0, len(rows), BATCH_BUSINESSES):
        _write_batch(conn, rows[start:start + BATCH_BUSINESSES], now, result)
    return result


def import_businesses_in_batches(engine: Engine, rows: list[BusinessRow], *, now: dt.datetime) -> ImportResult:
    """As `import_businesses`, committing every `BATCH_BUSINESSES` businesses: a long import never holds
    SQLite's write lock for more than a moment, so the web server keeps answering meanwhile. The rows
    were checked as a whole before (`parse_businesses_csv`), so a batch fails only when the database
    does; running the import again then completes it (it is idempotent)."""
    result = ImportResult()
    for start in range(0, len(rows), BATCH_BUSINESSES):
        if start and is_sqlite(engine):
            # A writer waiting for the lock (the web server) polls for it, every 100 ms once it has
            # waited a while; without a pause this long, the next batch would take the lock again
            # before it looked, and it could wait past its busy timeout.
            time.sleep(SQLITE_PAUSE_SECONDS)
        with engine.begin() as conn:
            _write_batch(conn, rows[start:start + BATCH_BUSINESSES], now, result)
    return result


# --- writing one batch with Core statements (executemany; lookups in dicts) ----------------------------

_UPDATE_BUSINESS = businesses_t.update().where(businesses_t.c.id == sa.bindparam("b_id")).values(
    name=sa.bindparam("b_name"),
    industry=sa.bindparam("b_industry"),
    area=sa.bindparam("b_area"),
    tags=sa.bindparam("b_tags"),
    updated_at=sa.bindparam("b_now", type_=businesses_t.c.updated_at.type),
)
_UPDATE_CONTACT = contacts_t.update().where(contacts_t.c.id == sa.bindparam("c_id")).values(
    name=sa.bindparam("c_name"),
    phone=sa.bindparam("c_phone"),
    language=sa.bindparam("c_language"),
    updated_at=sa.bindparam("c_now", type_=contacts_t.c.updated_at.type),
)
_MOVE_IDENTITY = identities_t.update().where(identities_t.c.id == sa.bindparam("i_id")).values(
    contact_id=sa.bindparam("i_contact_id")
)


@dataclass(slots=True)
class _PlannedContact:
    """A contact as the batch leaves it: an existing row (id) or one to insert (id None)."""

    id: int | None
    name: str
    email: str | None
    phone: str | None
    language: str
    erased: bool = False
    identities: list[tuple[str, str]] = field(default_factory=list)


def _write_batch(conn: Connection, rows: list[BusinessRow], now: dt.datetime, result: ImportResult) -> None:
    business_ids = _write_businesses(conn, rows, now, result)
    existing: dict[int, list[_PlannedContact]] = {business_id: [] for business_id in business_ids.values()}
    for found in conn.execute(
        sa.select(contacts_t.c.id, contacts_t.c.business_id, contacts_t.c.name, contacts_t.c.email,
                  contacts_t.c.phone, contacts_t.c.language, contacts_t.c.erased_at)
        .where(contacts_t.c.business_id.in_(list(business_ids.values())))
        .order_by(contacts_t.c.id)
    ):
        existing[found.business_id].append(_PlannedContact(
            found.id, found.name, found.email, found.phone, found.language, erased=found.erased_at is not None
        ))
    new: list[tuple[int, _PlannedContact]] = []
    changed: dict[int, _PlannedContact] = {}
    for row in rows:
        business_id = business_ids[row.org_number]
        for contact_row in row.contacts:
            contact = _match(existing[business_id], contact_row)
            if contact is None:
                contact = _PlannedContact(None, contact_row.name, contact_row.email, contact_row.phone,
                                          contact_row.language)
                existing[business_id].append(contact)
                new.append((business_id, contact))
                result.contacts_created += 1
            elif (contact.name, contact.phone, contact.language) != (
                contact_row.name, contact_row.phone, contact_row.language
            ):
                contact.name, contact.phone, contact.language = (
                    contact_row.name, contact_row.phone, contact_row.language
                )
                if contact.id is not None:
                    changed[contact.id] = contact
                result.contacts_updated += 1
            for channel, address in (("slack", contact_row.slack_user_id), ("teams", contact_row.teams_webhook_url)):
                if address:
                    contact.identities.append((channel, address))
    if changed:
        conn.execute(_UPDATE_CONTACT, [
            {"c_id": c.id, "c_name": c.name, "c_phone": c.phone, "c_language": c.language, "c_now": now}
            for c in changed.values()
        ])
    if new:
        _insert_contacts(conn, new, now)
    bindings = [
        (channel, address, contact.id)
        for contacts in existing.values()
        for contact in contacts
        for channel, address in contact.identities
        if contact.id is not None
    ]
    _bind_identities(conn, bindings, now)


def _write_businesses(
    conn: Connection, rows: list[BusinessRow], now: dt.datetime, result: ImportResult
) -> dict[str, int]:
    """Insert new businesses and update changed ones; their ids by organisation number."""
    found = {
        row.org_number: row
        for row in conn.execute(
            sa.select(businesses_t.c.id, businesses_t.c.org_number, businesses_t.c.name,
                      businesses_t.c.industry, businesses_t.c.area, businesses_t.c.tags)
            .where(businesses_t.c.org_number.in_([row.org_number for row in rows]))
        )
    }
    ids = {org_number: row.id for org_number, row in found.items()}
    new = [row for row in rows if row.org_number not in found]
    changed = [
        {"b_id": ids[row.org_number], "b_name": row.name, "b_industry": row.industry, "b_area": row.area,
         "b_tags": row.tags, "b_now": now}
        for row in rows
        if row.org_number in found
        and (found[row.org_number].name, found[row.org_number].industry, found[row.org_number].area,
             found[row.org_number].tags) != (row.name, row.industry, row.area, row.tags)
    ]
    if changed:
        conn.execute(_UPDATE_BUSINESS, changed)
    if new:
        # A plain executemany, then the ids read back: RETURNING in a given order would make SQLite
        # insert row by row.
        conn.execute(businesses_t.insert(), [
            {"org_number": row.org_number, "name": row.name, "industry": row.industry, "area": row.area,
             "tags": row.tags, "created_at": now, "updated_at": now} for row in new
        ])
        ids.update(conn.execute(
            sa.select(businesses_t.c.org_number, businesses_t.c.id)
            .where(businesses_t.c.org_number.in_([row.org_number for row in new]))
        ).tuples().all())
    result.businesses_created += len(new)
    result.businesses_updated += len(changed)
    return ids


def _insert_contacts(conn: Connection, new: list[tuple[int, _PlannedContact]], now: dt.datetime) -> None:
    """Insert the new contacts and give each its id, found again by business and e-mail (else name):
    unique among the new ones, since a second row with the same e-mail or name updates the first."""
    conn.execute(contacts_t.insert(), [
        {"business_id": business_id, "name": c.name, "email": c.email, "phone": c.phone,
         "language": c.language, "created_at": now, "updated_at": now} for business_id, c in new
    ])
    by_key = {_contact_key(business_id, c.email, c.name): c for business_id, c in new}
    for found in conn.execute(
        sa.select(contacts_t.c.id, contacts_t.c.business_id, contacts_t.c.email, contacts_t.c.name)
        .where(contacts_t.c.business_id.in_({business_id for business_id, _ in new}),
               contacts_t.c.created_at == now, contacts_t.c.erased_at.is_(None))
        .order_by(contacts_t.c.id)
    ):
        contact = by_key.get(_contact_key(found.business_id, found.email, found.name))
        if contact is not None and contact.id is None:
            contact.id = found.id


def _contact_key(business_id: int, email: str | None, name: str) -> tuple[int, str, str]:
    return (business_id, "email", email) if email else (business_id, "name", name)


def _match(contacts: list[_PlannedContact], row: ContactRow) -> _PlannedContact | None:
    """The same person: the same e-mail, else (neither has one) the same name and not erased."""
    if row.email:
        by_email = next((c for c in contacts if c.email == row.email), None)
        if by_email is not None:
            return by_email
    return next((c for c in contacts if not c.email and c.name == row.name and not c.erased), None)


def _bind_identities(conn: Connection, bindings: list[tuple[str, str, int]], now: dt.datetime) -> None:
    """Bind each (channel, address) to its contact; an address already bound to another contact moves
    to this one (the file is the truth), and the last row of the file naming an address wins."""
    if not bindings:
        return
    wanted = {(channel, address): contact_id for channel, address, contact_id in bindings}
    bound: dict[tuple[str, str], tuple[int, int]] = {}
    for channel in {channel for channel, _ in wanted}:
        addresses = [address for (c, address) in wanted if c == channel]
        for start in range(0, len(addresses), BATCH_BUSINESSES):
            for row in conn.execute(
                sa.select(identities_t.c.id, identities_t.c.address, identities_t.c.contact_id).where(
                    identities_t.c.channel == channel,
                    identities_t.c.address.in_(addresses[start:start + BATCH_BUSINESSES]),
                )
            ):
                bound[(channel, row.address)] = (row.id, row.contact_id)
    moves = [
        {"i_id": bound[key][0], "i_contact_id": contact_id}
        for key, contact_id in wanted.items()
        if key in bound and bound[key][1] != contact_id
    ]
    if moves:
        conn.execute(_MOVE_IDENTITY, moves)
    inserts = [
        {"contact_id": contact_id, "channel": channel, "address": address, "created_at": now}
        for (channel, address), contact_id in wanted.items()
        if (channel, address) not in bound
    ]
    if inserts:
        conn.execute(identities_t.insert(), inserts)
    # A Teams URL new to its contact replaces their old one, and clears its broken-webhook mark.
    webhooks_replaced(conn, [(contact_id, address) for (channel, address), contact_id in wanted.items()
                             if channel == "teams" and bound.get((channel, address), (0, 0))[1] != contact_id], now=now)
