"""Sole traders erased before erasure took their business with them: their name and number go now.

Revision ID: 0011_erased_sole_traders
Revises: 0010_anonymous_review
Create Date: 2026-12-05

A sole trader's (enskild firma) organisation number is the owner's personal identity number, and its
name is often theirs. Erasing a contact now erases such a business's identity once its last contact
is erased (bot/services/contacts.py); this does the same for the businesses whose contacts were all
erased before:
- the business: name "", org_number "raderad-ID" (area, industry and tags stay, for statistics);
- consultations' audiences and files: the number replaced by that placeholder (so they still name the
  same business, and still load);
- the audit log (append-only: its trigger is lifted for this one statement): a saved audience keeps a
  personal identity number as "business:ID" (or "(personnummer)" if it names no business), as
  bot/services/audience_picker.audited now writes it, erased or not. The log says so itself: one more
  entry (actor "migration", action "audit.redact") with how many entries were changed, and why.

Self-contained (storage may not import the application): the rule is conversations/org_numbers.py's
`is_personal_identity_number` and `erased_org_number`, which tests/storage/test_sole_trader_migration.py
checks this against. Downgrade changes nothing: what is erased stays erased.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.types import JSONType, UTCDateTime

revision: str = "0011_erased_sole_traders"
down_revision: str | None = "0010_anonymous_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERSONAL = re.compile(r"^\d{2}(0[1-9]|1[0-2])\d{2}-\d{4}$")  # month 01–12 in digits 3–4
ERASED_PREFIX = "raderad-"
PERSONAL_NUMBER = "(personnummer)"

businesses = sa.table("businesses", sa.column("id", sa.Integer), sa.column("org_number", sa.String),
                      sa.column("name", sa.String))
contacts = sa.table("contacts", sa.column("business_id", sa.Integer), sa.column("erased_at", sa.String))
consultations = sa.table("consultations", sa.column("id", sa.Integer), sa.column("audience", JSONType),
                         sa.column("spec", JSONType))
audit_log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("at", UTCDateTime),
                     sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("target", sa.String),
                     sa.column("detail", JSONType))
REDACTED_BECAUSE = "personal identity numbers of sole traders in saved audiences, replaced by business ids"


def upgrade() -> None:
    conn = op.get_bind()
    ids = {number: business_id for business_id, number in conn.execute(sa.select(businesses.c.id, businesses.c.org_number))
           if _PERSONAL.match(number)}
    _audit_without_personal_numbers(conn, ids)
    live = sa.select(contacts.c.business_id).where(contacts.c.erased_at.is_(None))
    had_contacts = sa.select(contacts.c.business_id)
    erased = conn.execute(
        sa.select(businesses.c.id, businesses.c.org_number)
        .where(businesses.c.id.in_(had_contacts), businesses.c.id.not_in(live))
    ).all()
    for business_id, number in erased:
        if not _PERSONAL.match(number):
            continue  # a legal person's: not personal data
        placeholder = f"{ERASED_PREFIX}{business_id}"
        conn.execute(businesses.update().where(businesses.c.id == business_id).values(org_number=placeholder, name=""))
        forms = (number, number.replace("-", ""))
        mentions = sa.or_(*(sa.cast(c, sa.Text).like(f"%{form}%")
                            for c in (consultations.c.audience, consultations.c.spec) for form in forms))
        for row in conn.execute(sa.select(consultations.c.id, consultations.c.audience, consultations.c.spec)
                                .where(mentions)).all():
            conn.execute(consultations.update().where(consultations.c.id == row.id).values(
                audience=_replaced(row.audience, forms, placeholder), spec=_replaced(row.spec, forms, placeholder)
            ))


def _audit_without_personal_numbers(conn: sa.Connection, ids: dict[str, int]) -> None:
    """Saved audiences' personal identity numbers as business ids, with the append-only trigger lifted."""
    changed = []
    for entry_id, detail in conn.execute(
        sa.select(audit_log.c.id, audit_log.c.detail).where(audit_log.c.action == "consultation.audience")
    ):
        numbers = ((detail or {}).get("audience") or {}).get("org_numbers") or []
        if any(isinstance(n, str) and _PERSONAL.match(n) for n in numbers):
            kept = [(f"business:{ids[n]}" if n in ids else PERSONAL_NUMBER)
                    if isinstance(n, str) and _PERSONAL.match(n) else n for n in numbers]
            changed.append((entry_id, detail | {"audience": detail["audience"] | {"org_numbers": kept}}))
    if not changed:
        return
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    for entry_id, detail in changed:
        conn.execute(audit_log.update().where(audit_log.c.id == entry_id).values(detail=detail))
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:  # as 0004_admin made it
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    # An append-only log changed once: the change is on record in the log itself, counted, never named.
    conn.execute(audit_log.insert().values(
        at=dt.datetime.now(dt.UTC), actor="migration", action="audit.redact", target="audit_log",
        detail={"entries": len(changed), "revision": revision, "why": REDACTED_BECAUSE},
    ))


def _replaced(value: Any, forms: tuple[str, ...], placeholder: str) -> Any:
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, placeholder)
        return value
    if isinstance(value, list):
        return [_replaced(item, forms, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, forms, placeholder) for key, item in value.items()}
    return value


def downgrade() -> None:
    pass
