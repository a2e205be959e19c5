"""Cases and consultations: create from a file or a template, open, close, audience, statistics."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from bot.services.audit import record
from conversations.consultation_file import ConsultationFile
from storage.tables import Business, Case, Consultation, Contact, Dialogue, Invitation


class ConsultationError(ValueError):
    """A request an official made that cannot be carried out; the message says why."""


def create_consultation(
    session: Session, file: ConsultationFile, *, now: dt.datetime, actor: str
) -> Consultation:
    """Create the case (or reuse it by its diarienummer) and a draft consultation from a checked file."""
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
    consultation = Consultation(
        case_id=case.id,
        title=details.title.get("sv"),
        status="draft",
        spec=file.model_dump(mode="json"),
        audience=details.audience.model_dump(mode="json"),
        reminders=[_iso_duration(r) for r in details.reminders],
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


def audience_contacts(session: Session, audience: dict[str, Any]) -> list[Contact]:
    """Contacts of the businesses the audience names (not erased).

    A business is in the audience when it matches every criterion given among areas, industries (SNI
    prefixes) and tags — within one criterion any listed value will do — or when its organisation number
    is listed explicitly. `all: true` takes every business.
    """
    businesses = list(session.exec(select(Business)))
    areas = {a.casefold() for a in audience.get("areas") or []}
    industries = [str(i).replace(".", "") for i in audience.get("industries") or []]
    tags = {t.casefold() for t in audience.get("tags") or []}
    org_numbers = set(audience.get("org_numbers") or [])
    has_criteria = bool(areas or industries or tags)

    def matches(business: Business) -> bool:
        if audience.get("all"):
            return True
        if business.org_number in org_numbers:
            return True
        if not has_criteria:
            return False
        business_tags = {t.casefold() for t in business.tags.split(";") if t}
        return (
            (not areas or business.area.casefold() in areas)
            and (not industries or any(business.industry.startswith(p) for p in industries))
            and (not tags or bool(business_tags & tags))
        )

    chosen = {b.id for b in businesses if matches(b)}
    contacts = session.exec(
        select(Contact)
        .where(col(Contact.business_id).in_(chosen), col(Contact.erased_at).is_(None))
        .order_by(col(Contact.id))
    )
    return list(contacts)


def ensure_invitations(session: Session, consultation: Consultation, *, now: dt.datetime) -> int:
    """One invitation (with its chat code) per contact in the audience; idempotent. Returns the total."""
    assert consultation.id is not None
    existing = {
        invitation.contact_id
        for invitation in session.exec(
            select(Invitation).where(Invitation.consultation_id == consultation.id)
        )
    }
    for contact in audience_contacts(session, consultation.audience):
        assert contact.id is not None
        if contact.id not in existing:
            session.add(
                Invitation(
                    consultation_id=consultation.id,
                    contact_id=contact.id,
                    code=new_invitation_code(),
                    created_at=now,
                )
            )
            existing.add(contact.id)
    session.flush()
    return len(existing)


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
    audience: int
    sent: int
    started: int
    answered: int
    declined: int
    opted_out: int

    @property
    def response_rate(self) -> float:
        return self.answered / self.audience if self.audience else 0.0


def consultation_stats(session: Session, consultation_id: int | None = None) -> list[ConsultationStats]:
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
    stats = []
    for consultation, case in rows:
        invitations = list(
            session.exec(select(Invitation).where(Invitation.consultation_id == consultation.id))
        )
        statuses = Counter(
            session.exec(select(Dialogue.status).where(Dialogue.consultation_id == consultation.id))
        )
        assert consultation.id is not None
        stats.append(
            ConsultationStats(
                id=consultation.id,
                case_reference=case.reference,
                title=consultation.title,
                status=consultation.status,
                closes_at=consultation.closes_at,
                audience=len(invitations),
                sent=sum(1 for i in invitations if i.invited_at is not None),
                started=sum(statuses.values()),
                answered=statuses["complete"],
                declined=statuses["declined"],
                opted_out=statuses["opted_out"],
            )
        )
    return stats


def _iso_duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "") if seconds else "PT0S"
