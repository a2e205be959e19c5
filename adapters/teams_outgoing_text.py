"""Text in and out of a Teams outgoing webhook: what a person wrote after @mentioning it, and the reply.

In: Teams sends the message as it shows it, the mention as `<at>Name</at>`, a space after it often as
`&nbsp;`, and characters such as `&` as HTML entities. `typed_text` removes the webhook's own mention
(the first one; a later mention of a colleague keeps the colleague's name), the remaining tags, turns
entities and non-breaking spaces back into text, and trims it: "<at>Samråd</at>&nbsp;1 &amp; 3" is "1 & 3".

Out: a reply to an outgoing webhook may hold no buttons (only openUrl actions work there, and only on
cards), so a question is text: its number and words, its options numbered (the dialogue reads "2", or
the option's words), a line on how to answer, and a link to the person's own web answer page. Teams
shows the reply's text as Markdown; words that come from a questionnaire are escaped so that a `*` or a
`_` in an option shows as itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final

from adapters.base import OutgoingMessage, clean_text
from conversations.messages import QuestionOut, TextOut
from conversations.phrases import phrase

__all__ = ["MAX_REPLY_CHARACTERS", "reply_text", "typed_text"]

# Teams refuses a message over about 28 KB; a reply is a few hundred characters, and a consultation's
# long introduction is cut here rather than lost to a refused reply.
MAX_REPLY_CHARACTERS: Final = 20_000

# Linear on any text: a mention's name and a tag hold no "<", so no match attempt scans past the next one
# (a lazy `.*?` would make "<at><at><at>…" quadratic: seconds for 20 KB).
_MENTION: Final = re.compile(r"<at\b[^<>]*>([^<]*)</at\s*>", re.IGNORECASE)
_LINE_BREAK: Final = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>", re.IGNORECASE)
_TAG: Final = re.compile(r"<[^<>]*>")
_SPACES: Final = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# The characters that change a Markdown text's look mid-sentence (emphasis, code, links); a
# parenthesis is common in Swedish text ("(valfritt)") and shows as itself unescaped.
_MARKDOWN: Final = re.compile(r"([\\`*_\[\]])")


def typed_text(text: str) -> str:
    """What the person typed after the mention, as plain text."""
    without_mention = _MENTION.sub("", text, count=1)
    # Any further mention keeps its name: "<at>Anna</at>" reads "Anna".
    without_mention = _MENTION.sub(lambda match: match.group(1), without_mention)
    plain = _TAG.sub("", _LINE_BREAK.sub("\n", without_mention))
    unescaped = html.unescape(plain)
    lines = (_SPACES.sub(" ", line).strip() for line in unescaped.splitlines())
    return clean_text("\n".join(line for line in lines if line))


def _escaped(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def _question(question: QuestionOut) -> list[str]:
    number = f"_{question.position}/{question.total}_ " if question.position else ""
    first, _, rest = question.text.partition("\n")
    paragraphs = [f"{number}**{_escaped(first)}**"]
    if rest.strip():
        paragraphs.append(_escaped(rest.strip()))
    if question.kind == "scale":
        # A scale's options are its numbers: typed as they are.
        paragraphs.append(" · ".join(_escaped(choice.label) for choice in question.choices))
    elif question.choices:
        lines = []
        for index, choice in enumerate(question.choices, start=1):
            mark = ("☑ " if choice.selected else "☐ ") if question.kind == "multi" else ""
            lines.append(f"{index}. {mark}{_escaped(choice.label)}")
        paragraphs.append("\n".join(lines))
    if question.hint:
        paragraphs.append(f"_{_escaped(question.hint)}_")
    if question.actions:
        paragraphs.append("» " + " · ".join(_escaped(action.label) for action in question.actions))
    return paragraphs


def _text(message: TextOut) -> list[str]:
    if message.style == "intro":
        title, _, rest = message.text.partition("\n\n")
        return [f"**{_escaped(title)}**", _escaped(rest)] if rest.strip() else [f"**{_escaped(title)}**"]
    prefix = "⚠️ " if message.style == "error" else ""
    return [prefix + _escaped(message.text)]


def reply_text(replies: Sequence[OutgoingMessage]) -> str:
    """One Markdown text for the replies to one message, in order; "" for none."""
    if not replies:
        return ""
    paragraphs: list[str] = []
    for reply in replies:
        message = reply.message
        paragraphs += _question(message) if isinstance(message, QuestionOut) else _text(message)
    language = replies[-1].language
    if any(isinstance(reply.message, QuestionOut) for reply in replies):
        paragraphs.append(f"_{phrase('teams_mention_how', language)}_")
    link = next((r.extra["web_link"] for r in reversed(replies) if r.extra and r.extra.get("web_link")), None)
    if link is not None:
        # The link is ours (SAMRAD_PUBLIC_URL plus a signed token): no character in it needs escaping but
        # a closing parenthesis, which it never holds.
        paragraphs.append(f"[{phrase('teams_mention_web', language)}]({link.replace(')', '%29')})")
    text = "\n\n".join(p for p in paragraphs if p)
    return text if len(text) <= MAX_REPLY_CHARACTERS else text[: MAX_REPLY_CHARACTERS - 1] + "…"
