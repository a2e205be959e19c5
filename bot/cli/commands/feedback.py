"""`samrad consultation feedback`: preview the feedback to participants, and with --publish send it."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import App
from bot.cli.context import open_app, read_text
from bot.cli.errors import UserFacingError
from bot.services import feedback
from conversations.messages import Language

LANGUAGE_NAMES: dict[Language, str] = {"sv": "Swedish", "en": "English"}


def consultation_feedback(
    consultation_id: int, *, file: Path | None, file_en: Path | None, publish: bool
) -> list[str]:
    """The lines to print: what goes to whom, counts per channel, the texts; after --publish, what was sent."""
    app = open_app()
    try:
        with app.engine.connect() as conn:
            stored = feedback.load(conn, consultation_id)
        if file is not None:
            text = feedback.check_text(read_text(file), read_text(file_en) if file_en is not None else None)
        elif file_en is not None:
            raise UserFacingError("--file-en needs --file (the Swedish text)")
        elif stored is not None:
            text = stored.text
        else:
            raise UserFacingError(f"consultation {consultation_id} has no feedback yet: give its text with --file")
        if stored is not None and stored.published and file is not None and text != stored.text:
            raise UserFacingError(
                f"the feedback for consultation {consultation_id} is published and can no longer be changed"
            )
        who = feedback.plan_for(app, consultation_id, text)
        lines = _preview_lines(app, consultation_id, text, who)
        if not publish:
            return [*lines, "nothing sent: run again with --publish to send it"]
        if stored is None or not stored.published:
            with app.engine.begin() as conn:
                feedback.save(conn, consultation_id, text, actor="cli", now=app.clock())
        report = feedback.publish_for(app, consultation_id, actor="cli")
    except feedback.FeedbackError as error:
        raise UserFacingError(str(error)) from None
    if report.already_published:
        return [*lines, f"the feedback for consultation {consultation_id} was already published: nothing more sent"]
    web = report.plan.per_channel().get(feedback.WEB, 0)
    return [*lines, f"published: {report.queued} messages queued; {web} shown on the web answer page"]


def _preview_lines(app: App, consultation_id: int, text: feedback.FeedbackText, who: feedback.Plan) -> list[str]:
    with app.engine.connect() as conn:
        titles = feedback.titles_of(conn, consultation_id)
    lines = [f"feedback for consultation {consultation_id} goes to {len(who.recipients)} participants"]
    for channel, n in who.per_channel().items():
        where = " (shown on their web answer page)" if channel == feedback.WEB else ""
        lines.append(f"  {channel}: {n}{where}")
    left = who.left_out
    lines.append(
        f"not sent to: {left['opted_out']} opted out, {left['erased']} erased, {left['unreachable']} unreachable"
    )
    per_language = who.per_language()
    for language in ("sv", "en"):
        lines.append(f"--- in {LANGUAGE_NAMES[language]} ({per_language.get(language, 0)} participants) ---")
        lines.append(f"Subject: {feedback.subject(titles, language)}")
        lines.append(feedback.message(titles, text, language).text)
    lines.append("--- to whom ---")
    lines.extend(
        f"  contact {recipient.contact_id}: {recipient.channel}, {LANGUAGE_NAMES[recipient.language]}"
        for recipient in who.recipients
    )
    return lines
