"""How Samråd's messages look in Slack: Block Kit blocks, and the controls' action ids read back as presses.

Pure functions, no SDK: `adapters/slack.py` posts what these produce, `adapters/slack_events.py` reads the
presses back with `read_action_id`. Every text a person or an official wrote goes into `mrkdwn` escaped
(`&`, `<`, `>` become entities, the only characters Slack parses specially) with `verbatim` set, so no text
can become a mention (`<!channel>`, `<@U123>`, `@here`) or a link. Control labels are `plain_text`, which
Slack never parses.

Block Kit's limits kept here (Slack's reference: section text 3,000 characters; button text 75, value
2,000; option text 75, value 150; action_id and block_id 255; 25 elements in an actions block; 10
checkboxes; 100 options in a static select; 50 blocks a message). A longer text is split between
paragraphs, lines, sentences or words over several sections, and over several messages past 50 blocks.

Each control's `action_id` names the question it belongs to, so a press on an old message is recognised
as stale, and is unique within its message because option ids are unique within a question:

    a:<question>:<value>          answer button: an option id, "yes"/"no", a scale step
    c:<question>:<command>[:arg]  a command offered with the question (done, skip, back, change…)
    m:<question>[:<n>]            the multi-choice selection (checkboxes, or multi-selects past 10
                                  options); Slack keeps the ticks and sends them with the "done" press
    d:<question>                  the date picker of a date question

Question and option ids have at most 40 characters (conversations/question.py), so they always fit; an
option that would not is named by its position (`a:<question>:#2`) and the application resolves it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from adapters.text_parts import Style, question_parts, text_parts
from conversations.messages import (
    COMMAND_NAMES,
    Action,
    ChoiceIn,
    CommandIn,
    Language,
    Outbound,
    QuestionOut,
    TextOut,
)
from conversations.phrases import phrase

Block = dict[str, Any]

MAX_SECTION_TEXT: Final = 3000
MAX_BUTTON_TEXT: Final = 75
MAX_BUTTON_VALUE: Final = 2000
MAX_OPTION_TEXT: Final = 75
MAX_OPTION_VALUE: Final = 150
MAX_ID: Final = 255  # action_id and block_id
MAX_ACTIONS_ELEMENTS: Final = 25
MAX_CHECKBOXES: Final = 10
MAX_SELECT_OPTIONS: Final = 100
MAX_BLOCKS: Final = 50
MAX_PLACEHOLDER: Final = 150
SELECTED_MARK: Final = "✓ "



@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage: the fallback `text` (notifications, screen readers) and the blocks."""

    text: str
    blocks: tuple[Block, ...]


# --- text ----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for mrkdwn: Slack's three control characters as the entities Slack documents."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styled(text: str, style: Style) -> str:
    """Escaped mrkdwn; bold and italic per line (mrkdwn markers do not span a line break)."""
    body = escape(text)
    if style == "plain":
        return body
    mark = "*" if style == "bold" else "_"
    return "\n".join(f"{mark}{line}{mark}" if line.strip() else line for line in body.split("\n"))


# Finer and finer places to break a text that is too long: paragraphs, lines, sentences, words.
_BREAKS: Final = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…:;])\s+"), re.compile(r"\s+"))


def split(text: str, style: Style = "plain", limit: int = MAX_SECTION_TEXT) -> list[str]:
    """`text` as parts whose mrkdwn (escaped and styled) is within `limit` characters, broken at the
    coarsest place that makes each part fit. Breaks drop the whitespace they fall on."""
    return _split(text, style, limit, 0)


def _split(text: str, style: Style, limit: int, level: int) -> list[str]:
    if len(_styled(text, style)) <= limit:
        return [text] if text else []
    if level == len(_BREAKS):  # one unbroken word longer than a section: cut it
        overhead = len(_styled("x", style)) - 1  # the style's markers around a word
        parts: list[str] = []
        start = used = 0
        for index, char in enumerate(text):
            cost = len(escape(char))
            if index > start and overhead + used + cost > limit:
                parts.append(text[start:index])
                start, used = index, 0
            used += cost
        return [*parts, text[start:]]
    out: list[str] = []
    current = ""
    position = 0
    separator = ""
    for match in [*_BREAKS[level].finditer(text), None]:
        part = text[position : match.start() if match else len(text)]
        if part:
            joined = current + separator + part if current else part
            if len(_styled(joined, style)) <= limit:
                current = joined
            else:
                if current:
                    out.append(current)
                pieces = _split(part, style, limit, level + 1)
                out.extend(pieces[:-1])
                current = pieces[-1] if pieces else ""
        if match is not None:
            separator = match.group()
            position = match.end()
    if current:
        out.append(current)
    return out


def _sections(pieces: Sequence[tuple[Style, str, str]]) -> list[str]:
    """Styled pieces `(style, text, separator)` packed into as few section texts as fit."""
    sections: list[str] = []
    for style, text, separator in pieces:
        for index, part in enumerate(split(text, style)):
            shown = _styled(part, style)
            joint = separator if index == 0 else "\n"
            if sections and len(sections[-1]) + len(joint) + len(shown) <= MAX_SECTION_TEXT:
                sections[-1] += joint + shown
            else:
                sections.append(shown)
    return sections


def section(mrkdwn: str, block_id: str) -> Block:
    # verbatim: Slack leaves the text as written (no automatic links, channel names or @mentions).
    return {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": label(text, limit), "emoji": True}


def label(text: str, limit: int = MAX_BUTTON_TEXT) -> str:
    """A control's label on one line within `limit` characters (cut with an ellipsis)."""
    text = " ".join(text.split()) or "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- controls ------------------------------------------------------------------------------------


def _option_value(option_id: str, index: int) -> str:
    """An option's value in a selection (the element's action_id names the question)."""
    return option_id if len(option_id) <= MAX_OPTION_VALUE else f"#{index}"


def _answer_id(question_id: str, option_id: str, index: int) -> str:
    data = f"a:{question_id}:{option_id}"
    return data if len(data) <= MAX_ID else f"a:{question_id}:#{index}"


def _button(text: str, action_id: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "text": _plain(text, MAX_BUTTON_TEXT),
                     "value": action_id}
    if style:
        button["style"] = style
    return button


def _actions(elements: Sequence[Block], block_id: str) -> list[Block]:
    """Actions blocks of at most 25 elements each."""
    return [
        {"type": "actions", "block_id": f"{block_id}:{n}"[:MAX_ID], "elements": list(elements[i : i + MAX_ACTIONS_ELEMENTS])}
        for n, i in enumerate(range(0, len(elements), MAX_ACTIONS_ELEMENTS))
    ]


def _multi(question: QuestionOut, language: Language) -> list[Block]:
    qid = question.question_id
    options = [
        {"text": _plain(c.label, MAX_OPTION_TEXT), "value": _option_value(c.id, i)}
        for i, c in enumerate(question.choices)
    ]
    selected = [option for option, choice in zip(options, question.choices, strict=True) if choice.selected]
    if len(options) <= MAX_CHECKBOXES:
        element: Block = {"type": "checkboxes", "action_id": f"m:{qid}", "options": options}
        if selected:
            element["initial_options"] = selected
        return _actions([element], f"m:{qid}")
    selects: list[Block] = []
    for n, start in enumerate(range(0, len(options), MAX_SELECT_OPTIONS)):
        chunk = options[start : start + MAX_SELECT_OPTIONS]
        select: Block = {
            "type": "multi_static_select",
            "action_id": f"m:{qid}" if n == 0 else f"m:{qid}:{n}",
            "placeholder": _plain(phrase("slack_pick_options", language), MAX_PLACEHOLDER),
            "options": chunk,
        }
        initial = [option for option in chunk if option in selected]
        if initial:
            select["initial_options"] = initial
        selects.append(select)
    return _actions(selects, f"m:{qid}")


def _date(question: QuestionOut, language: Language) -> list[Block]:
    picker: Block = {
        "type": "datepicker",
        "action_id": f"d:{question.question_id}",
        "placeholder": _plain(phrase("slack_pick_date", language), MAX_PLACEHOLDER),
    }
    if isinstance(question.value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", question.value):
        picker["initial_date"] = question.value
    return _actions([picker], f"d:{question.question_id}")


def _command_id(question_id: str, action: Action) -> str:
    return f"c:{question_id}:{action.command}" + (f":{action.argument}" if action.argument else "")


def controls(question: QuestionOut, language: Language) -> list[Block]:
    """The blocks that answer a question: its choices (or selection, or date picker), then its actions.
    Number and text questions are answered by typing a reply: only their actions are buttons."""
    qid = question.question_id
    blocks: list[Block] = []
    if question.kind == "multi":
        blocks.extend(_multi(question, language))
    elif question.kind == "date":
        blocks.extend(_date(question, language))
    elif question.choices:  # yes/no, choice, scale, the engine's confirmations
        buttons = [_button(c.label, _answer_id(qid, c.id, i)) for i, c in enumerate(question.choices)]
        blocks.extend(_actions(buttons, f"a:{qid}"))
    commands = [
        _button(a.label, _command_id(qid, a), "primary" if a.command == "done" else None)
        for a in question.actions
        if len(_command_id(qid, a)) <= MAX_ID  # cannot happen with the engine's ids; never send a bad one
    ]
    blocks.extend(_actions(commands, f"c:{qid}"))
    return blocks


# --- messages ------------------------------------------------------------------------------------


def _messages(sections: Sequence[str], tail: Sequence[Block]) -> list[SlackMessage]:
    """Sections and the controls after them as messages of at most 50 blocks. The controls go in the
    last message, with at least one section of their question's text before them."""
    rest = [section(text, f"t{i}") for i, text in enumerate(sections)]
    parts: list[list[Block]] = []
    while len(rest) + len(tail) > MAX_BLOCKS:
        take = min(MAX_BLOCKS, len(rest) - 1)
        if take <= 0:
            break  # more controls than a message holds: cannot come from the engine (25 per block)
        parts.append(rest[:take])
        rest = rest[take:]
    parts.append(rest + list(tail))
    return [SlackMessage(fallback(part), tuple(part)) for part in parts]


def fallback(blocks: Sequence[Block]) -> str:
    """The message's top-level `text`: its first section (already escaped), shown in notifications."""
    for block in blocks:
        if block.get("type") == "section":
            return str(block["text"]["text"])
    return "…"


def render(message: Outbound, language: Language = "sv") -> list[SlackMessage]:
    """The messages that show `message`; a question's controls go with its last part."""
    if isinstance(message, TextOut):
        return _messages(_sections(text_parts(message)), ())
    return _messages(_sections(question_parts(message)), controls(message, language))


def text_blocks(blocks: Sequence[Block]) -> tuple[Block, ...]:
    """A message's blocks without its controls: what stays when the question is answered or left."""
    return tuple(b for b in blocks if b.get("type") != "actions")


def answered(shown: Sequence[Block], answer: str) -> tuple[Block, ...]:
    """The question's text as shown, then the answer given ("✓ Kväll"), and no controls."""
    kept = text_blocks(shown)
    return (*kept, section(_styled(SELECTED_MARK + label(answer, MAX_SECTION_TEXT // 2), "bold"), "answer"))


# --- reading presses back ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Control:
    """What an action_id names: its kind (a, c, m, d), the question, and the rest."""

    op: Literal["a", "c", "m", "d"]
    question_id: str
    rest: str


def read_action_id(action_id: str) -> Control | None:
    """The control an action_id names; None for anything Samråd did not render."""
    op, _, rest = action_id.partition(":")
    question_id, _, value = rest.partition(":")
    if not question_id:
        return None
    if op == "a" and value:
        return Control("a", question_id, value)
    if op == "c" and value.partition(":")[0] in COMMAND_NAMES:
        return Control("c", question_id, value)
    if op == "m":
        return Control("m", question_id, value)
    if op == "d":
        return Control("d", question_id, value)
    return None


def command(control: Control) -> CommandIn:
    raw, _, argument = control.rest.partition(":")
    name = next(n for n in COMMAND_NAMES if n == raw)  # read_action_id let only these through
    return CommandIn(name, argument)


def answer(control: Control) -> ChoiceIn | int | None:
    """An answer button's choice, or the option's position when it is named by one."""
    if control.rest.startswith("#"):
        index = control.rest[1:]
        return int(index) if index.isdigit() else None
    return ChoiceIn(control.question_id, (control.rest,))
