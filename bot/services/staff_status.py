"""An official asks for a consultation's figures from a chat (`/samrad status 12` in Slack).

Only a person whose identity on the channel is linked to an officials' account (`samrad user
link-<channel>`; the account's column is named by the channel registry) gets the figures; anyone else
gets a polite refusal that points a business owner to their code. The figures are counts, no personal
data: every role may see them, as on the officials' pages.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.services.consultations import ConsultationError, consultation_stats
from bot.services.outreach import consultation_text
from conversations.messages import Language
from conversations.phrases import phrase
from storage.tables import User


def linked_official(session: Session, link_column: str | None, address: str) -> User | None:
    """The officials' account linked to `address` through the users column `link_column`, if any."""
    if link_column is None or not address:
        return None
    column = getattr(User, link_column, None)
    if column is None:
        return None
    return session.exec(select(User).where(col(column) == address)).first()


def status_answer(engine: Engine, *, link_column: str | None, address: str, asked: str, language: Language) -> str:
    """The answer to `asked` (what followed the status command) from the person at `address`."""
    with Session(engine) as session:
        if linked_official(session, link_column, address) is None:
            return phrase("staff_status_refused", language)
        number = asked.strip().lstrip("#")
        if not number.isdigit() or len(number) > 9:
            return phrase("staff_status_usage", language)
        try:
            stats = consultation_stats(session, int(number))[0]
        except ConsultationError:
            return phrase("staff_status_unknown", language, id=int(number))
        title = consultation_text(session.connection(), stats.id, stats.title).title(language)
    return phrase(
        "staff_status",
        language,
        id=stats.id,
        title=title,
        status=phrase(f"staff_status_{stats.status}", language),
        audience=stats.audience,
        sent=stats.sent,
        started=stats.started,
        answered=stats.answered,
        rate=round(stats.response_rate * 100),
        declined=stats.declined,
        opted_out=stats.opted_out,
    )
