"""What the board report and the XLSX export take from the officials' review work: the accepted themes
of the free-text answers (with quotes without names) and the municipality's published response."""

from __future__ import annotations

from sqlmodel import Session

from bot.services import feedback, themes
from bot.services.results import ThemeRow
from conversations.messages import Language


def theme_rows(session: Session, consultation_id: int) -> list[ThemeRow]:
    """The accepted themes, most answers first; quotes never from an answer marked personal or secret."""
    return [
        ThemeRow(summary.name, summary.answers, summary.quotes)
        for summary in themes.theme_summary(session, consultation_id)
    ]


def published_response(session: Session, consultation_id: int, language: Language) -> str:
    """The feedback ("ni sa, vi gjorde") once published, in `language` (Swedish when there is no English);
    "" before: a draft is not the municipality's answer yet."""
    stored = feedback.published(session.connection(), consultation_id)
    return stored.text.text(stored.text.language_for(language)) if stored is not None else ""
