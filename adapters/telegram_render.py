"""How Samråd's messages look in Telegram: HTML text, inline keyboards and the buttons' callback data.

Pure functions, no SDK: `adapters/telegram.py` sends what these produce and reads presses back with
`read_press`. Everything a person or an official wrote is escaped for HTML (the parse mode used), and a
text longer than Telegram's 4,096 characters is split at a paragraph, else a line, else a sentence.

Callback data (at most 64 bytes, Bot API "InlineKeyboardButton") names the question a button belongs to,
so a press on an old message is recognised as stale:

    a:<question>:<value>          answer: an option id, "yes"/"no", a scale step
    t:<question>:<option>         toggle one option of a multi-choice question
    c:<question>:<command>[:arg]  a command offered with the question (done, skip, back, change…)
    x                             the inert button that replaces an answered keyboard

Question ids have at most 40 characters and so do option ids; when both do not fit, the option is
named by its position instead (`a:<question>:#2`) and the application resolves it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from adapters.base import Press
from adapters.text_parts import Style, question_parts, text_parts
from conversations.messages import (
    COMMAND_NAMES,
    ChoiceIn,
    CommandIn,
    Outbound,
    QuestionOut,
    TextOut,
    ToggleIn,
)

PARSE_MODE: Final = "HTML"
MAX_TEXT_LENGTH: Final = 4096  # sendMessage: 1-4096 characters after entities parsing
MAX_CALLBACK_DATA: Final = 64  # bytes
MAX_LABEL_LENGTH: Final = 64  # longer button labels are cut on phones anyway
INERT_DATA: Final = "x"
SELECTED_MARK: Final = "✓ "



@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Telegram message: HTML text and, on the last part of a question, its keyboard."""

    html: str
    keyboard: Keyboard | None = None


# --- text ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for parse_mode HTML: <, > and & become entities; nothing else is special."""
    return html.escape(text, quote=False)


def text_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Piece:
    style: Style
    text: str
    separator: str  # what joins it to the piece before it in the same message


# Finer and finer places to break a piece that is too long on its own: paragraphs, lines, sentences,
# words. Each pattern matches the separator, which is dropped when the break falls there.
_BREAKS: Final = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…:;])\s+"), re.compile(r"\s+"))


def _pieces(blocks: Sequence[tuple[Style, str, str]], limit: int) -> Iterator[_Piece]:
    for style, text, separator in blocks:
        if text:
            yield from _break(_Piece(style, text, separator), limit, 0)


def _break(piece: _Piece, limit: int, level: int) -> Iterator[_Piece]:
    if text_length(piece.text) <= limit:
        yield piece
        return
    if level == len(_BREAKS):  # one unbroken word longer than a message: cut it
        text, separator = piece.text, piece.separator
        while text:
            cut = _prefix_within(text, limit)
            yield _Piece(piece.style, text[:cut], separator)
            text, separator = text[cut:], ""
        return
    separator = piece.separator
    position = 0
    for match in _BREAKS[level].finditer(piece.text):
        part = piece.text[position : match.start()]
        if part:
            yield from _break(_Piece(piece.style, part, separator), limit, level + 1)
            separator = match.group()
        position = match.end()
    rest = piece.text[position:]
    if rest:
        yield from _break(_Piece(piece.style, rest, separator), limit, level + 1)


def _prefix_within(text: str, limit: int) -> int:
    """The longest prefix of `text` within `limit` UTF-16 units (never splitting a character)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return max(index, 1)
    return len(text)


def _wrap(piece: _Piece) -> str:
    body = escape(piece.text)
    if piece.style == "bold":
        return f"<b>{body}</b>"
    if piece.style == "italic":
        return f"<i>{body}</i>"
    return body


def split_blocks(blocks: Sequence[tuple[Style, str, str]], limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Styled blocks `(style, text, separator)` as the HTML of one or more messages, each within
    `limit` characters of visible text. A break falls between blocks or paragraphs when it can, and
    inside a paragraph only when the paragraph alone is too long."""
    messages: list[list[_Piece]] = []
    used = 0
    for piece in _pieces(blocks, limit):
        cost = text_length(piece.text)
        if messages and used + text_length(piece.separator) + cost <= limit:
            messages[-1].append(piece)
            used += text_length(piece.separator) + cost
        else:
            messages.append([piece])
            used = cost
    return ["".join((p.separator if i else "") + _wrap(p) for i, p in enumerate(parts)) for parts in messages]


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Plain text as escaped HTML messages within the limit."""
    return split_blocks([("plain", text, "")], limit)


def render(message: Outbound) -> list[Rendered]:
    """The messages that show `message`; a question's keyboard goes with its last part."""
    if isinstance(message, TextOut):
        return [Rendered(part) for part in split_blocks(text_parts(message))]
    parts = split_blocks(question_parts(message))
    buttons = keyboard(message)
    return [Rendered(part, buttons if index == len(parts) - 1 and buttons else None)
            for index, part in enumerate(parts)]


# --- keyboards and callback data ------------------------------------------------------------------


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL_LENGTH else text[: MAX_LABEL_LENGTH - 1] + "…"


def _fits(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_DATA


def _option_data(op: str, question_id: str, option_id: str, index: int) -> str:
    data = f"{op}:{question_id}:{option_id}"
    return data if _fits(data) else f"{op}:{question_id}:#{index}"


def _rows(buttons: Sequence[Button], width: int) -> list[tuple[Button, ...]]:
    if not buttons:
        return []
    count = -(-len(buttons) // width)  # rows needed
    size = -(-len(buttons) // count)  # balanced: 11 steps make rows of 6 and 5, not 7 and 4
    return [tuple(buttons[i : i + size]) for i in range(0, len(buttons), size)]


def keyboard(question: QuestionOut) -> Keyboard:
    """The inline keyboard for a question: its choices, then its actions."""
    qid = question.question_id
    rows: list[tuple[Button, ...]] = []
    choices = question.choices
    if question.kind == "multi":
        rows.extend(
            (Button(_label((SELECTED_MARK if c.selected else "") + c.label), _option_data("t", qid, c.id, i)),)
            for i, c in enumerate(choices)
        )
    elif question.kind == "choice":
        rows.extend((Button(_label(c.label), _option_data("a", qid, c.id, i)),) for i, c in enumerate(choices))
    elif choices:  # yes/no, a scale, the engine's confirmations: short labels side by side
        buttons = [Button(_label(c.label), _option_data("a", qid, c.id, i)) for i, c in enumerate(choices)]
        rows.extend(_rows(buttons, 6 if question.kind == "scale" else 2))
    done: list[Button] = []
    changes: list[Button] = []
    others: list[Button] = []
    for action in question.actions:
        data = f"c:{qid}:{action.command}" + (f":{action.argument}" if action.argument else "")
        if not _fits(data):
            continue  # cannot happen with the engine's ids (see the module docstring); never send a bad button
        button = Button(_label(action.label), data)
        (done if action.command == "done" else changes if action.command == "change" else others).append(button)
    rows.extend(_rows(done, 1))
    rows.extend(_rows(changes, 4))
    rows.extend(_rows(others, 2))
    return tuple(rows)


def answered(label: str) -> Keyboard:
    """What replaces a keyboard once its question is answered: the answer, on a button that does nothing."""
    return ((Button(_label(SELECTED_MARK + label), INERT_DATA),),)


def answered_label(pressed: Button, keyboard: Keyboard | None) -> str:
    """What the person chose with `pressed`: its label, or for "done" the options ticked so far."""
    if pressed.data.startswith("c:") and pressed.data.endswith(":done") and keyboard:
        ticked = [b.text.removeprefix(SELECTED_MARK) for row in keyboard for b in row
                  if b.data.startswith("t:") and b.text.startswith(SELECTED_MARK)]
        if ticked:
            return ", ".join(ticked)
    return pressed.text.removeprefix(SELECTED_MARK)


def read_press(data: str) -> Press | None:
    """The press that callback data describes; None for the inert button and for anything unknown."""
    op, _, rest = data.partition(":")
    question_id, _, value = rest.partition(":")
    if op not in ("a", "t", "c") or not question_id or not value:
        return None
    if op == "c":
        name, _, argument = value.partition(":")
        if name not in COMMAND_NAMES:
            return None
        return Press(question_id, CommandIn(name, argument))
    toggle = op == "t"
    if value.startswith("#"):
        index = value[1:]
        # ASCII digits only, and few: str.isdigit() also takes "²", which int() refuses.
        valid = 0 < len(index) <= 4 and index.isascii() and index.isdigit()
        return Press(question_id, None, int(index), toggle) if valid else None
    return Press(question_id, ToggleIn(question_id, value) if toggle else ChoiceIn(question_id, (value,)),
                 toggle=toggle)
