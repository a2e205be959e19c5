"""A contact's personal data: `samrad contact erase`, `export` and `revoke-links`."""

from __future__ import annotations

from bot.cli.context import open_app, service_errors
from bot.services import access, contacts, links
from storage.db import deferred


def contact_erase(contact_id: int) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        contacts.erase_contact(session, contact_id, now=app.clock(), actor="cli")
        session.commit()
    return f"erased the personal data of contact {contact_id}; their answers are kept without it"


def contact_export(contact_id: int) -> str:
    """Everything stored about one contact, as JSON (right of access, GDPR art. 15)."""
    app = open_app()
    with service_errors(), deferred(app.engine).connect() as conn:
        return access.as_json(access.contact_data(conn, contact_id))


def contact_revoke_links(contact_id: int) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        consultations_count = links.revoke_links(session, contact_id, now=app.clock(), actor="cli")
        session.commit()
    return (
        f"revoked the links of contact {contact_id}: their answer and opt-out links made until now no longer "
        f"work, and their chat codes for {consultations_count} consultation(s) were replaced; "
        "new invitations and reminders carry new links (samrad consultation invites ID lists them)"
    )
