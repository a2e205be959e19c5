"""The invitation list an official hands out: per contact, the web link, Telegram deep link and chat code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot.services.consultations import ConsultationError, ensure_invitations, get_consultation
from storage.tables import Business, Contact, Invitation

if TYPE_CHECKING:
    from bot.bootstrap import App


def invite_rows(
    session: Session, app: App, consultation_id: int, *, bot_username: str | None = None
) -> list[list[str]]:
    """`bot_username` (else SAMRAD_TELEGRAM_BOT_USERNAME) makes the t.me links; without one they are empty."""
    consultation = get_consultation(session, consultation_id)
    if consultation.status == "draft":
        raise ConsultationError(
            f"consultation {consultation_id} is a draft; open it first (samrad consultation open {consultation_id})"
        )
    if consultation.status == "open":
        ensure_invitations(session, consultation, now=app.clock())  # contacts imported since it opened
    bot_name = bot_username or app.settings.telegram_bot_username
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
                f"https://t.me/{bot_name}?start={invitation.code}" if bot_name else "",
                invitation.code,
            ]
        )
    return rows
