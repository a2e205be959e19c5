"""Cases and consultations: create from a file or a template, open, close, audience, statistics."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from bot.services.audit import record
from bot.services.channel_reach import AudienceReach, audience_reach
from bot.services.responses import response_summary
from conversations.consultation_file import ConsultationFile, format_duration
from storage.tables import (
    Case,
    Consultation,
    Contact,
    OutboxMessage,
    businesses_table,
    contacts_table,
    invitations_table,
)


class ConsultationError(ValueError):
    """A request an official made that cannot be carried out; the message says why."""


def create_consultation(
    session: Session, file: ConsultationFile, *, now: dt.datetime, actor: str, again: bool = False
) -> Consultation:
    """Create the case (or reuse it by its diarienummer) and a draft consultation from a checked file.

    The same file created twice is almost always a mistake (a command run again), so a consultation
    identical to one the case already has is refused unless `again` says it is meant."""
    spec = file.case
    case_title = spec.title.get("sv")
    case = session.exec(select(Case).where(Case.reference == spec.reference)).first()
    if case is None:
        case = Case(
            reference=spec.reference, title=case_title, type=spec.type, stage=spec.stage, created_at=now
        )
        session.add(case)
        session.flush()
    elif case.title != case_title:
        raise ConsultationError(
            f"case {spec.reference} already exists with the title {case.title!r}, not {case_title!r}"
        )
    else:
        case.type, case.stage = spec.type, spec.stage  # a later consultation moves the case on
    details = file.consultation
    assert case.id is not None
    spec_json = file.model_dump(mode="json")
    if not again:
        twin = same_consultation(session, case.id, spec_json)
        if twin is not None:
            raise ConsultationError(
                f"case {spec.reference} already has this consultation: {twin.id} ({twin.status}); "
                "to create another from the same file, add --again"
            )
    consultation = Consultation(
        case_id=case.id,
        title=details.title.get("sv"),
        status="draft",
        spec=spec_json,
        audience=details.audience.model_dump(mode="json"),
        reminders=[format_duration(r) for r in details.reminders],
        remind_before_close=(
            format_duration(details.remind_before_close) if details.remind_before_close is not None else None
        ),
        opens_at=details.opens,
        closes_at=details.closes,
        created_at=now,
        created_by=actor,
    )
    session.add(consultation)
    session.flush()
    assert consultation.id is not None
    record(
        session,
        actor=actor,
        action="consultation.create",
        target=f"consultation:{consultation.id}",
        detail={"case": spec.reference},
        now=now,
    )
    if details.opens is not None and details.opens <= now:
        open_consultation(session, consultation.id, now=now, actor=actor)
    return consultation


def same_consultation(session: Session, case_id: int, spec: dict[str, Any]) -> Consultation | None:
    """The case's consultation created from an identical file, if there is one."""
    siblings = session.exec(
        select(Consultation).where(Consultation.case_id == case_id).order_by(col(Consultation.id))
    )
    return next((c for c in siblings if c.spec == spec), None)


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise ConsultationError(f"there is no consultation {consultation_id}")
    return consultation


def open_consultation(session: Session, consultation_id: int, *, now: dt.datetime, actor: str) -> int:
    """Open now: freeze the questionnaire and invite the audience. Returns the number of invitations."""
    consultation = get_consultation(session, consultation_id)
    if consultation.status == "open":
        raise ConsultationError(f"consultation {consultation_id} is already open")
    if consultation.closes_at is not None and consultation.closes_at <= now:
        raise ConsultationError(
            f"consultation {consultation_id} closed at {consultation.closes_at.isoformat()}; "
            "it cannot be opened again"
        )
    if consultation.snapshot is None:
        file = ConsultationFile.model_validate(consultation.spec)
        # Frozen from here on: later edits to the spec never change what earlier answers mean.
        consultation.snapshot = file.questionnaire().model_dump(mode="json")
    consultation.status = "open"
    consultation.opened_at = now
    consultation.closed_at = None
    invited = ensure_invitations(session, consultation, now=now)
    record(
        session,
        actor=actor,
        action="consultation.open",
        target=f"consultation:{consultation_id}",
        detail={"invitations": invited},
        now=now,
    )
    return invited


def close_consultation(session: Session, consultation_id: int, *, now: dt.datetime, actor: str) -> None:
    consultation = get_consultation(session, consultation_id)
    if consultation.status != "open":
        raise ConsultationError(f"consultation {consultation_id} is not open (it is {consultation.status})")
    consultation.status = "closed"
    consultation.closed_at = now
    record(
        session,
        actor=actor,
        action="consultation.close",
        target=f"consultation:{consultation_id}",
        detail={},
        now=now,
    )


def audience_contact_ids(conn: Connection, audience: dict[str, Any]) -> list[int]:
    """Contacts (not erased) of the businesses the audience names (`audience_business_ids`), by id, in
    id order. Core statements: a broadcast to ten thousand contacts runs this, and loading ORM objects
    for them would cost most of a second.
    """
    chosen = audience_business_ids(conn, audience)
    c = contacts_table
    rows = conn.execute(
        sa.select(c.c.id, c.c.business_id).where(c.c.erased_at.is_(None)).order_by(c.c.id)
    )
    return [row.id for row in rows if row.business_id in chosen]


def audience_business_ids(conn: Connection, audience: dict[str, Any]) -> set[int]:
    """The businesses the audience names.

    A business is in the audience when it matches every criterion given among areas, industries (SNI
    prefixes) and tags — within one criterion any listed value will do — or when its organisation number
    is listed explicitly. `all: true` takes every business.
    """
    areas = {a.casefold() for a in audience.get("areas") or []}
    industries = [str(i).replace(".", "") for i in audience.get("industries") or []]
    tags = {t.casefold() for t in audience.get("tags") or []}
    org_numbers = set(audience.get("org_numbers") or [])
    has_criteria = bool(areas or industries or tags)
    take_all = bool(audience.get("all"))

    def matches(org_number: str, industry: str, area: str, business_tags: str) -> bool:
        if take_all or org_number in org_numbers:
            return True
        if not has_criteria:
            return False
        own_tags = {t.casefold() for t in business_tags.split(";") if t}
        return (
            (not areas or area.casefold() in areas)
            and (not industries or any(industry.startswith(p) for p in industries))
            and (not tags or bool(own_tags & tags))
        )

    b = businesses_table
    return {
        row.id
        for row in conn.execute(sa.select(b.c.id, b.c.org_number, b.c.industry, b.c.area, b.c.tags))
        if matches(row.org_number, row.industry, row.area, row.tags)
    }


def audience_contacts(session: Session, audience: dict[str, Any]) -> list[Contact]:
    """The audience's contacts as objects (see `audience_contact_ids`)."""
    ids = audience_contact_ids(session.connection(), audience)
    if not ids:
        return []
    return list(session.exec(select(Contact).where(col(Contact.id).in_(ids)).order_by(col(Contact.id))))


def ensure_invitations(session: Session, consultation: Consultation, *, now: dt.datetime) -> int:
    """One invitation (with its chat code) per contact in the audience; idempotent. Returns the total."""
    assert consultation.id is not None
    session.flush()
    return ensure_invitation_rows(session.connection(), consultation.id, consultation.audience, now=now)


def ensure_invitation_rows(
    conn: Connection, consultation_id: int, audience: dict[str, Any], *, now: dt.datetime
) -> int:
    """`ensure_invitations` on a connection: new contacts in the audience get their invitation."""
    i = invitations_table
    existing = set(conn.execute(sa.select(i.c.contact_id).where(i.c.consultation_id == consultation_id)).scalars())
    new_rows = [
        {"consultation_id": consultation_id, "contact_id": contact_id, "code": new_invitation_code(), "created_at": now}
        for contact_id in audience_contact_ids(conn, audience)
        if contact_id not in existing
    ]
    if new_rows:
        conn.execute(i.insert(), new_rows)
    return len(existing) + len(new_rows)


def new_invitation_code() -> str:
    """An unguessable chat code (Telegram deep-link payloads allow up to 64 of A-Za-z0-9_-)."""
    return secrets.token_urlsafe(18)  # 24 characters, 144 bits


@dataclass(frozen=True)
class ConsultationStats:
    id: int
    case_reference: str
    title: str
    status: str
    closes_at: dt.datetime | None
    audience: int  # invited contacts; for a draft, the contacts its audience would invite if opened now
    sent: int
    started: int
    answered: int
    declined: int
    opted_out: int
    unreachable: int = 0
    failed: int = 0  # messages the outbox gave up on (see `samrad outbox failed`)
    # How the channels switched on here would reach the audience (drafts, when asked; see channel_reach).
    reach: AudienceReach | None = None

    @property
    def response_rate(self) -> float:
        return self.answered / self.audience if self.audience and self.status != "draft" else 0.0


def consultation_stats(
    session: Session, consultation_id: int | None = None, *, channels: Iterable[str] | None = None
) -> list[ConsultationStats]:
    """The figures of one or every consultation, counted from `response_summary` (one definition of a
    response's status). A draft has no invitations yet: its audience is who opening it would invite,
    and with `channels` (those switched on) also how they would be reached."""
    query = (
        select(Consultation, Case)
        .join(Case, col(Case.id) == Consultation.case_id)
        .order_by(col(Consultation.id))
    )
    if consultation_id is not None:
        query = query.where(Consultation.id == consultation_id)
    rows = list(session.exec(query))
    if consultation_id is not None and not rows:
        raise ConsultationError(f"there is no consultation {consultation_id}")
    conn = session.connection()
    stats = []
    for consultation, case in rows:
        assert consultation.id is not None
        summary = response_summary(conn, consultation.id)
        audience, reach = summary.invited, None
        if consultation.status == "draft":
            would_invite = audience_contact_ids(conn, consultation.audience)
            audience = len(would_invite)
            if channels is not None:
                reach = audience_reach(conn, would_invite, channels)
        failed = session.exec(
            select(sa.func.count()).where(
                OutboxMessage.consultation_id == consultation.id, OutboxMessage.status == "failed"
            )
        ).one()
        stats.append(
            ConsultationStats(
                id=consultation.id,
                case_reference=case.reference,
                title=consultation.title,
                status=consultation.status,
                closes_at=consultation.closes_at,
                audience=audience,
                sent=summary.sent,
                started=summary.started,
                answered=summary.count("complete"),
                declined=summary.count("declined"),
                opted_out=summary.count("opted_out"),
                unreachable=summary.count("unreachable"),
                failed=int(failed),
                reach=reach,
            )
        )
    return stats
