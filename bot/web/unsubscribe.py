"""`/u/{token}`: the one-click opt-out link of every e-mail (footer and List-Unsubscribe header).

GET shows a page with one button and changes nothing: mail scanners and link previews fetch links, and
must not opt anyone out. POST opts the contact out of everything (every channel, including messages
already queued), whether it comes from that button or from a mail program's one-click unsubscribe
(RFC 8058: a POST with the body `List-Unsubscribe=One-Click`, without cookies, so none are needed).
Writing to the bot again ("fortsätt") opts in again. Opt-out links never expire (an old e-mail must
still work) but can be revoked (`samrad contact revoke-links ID`); POSTs are rate-limited per client
address; the POST's body is never read (its size is capped anyway, bot/web/body_limit.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from bot.bootstrap import App
from bot.links import read_opt_out_token
from bot.services.dialogues import load_contact, opt_out
from bot.services.links import links_revoked
from bot.web.rate_limits import client_address, page_wait, rate_limits
from conversations.messages import Language
from conversations.phrases import phrase
from storage.db import deferred

router = APIRouter()

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>{{ title }} – {{ municipality }}</title>
<link rel="stylesheet" href="/static/samrad.css">
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>{{ text }}</p>
{% if button %}
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{{ button }}</button>
</form>
{% endif %}
</main>
</body>
</html>
"""
)


def _app(request: Request) -> App:
    app: App = request.app.state.app
    return app


def _page(app: App, language: Language, text: str, *, button: str | None, status: int = 200) -> HTMLResponse:
    body = _PAGE.render(
        lang=language,
        title=phrase("unsubscribe_title", language),
        municipality=app.settings.municipality,
        text=text,
        button=button,
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _invalid_text(app: App) -> str:
    """A link that does not work, and how to reach the municipality instead (when the setting says)."""
    language, contact = app.settings.language, app.settings.municipality_contact
    if contact:
        return phrase("unsubscribe_invalid_contact", language, contact=contact)
    return phrase("unsubscribe_invalid", language)


def _contact(app: App, token: str) -> tuple[int, Language] | None:
    link = read_opt_out_token(app.secret_key, token)
    if link is None:
        return None
    with deferred(app.engine).connect() as conn:  # a read: never waits for SQLite's write lock
        contact = load_contact(conn, link.contact_id)
        if contact is None or contact.erased or links_revoked(conn, link.contact_id, link.issued_at):
            return None
    return contact.id, contact.language


@router.get("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
def confirm(request: Request, token: str) -> HTMLResponse:
    app = _app(request)
    found = _contact(app, token)
    if found is None:
        return _page(app, app.settings.language, _invalid_text(app), button=None, status=404)
    _, language = found
    question = phrase("unsubscribe_question", language, municipality=app.settings.municipality)
    return _page(app, language, question, button=phrase("unsubscribe_button", language))


@router.post("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe(request: Request, token: str) -> Response:
    app = _app(request)
    too_many = page_wait(request, (rate_limits(request).opt_out_per_client, f"opt-out:{client_address(request)}"))
    if too_many is not None:
        return too_many
    found = _contact(app, token)
    if found is None:
        return _page(app, app.settings.language, _invalid_text(app), button=None, status=404)
    contact_id, language = found
    with app.engine.begin() as conn:
        opt_out(conn, contact_id, now=app.clock())
    return _page(app, language, phrase("unsubscribe_done", language, municipality=app.settings.municipality),
                 button=None)
