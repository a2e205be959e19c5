"""Importing businesses and their contacts from the CSV format in the README, "Businesses CSV" (idempotent).

The whole file is checked before anything is written: one bad row means nothing is imported, and every
problem is reported with its line and column, so an official can fix the file and run it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from adapters.outbound_urls import check_workflows_url
from bot.services.teams_webhooks import webhooks_replaced
from bot.settings import DEFAULT_TEAMS_WEBHOOK_HOSTS
from conversations.org_numbers import OrgNumberError, normalise_org_number
from storage.db import is_sqlite
from storage.tables import businesses_table as businesses_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import contacts_table as contacts_t

COLUMNS = (
    "org_number",
    "name",
    "industry",
    "area",
    "tags",
    "contact_name",
    "contact_email",
    "contact_phone",
    "language",
    "slack_user_id",
    "teams_webhook_url",
)
REQUIRED_COLUMNS = ("org_number", "name")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SNI = re.compile(r"^\d{2}(\.?\d{1,3})?$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{6,20}$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
# Businesses written per statement batch (and, for the CLI, per transaction): well under a second of
# SQLite's write lock; also under SQLite's limit on bound parameters (32,766) in one `IN (…)`.
BATCH_BUSINESSES = 5000
SQLITE_PAUSE_SECONDS = 0.1
# Limits that keep a wrong or hostile file from exhausting memory or filling the database with junk: a
# municipality's register is some ten thousand businesses, and no field is longer than a Teams URL.
MAX_FILE_BYTES = 50_000_000
MAX_ROWS = 200_000
MAX_FIELD_LENGTH = 1000
MAX_PROBLEMS = 1000
# NUL and other control characters (tab aside), and lone surrogates, which no database stores as text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class BusinessFileError(ValueError):
    """The file cannot be imported; `problems` lists every line and column at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


@dataclass(frozen=True, slots=True)
class ContactRow:
    name: str
    email: str | None
    phone: str | None
    language: str
    slack_user_id: str | None
    teams_webhook_url: str | None


@dataclass(slots=True)
class BusinessRow:
    org_number: str
    name: str
    industry: str
    area: str
    tags: str
    contacts: list[ContactRow] = field(default_factory=list)


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


def decode_businesses_file(data: bytes) -> str:
    """The file's text, or a BusinessFileError saying in Swedish and English what is wrong with it: too
    large, empty, a spreadsheet or other binary file given by mistake, or not UTF-8 (Excel's plain "CSV"
    is Windows-1252; its "CSV UTF-8" is what the import reads)."""
    if len(data) > MAX_FILE_BYTES:
        raise BusinessFileError([
            f"filen är större än {MAX_FILE_BYTES // 1_000_000} MB; dela upp den / "
            f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; split it"
        ])
    if not data.strip():
        raise BusinessFileError([
            "filen är tom; den ska börja med en rubrikrad / the file is empty; it must start with a header row: "
            + ",".join(COLUMNS)
        ])
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise BusinessFileError([
            "filen är en Excel-arbetsbok, inte CSV: spara den i Excel som \"CSV UTF-8\" / "
            "the file is an Excel workbook, not CSV: save it from Excel as \"CSV UTF-8\""
        ])
    if b"\x00" in data:
        raise BusinessFileError([
            "filen är ingen textfil (den innehåller binära data) / the file is not text (it holds binary data)"
        ])
    try:
        return data.decode("utf-8-sig")  # Excel writes a byte-order mark in front of UTF-8 CSV
    except UnicodeDecodeError as error:
        raise BusinessFileError([
            f"filen är inte UTF-8 (byte {error.start + 1}); spara den i Excel som \"CSV UTF-8\" / "
            f"the file is not UTF-8 (byte {error.start + 1}); save it from Excel as \"CSV UTF-8\""
        ]) from None


def separator(header_line: str) -> str:
    """`;` for a file from Swedish Excel (its CSV separator, since the comma is the decimal sign), else `,`.
    Read from the header row, whose column names hold neither."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse_businesses_csv(
    text: str, *, teams_hosts: Sequence[str] = DEFAULT_TEAMS_WEBHOOK_HOSTS
) -> list[BusinessRow]:
    """Check the whole file; return one BusinessRow per organisation number, or raise BusinessFileError.
    `teams_hosts`: where a teams_webhook_url may point (SAMRAD_TEAMS_WEBHOOK_HOSTS)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # Excel writes a byte-order mark in front of UTF-8 CSV
    if len(text) > MAX_FILE_BYTES:
        raise BusinessFileError([f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; split it"])
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(_lines(text), delimiter=separator(first_line), strict=False)
    try:
        return _parse_rows(reader, teams_hosts)
    except csv.Error as error:  # e.g. a field larger than the csv module's limit
        raise BusinessFileError([f"line {reader.line_num}: the file cannot be read as CSV ({error})"]) from None


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, one at a time (io.StringIO would copy the whole text first)."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def _parse_rows(reader: Any, teams_hosts: Sequence[str]) -> list[BusinessRow]:
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise BusinessFileError(["line 1: the file is empty; expected a header row: " + ",".join(COLUMNS)])
    header = [column.strip() for column in header]
    problems: list[str] = []
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        shown = ", ".join(_shorten(column) for column in unknown[:5])
        problems.append(f"line 1: unknown column(s) {shown}; allowed: {', '.join(COLUMNS)}")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        problems.append(f"line 1: column(s) given twice: {', '.join(_shorten(c) for c in duplicated)}")
    if problems:
        raise BusinessFileError(problems)

    businesses: dict[str, BusinessRow] = {}
    rows_read = 0
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows_read += 1
        if rows_read > MAX_ROWS:
            problems.append(f"line {line}: more than {MAX_ROWS:,} rows; split the file".replace(",", " "))
            break
        if len(problems) >= MAX_PROBLEMS:
            continue  # enough to fix first; the rows are still counted
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} values but the header has {len(header)} columns")
            continue
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        try:
            org_number, org_problem = normalise_org_number(row["org_number"]), None
        except OrgNumberError as error:
            org_number, org_problem = "", str(error)
        problems.extend(
            f"line {line}, column {column}: {reason}"
            for column, reason in _row_problems(row, org_problem, teams_hosts)
        )
        if problems:
            continue
        business = businesses.get(org_number)
        if business is None:
            business = businesses[org_number] = BusinessRow(
                org_number=org_number,
                name=row["name"],
                industry=row.get("industry", "").replace(".", ""),
                area=row.get("area", ""),
                tags=";".join(_split_tags(row.get("tags", ""))),
            )
        elif business.name != row["name"]:
            problems.append(
                f"line {line}, column name: {org_number} is named {business.name!r} on an earlier line"
            )
            continue
        contact = _contact_from_row(row)
        if contact is not None:
            business.contacts.append(contact)
    if problems:
        raise BusinessFileError(problems)
    return list(businesses.values())


def _shorten(text: str, limit: int = 40) -> str:
    """A value for an error message: one line, at most `limit` characters."""
    flat = "".join(c if c.isprintable() else "?" for c in text)
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _row_problems(
    row: dict[str, str], org_problem: str | None, teams_hosts: Sequence[str]
) -> Iterable[tuple[str, str]]:
    joined = "".join(row.values())
    if len(joined) > MAX_FIELD_LENGTH or _CONTROL.search(joined):  # one check for the usual clean row
        unreadable = False
        for column, value in row.items():
            if len(value) > MAX_FIELD_LENGTH:
                unreadable = True
                yield column, f"longer than {MAX_FIELD_LENGTH} characters"
            elif _CONTROL.search(value):
                unreadable = True
                yield column, "holds a control character or broken text"
        if unreadable:
            return
    if org_problem:
        yield "org_number", _shorten(org_problem, 200)
    if not row["name"]:
        yield "name", "the business needs a name"
    industry = row.get("industry", "")
    if industry and not _SNI.match(industry):
        yield "industry", f"'{_shorten(industry)}' is not an SNI code (2 to 5 digits, e.g. 56100)"
    email = row.get("contact_email", "")
    if email and not _EMAIL.match(email):
        yield "contact_email", f"'{_shorten(email)}' is not an e-mail address"
    phone = row.get("contact_phone", "")
    if phone and not _PHONE.match(phone):
        yield "contact_phone", f"'{_shorten(phone)}' is not a phone number"
    language = row.get("language", "")
    if language and language not in ("sv", "en"):
        yield "language", f"'{_shorten(language)}' must be sv or en"
    slack = row.get("slack_user_id", "")
    if slack and not _SLACK_USER.match(slack):
        yield "slack_user_id", f"'{_shorten(slack)}' is not a Slack user id (like U012AB3CD)"
    teams = row.get("teams_webhook_url", "")
    teams_refusal = check_workflows_url(teams, teams_hosts) if teams else None
    if teams_refusal is not None:
        yield "teams_webhook_url", teams_refusal
    has_contact_data = any(
        row.get(c) for c in ("contact_email", "contact_phone", "slack_user_id", "teams_webhook_url")
    )
    if has_contact_data and not row.get("contact_name") and not email:
        yield "contact_name", "a contact needs a name or an e-mail address"


def _split_tags(raw: str) -> list[str]:
    return sorted({tag.strip().lower() for tag in raw.split(";") if tag.strip()})


def _contact_from_row(row: dict[str, str]) -> ContactRow | None:
    fields = ("contact_name", "contact_email", "contact_phone", "slack_user_id", "teams_webhook_url")
    if not any(row.get(name) for name in fields):
        return None
    return ContactRow(
        name=row.get("contact_name", "") or row.get("contact_email", ""),
        email=row.get("contact_email", "").lower() or None,
        phone=row.get("contact_phone") or None,
        language=row.get("language") or "sv",
        slack_user_id=row.get("slack_user_id") or None,
        teams_webhook_url=row.get("teams_webhook_url") or None,
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
