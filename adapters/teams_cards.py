"""Neutral outbound messages as Adaptive Cards for a Teams Workflows webhook (pure: no I/O).

The flow ("When a Teams webhook request is received" → "Post card in a chat or channel") posts the card
it receives, in the envelope Teams documents for webhooks:

    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                         "contentUrl": null, "content": <the card>}]}

What such a card cannot do shapes it: it cannot collect an answer (Action.Submit and Action.Execute need
a bot behind the card; webhooks support Action.OpenUrl, ShowCard and ToggleVisibility), so every card
shows its text and, when the outbox row carries one, a button to the contact's signed web answer page
(`extra["web_link"]`, the key the e-mail channel reads too), and the opt-out link when there is one
(`extra["opt_out_link"]`). A question shows its options numbered, to be answered on that page.

Limits kept here: card version 1.4 (Teams renders up to 1.5), a message under 28 KB (Teams refuses larger
ones; a long text is shortened, ends in "…" and points to the answer page), and every text escaped for
the TextBlock's markdown subset, so a business called `*Bold* [x](http://evil)` reads exactly so.
`card_problems` checks an envelope against these rules; the tests and the fake Workflows endpoint use it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from adapters.base import OutgoingMessage
from conversations.messages import Language, QuestionOut, TextOut
from conversations.phrases import phrase

__all__ = [
    "CARD_VERSION",
    "MAX_MESSAGE_BYTES",
    "card_problems",
    "escape_markdown",
    "render",
    "serialise",
]

CARD_SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
CARD_VERSION: Final = "1.4"  # Teams renders Adaptive Cards up to 1.5; 1.4 has all this card uses
MAX_VERSION: Final = (1, 5)
MAX_MESSAGE_BYTES: Final = 28 * 1024  # Teams refuses a message of about 28 KB or more
# A card is shortened to this, leaving room for what Teams and the flow add around it.
BUDGET_BYTES: Final = 24 * 1024
ELLIPSIS: Final = "…"
_NOT_FOR_WEBHOOKS: Final = frozenset({"Action.Submit", "Action.Execute"})

# Characters that start emphasis, links, code, HTML, a heading, a quote or an escape (escaped wherever
# they are), and those that start a list only at the start of a line ("- ", "+ ", "1. ").
_ANYWHERE = re.compile(r"([\\`*_\[\]()<>#])")
_LINE_START = re.compile(r"^([-+])|^(\d+)(\.)")

JSON = dict[str, Any]


def escape_markdown(line: str) -> str:
    """One line of plain text as TextBlock markdown that shows exactly that text (backslash escapes)."""
    escaped = _ANYWHERE.sub(r"\\\1", line)
    return _LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", escaped)


def serialise(payload: Mapping[str, Any]) -> bytes:
    """The request body: compact UTF-8 JSON (å, ä, ö as two bytes, not a six-byte \\u escape)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def render(outgoing: OutgoingMessage) -> JSON:
    """The webhook envelope holding the card for one outbox row, under BUDGET_BYTES."""
    extra = dict(outgoing.extra or {})
    language = outgoing.language
    message = outgoing.message
    web_link = extra.get("web_link") or None
    opt_out_link = extra.get("opt_out_link") or None

    if isinstance(message, QuestionOut):
        text = message.text
        details = _blocks(message.hint, isSubtle=True) if message.hint else []
        options = [_block(escape_markdown(f"{n}. {choice.label}"), spacing="None")
                   for n, choice in enumerate(message.choices, start=1)]
        if options:
            options[0].pop("spacing")
        if web_link:
            options += _blocks(phrase("teams_answer_on_page", language), isSubtle=True)
        style: dict[str, Any] = {}
    else:
        text, details, options = message.text, [], []
        style = {"color": "Attention"} if isinstance(message, TextOut) and message.style == "error" else {}

    actions = []
    if web_link:
        actions.append(_open_url(phrase("teams_answer_button", language), web_link))
    if opt_out_link:
        actions.append(_open_url(phrase("teams_opt_out_button", language), opt_out_link))

    def envelope(body_text: str, shortened: bool, with_options: bool) -> JSON:
        body = _blocks(body_text, **style) + details + (options if with_options else [])
        if shortened:
            pointer = "teams_shortened" if web_link else "teams_shortened_no_link"
            body += _blocks(phrase(pointer, language), isSubtle=True, weight="Bolder")
        return _envelope(body, actions, language)

    payload = envelope(text, False, True)
    if len(serialise(payload)) <= BUDGET_BYTES:
        return payload
    for with_options in (True, False):
        fits = _longest_fitting(text, functools.partial(envelope, shortened=True, with_options=with_options))
        if fits is not None:
            return fits
    return envelope("", True, False)  # only the pointer and the buttons: nothing else can be left out


def _longest_fitting(text: str, build: Callable[[str], JSON]) -> JSON | None:
    """The envelope from `build(shortened text)` that keeps the most of `text` within the budget
    (binary search over how many characters are kept), or None when not even an empty text fits."""
    low, high, best = 0, len(text), None
    while low <= high:
        keep = (low + high) // 2
        candidate = build(_shortened(text, keep))
        if len(serialise(candidate)) <= BUDGET_BYTES:
            best, low = candidate, keep + 1
        else:
            high = keep - 1
    return best


def _shortened(text: str, keep: int) -> str:
    """The first `keep` characters of `text`, cut back to a word's end, with "…"."""
    if keep <= 0:
        return ELLIPSIS
    cut = text[:keep]
    space = cut.rfind(" ")
    if space > keep * 0.8:  # do not throw away a long stretch to find a space
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _block(text: str, **properties: Any) -> JSON:
    return {"type": "TextBlock", "text": text, "wrap": True, **properties}


def _blocks(text: str, **properties: Any) -> list[JSON]:
    """A TextBlock per line of `text`. Markdown would join single line breaks into one paragraph, so
    each line is a block of its own: close together within a paragraph, apart after a blank line."""
    blocks: list[JSON] = []
    new_paragraph = False
    for raw in text.splitlines():
        line = raw.strip()  # leading spaces would start a code block
        if not line:
            new_paragraph = True
            continue
        block = _block(escape_markdown(line), **properties)
        if blocks and not new_paragraph:
            block["spacing"] = "None"
        blocks.append(block)
        new_paragraph = False
    return blocks


def _open_url(title: str, url: str) -> JSON:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def _envelope(body: list[JSON], actions: list[JSON], language: Language) -> JSON:
    card: JSON = {
        "$schema": CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "lang": language,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


# --- checking a card -----------------------------------------------------------------------------


def card_problems(payload: object, *, size: int | None = None) -> list[str]:
    """What is wrong with a webhook envelope by the rules above (empty: nothing). `size` is the body's
    length in bytes as received; without it, the envelope is serialised to measure it."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    problems: list[str] = []
    if payload.get("type") != "message":
        problems.append('"type" must be "message"')
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return [*problems, '"attachments" must be a non-empty list']
    for index, attachment in enumerate(attachments):
        where = f"attachments[{index}]"
        if not isinstance(attachment, dict):
            problems.append(f"{where} is not an object")
            continue
        if attachment.get("contentType") != CARD_CONTENT_TYPE:
            problems.append(f'{where}.contentType must be "{CARD_CONTENT_TYPE}"')
        card = attachment.get("content")
        if not isinstance(card, dict):
            problems.append(f"{where}.content is not an object")
            continue
        problems += [f"{where}.content: {problem}" for problem in _card_problems(card)]
    measured = size if size is not None else len(serialise(payload))
    if measured >= MAX_MESSAGE_BYTES:
        problems.append(f"the message is {measured} bytes; Teams takes less than {MAX_MESSAGE_BYTES}")
    return problems


def _card_problems(card: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if card.get("type") != "AdaptiveCard":
        problems.append('"type" must be "AdaptiveCard"')
    if card.get("$schema") != CARD_SCHEMA:
        problems.append(f'"$schema" must be "{CARD_SCHEMA}"')
    version = _version(card.get("version"))
    if version is None:
        problems.append(f'"version" {card.get("version")!r} is not a version like "1.4"')
    elif version > MAX_VERSION:
        problems.append(f'"version" {card["version"]} is newer than Teams renders (1.5)')
    if not isinstance(card.get("body", []), list):
        problems.append('"body" must be a list')
    for kind in sorted(_types(card) & _NOT_FOR_WEBHOOKS):
        problems.append(f"{kind} cannot be used in a card posted through a webhook")
    return problems


def _version(value: object) -> tuple[int, int] | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d+\.\d+", value):
        return None
    major, minor = value.split(".")
    return int(major), int(minor)


def _types(node: object) -> set[str]:
    """Every "type" named anywhere in a card: its elements, actions, and those nested in them."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.add(node["type"])
        for value in node.values():
            found |= _types(value)
    elif isinstance(node, list):
        for item in node:
            found |= _types(item)
    return found
