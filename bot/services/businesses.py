"""Importing businesses and their contacts from the CSV format in the README, "Businesses CSV" (idempotent).

The whole file is checked before anything is written: one bad row means nothing is imported, and every
problem is reported with its line and column, so an official can fix the file and run it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from adapters.outbound_urls import check_workflows_url
from bot.settings import DEFAULT_TEAMS_WEBHOOK_HOSTS
from conversations.org_numbers import OrgNumberError, normalise_org_number
from storage.tables import Business, ChannelIdentity, Contact

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


class BusinessFileError(ValueError):
    """The file cannot be imported; `problems` lists every line and column at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


@dataclass(frozen=True)
class ContactRow:
    name: str
    email: str | None
    phone: str | None
    language: str
    slack_user_id: str | None
    teams_webhook_url: str | None


@dataclass
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


def parse_businesses_csv(
    text: str, *, teams_hosts: Sequence[str] = DEFAULT_TEAMS_WEBHOOK_HOSTS
) -> list[BusinessRow]:
    """Check the whole file; return one BusinessRow per organisation number, or raise BusinessFileError.
    `teams_hosts`: where a teams_webhook_url may point (SAMRAD_TEAMS_WEBHOOK_HOSTS)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # Excel writes a byte-order mark in front of UTF-8 CSV
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise BusinessFileError(["line 1: the file is empty; expected a header row: " + ",".join(COLUMNS)])
    header = [column.strip() for column in header]
    problems: list[str] = []
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        problems.append(f"line 1: column(s) given twice: {', '.join(duplicated)}")
    if problems:
        raise BusinessFileError(problems)

    businesses: dict[str, BusinessRow] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} values but the header has {len(header)} columns")
            continue
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        problems.extend(
            f"line {line}, column {column}: {reason}" for column, reason in _row_problems(row, teams_hosts)
        )
        if problems:
            continue
        org_number = normalise_org_number(row["org_number"])
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


def _row_problems(row: dict[str, str], teams_hosts: Sequence[str]) -> Iterable[tuple[str, str]]:
    try:
        normalise_org_number(row["org_number"])
    except OrgNumberError as error:
        yield "org_number", str(error)
    if not row["name"]:
        yield "name", "the business needs a name"
    industry = row.get("industry", "")
    if industry and not _SNI.match(industry):
        yield "industry", f"{industry!r} is not an SNI code (2 to 5 digits, e.g. 56100)"
    email = row.get("contact_email", "")
    if email and not _EMAIL.match(email):
        yield "contact_email", f"{email!r} is not an e-mail address"
    phone = row.get("contact_phone", "")
    if phone and not _PHONE.match(phone):
        yield "contact_phone", f"{phone!r} is not a phone number"
    language = row.get("language", "")
    if language and language not in ("sv", "en"):
        yield "language", f"{language!r} must be sv or en"
    slack = row.get("slack_user_id", "")
    if slack and not _SLACK_USER.match(slack):
        yield "slack_user_id", f"{slack!r} is not a Slack user id (like U012AB3CD)"
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
    """Create or update businesses and contacts. A contact is the same person again when the e-mail,
    else the name, matches one of that business's contacts; a re-import therefore never duplicates."""
    result = ImportResult()
    for row in rows:
        business = session.exec(select(Business).where(Business.org_number == row.org_number)).first()
        if business is None:
            business = Business(
                org_number=row.org_number,
                name=row.name,
                industry=row.industry,
                area=row.area,
                tags=row.tags,
                created_at=now,
                updated_at=now,
            )
            session.add(business)
            session.flush()
            result.businesses_created += 1
        elif (business.name, business.industry, business.area, business.tags) != (
            row.name,
            row.industry,
            row.area,
            row.tags,
        ):
            business.name, business.industry, business.area, business.tags = (
                row.name,
                row.industry,
                row.area,
                row.tags,
            )
            business.updated_at = now
            result.businesses_updated += 1
        assert business.id is not None
        existing = list(session.exec(select(Contact).where(Contact.business_id == business.id)))
        for contact_row in row.contacts:
            _upsert_contact(session, business.id, existing, contact_row, now, result)
    session.flush()
    return result


def _upsert_contact(
    session: Session,
    business_id: int,
    existing: list[Contact],
    row: ContactRow,
    now: dt.datetime,
    result: ImportResult,
) -> None:
    contact = next((c for c in existing if row.email and c.email == row.email), None) or next(
        (c for c in existing if not c.email and c.name == row.name and c.erased_at is None), None
    )
    if contact is None:
        contact = Contact(
            business_id=business_id,
            name=row.name,
            email=row.email,
            phone=row.phone,
            language=row.language,
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        existing.append(contact)
        result.contacts_created += 1
    elif (contact.name, contact.phone, contact.language) != (row.name, row.phone, row.language):
        contact.name, contact.phone, contact.language = row.name, row.phone, row.language
        contact.updated_at = now
        result.contacts_updated += 1
    assert contact.id is not None
    for channel, address in (("slack", row.slack_user_id), ("teams", row.teams_webhook_url)):
        if address:
            _bind_identity(session, contact.id, channel, address, now)


def _bind_identity(session: Session, contact_id: int, channel: str, address: str, now: dt.datetime) -> None:
    identity = session.exec(
        select(ChannelIdentity).where(ChannelIdentity.channel == channel, ChannelIdentity.address == address)
    ).first()
    if identity is None:
        session.add(ChannelIdentity(contact_id=contact_id, channel=channel, address=address, created_at=now))
    elif identity.contact_id != contact_id:
        identity.contact_id = contact_id  # the address moved to another person: the file is the truth
