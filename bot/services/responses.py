"""The status of each invited contact's response to a consultation.

One definition for every figure an official sees: `consultation list` and `show`, the export and the
officials' pages all count what `response_statuses` returns, so they can never disagree.

- `complete` / `declined`: the contact submitted or declined; that stays, whatever happens later (the
  municipality keeps what they sent, even after they stop messages).
- `opted_out`: otherwise, the contact stopped messages, in a chat (`stopp`) or by an e-mail's link.
- `unreachable`: otherwise, no channel reaches them and they have not started answering.
- `partial` / `invited`: started but not submitted; or not started.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import contacts_table as contacts_t
from storage.tables import dialogues_table as dialogues_t
from storage.tables import invitations_table as invitations_t

RESPONSE_STATUSES = ("invited", "partial", "complete", "declined", "opted_out", "unreachable")
FINISHED = ("complete", "declined")


def response_status(*, dialogue_status: str | None, opted_out: bool, unreachable: bool) -> str:
    """One contact's status from their dialogue's status (None: no dialogue) and their contact flags."""
    if dialogue_status in FINISHED:
        return dialogue_status
    if opted_out or dialogue_status == "opted_out":
        return "opted_out"
    if unreachable and dialogue_status is None:
        return "unreachable"
    return dialogue_status or "invited"


def changes_not_submitted(state: dict[str, Any] | None, submitted: dict[str, Any]) -> bool:
    """True when a submitted response's dialogue holds answers that differ from those submitted
    (`submitted`: the stored answers): the contact is changing them and has not sent them again."""
    if not state or not state.get("submitted_at"):
        return False
    return bool(state.get("answers", {}) != submitted)


@dataclass(frozen=True)
class ResponseSummary:
    """The counts of one consultation: every invited contact has exactly one status."""

    invited: int  # the audience: contacts with an invitation
    sent: int  # invitations sent on a channel
    started: int  # contacts with a dialogue, whatever its status
    statuses: Counter[str]

    def count(self, status: str) -> int:
        return self.statuses[status]


def response_statuses(conn: Connection, consultation_id: int) -> dict[int, str]:
    """Every invited contact's status, by contact id."""
    return {contact_id: status for contact_id, status, _, _ in _rows(conn, consultation_id)}


def response_summary(conn: Connection, consultation_id: int) -> ResponseSummary:
    rows = _rows(conn, consultation_id)
    return ResponseSummary(
        invited=len(rows),
        sent=sum(1 for _, _, sent, _ in rows if sent),
        started=sum(1 for _, _, _, started in rows if started),
        statuses=Counter(status for _, status, _, _ in rows),
    )


def _rows(conn: Connection, consultation_id: int) -> list[tuple[int, str, bool, bool]]:
    """(contact id, status, invitation sent, dialogue started) per invited contact."""
    i, c, d = invitations_t, contacts_t, dialogues_t
    query = (
        sa.select(i.c.contact_id, i.c.invited_at, c.c.opted_out_at, c.c.unreachable_at, d.c.status)
        .join(c, c.c.id == i.c.contact_id)
        .outerjoin(d, sa.and_(d.c.contact_id == i.c.contact_id, d.c.consultation_id == i.c.consultation_id))
        .where(i.c.consultation_id == consultation_id)
        .order_by(i.c.contact_id)
    )
    return [
        (
            row.contact_id,
            response_status(
                dialogue_status=row.status,
                opted_out=row.opted_out_at is not None,
                unreachable=row.unreachable_at is not None,
            ),
            row.invited_at is not None,
            row.status is not None,
        )
        for row in conn.execute(query)
    ]
