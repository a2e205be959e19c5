"""Reading the businesses CSV file in the README's format ("Businesses CSV"): decoding, the separator, and
every row checked (no database).

The whole file is checked before anything is written: one bad row means nothing is imported, and every
problem is reported with its line and column, so an official can fix the file and run it again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.outbound_urls import check_workflows_url
from bot.settings import DEFAULT_TEAMS_WEBHOOK_HOSTS
from conversations.org_numbers import OrgNumberError, normalise_org_number

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

