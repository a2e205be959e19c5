"""The invitation list an official hands out: per contact, the web link, each chat channel's join link
and the chat code (which joins in any chat channel when sent as a message)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sqlmodel import Session, col, select

from bot.services.consultations import ConsultationError, ensure_invitations, get_consultation
from bot.services.needs import HasClock, SignsLinks
from storage.tables import Business, Contact, Invitation


class InviteNeeds(HasClock, SignsLinks, Protocol):
    """What listing the invitation links reads of the application."""


def invite_rows(
    session: Session, app: InviteNeeds, consultation_id: int, *, join_links: Mapping[str, str | None] | None = None
) -> list[list[str]]:
    """One row per contact; `join_links` maps a column (say "telegram_link") to a link template with
    `{code}` for the chat code, in the order the columns come after the web link; None leaves the
    column empty (the channel cannot make links now)."""
    consultation = get_consultation(session, consultation_id)
    if consultation.status == "draft":
        raise ConsultationError(
            f"consultation {consultation_id} is a draft; open it first (samrad consultation open {consultation_id})"
        )
    if consultation.status == "open":
        ensure_invitations(session, consultation, now=app.clock())  # contacts imported since it opened
    templates = list((join_links or {}).values())
    query = (
        select(Invitation, Contact, Business)
        .join(Contact, col(Contact.id) == Invitation.contact_id)
        .join(Business, col(Business.id) == Contact.business_id)
        .where(Invitation.consultation_id == consultation_id, col(Contact.erased_at).is_(None))
        .order_by(col(Business.name), col(Contact.id))
    )
    rows = []
    for invitation, contact, business in session.exec(query):
        assert contact.id is not None
        rows.append(
            [
                str(contact.id),
                business.org_number,
                business.name,
                contact.name,
                contact.email or "",
                contact.language,
                app.answer_url(contact.id, consultation_id),
                *(template.format(code=invitation.code) if template else "" for template in templates),
                invitation.code,
            ]
        )
    return rows
