"""The channel-neutral messages that flow in and out of the dialogue engine.

Adapters turn platform payloads into `Inbound` events and render `Outbound` messages; the engine never
sees a platform type. Every class is a small frozen dataclass so steps are cheap and comparable in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")

# A stored answer is JSON-native: yes/no -> bool, choice -> option id, multi -> list of option ids,
# scale -> int, number -> int or float, date -> ISO 8601 "YYYY-MM-DD", text -> str.
AnswerValue = bool | int | float | str | list[str]


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Where a dialogue happens: a channel and the platform's address of one chat or person."""

    channel: str
    address: str


# --- inbound -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextIn:
    """Something the person typed."""

    text: str


@dataclass(frozen=True, slots=True)
class ChoiceIn:
    """A complete answer to one named question: a tapped button or a submitted form field.

    `values` holds option ids for choice/multi (multi: every selected id), "yes"/"no" for yes/no, and the
    raw text for the other kinds (a web form posts "4" for a scale, "1 200" for a number). A choice for
    a question that is not the one being asked is stale (an old button) and changes nothing.
    """

    question_id: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ToggleIn:
    """A tap on one option of a multi-choice question whose selection is being built up."""

    question_id: str
    option_id: str


CommandName = Literal[
    "help",  # explain how to answer and which commands exist
    "skip",  # skip the current question (optional questions only)
    "back",  # go back to the previous question
    "change",  # change an earlier answer; argument: question id or its number
    "done",  # confirm the selection built up with ToggleIn
    "submit",  # submit the answers from the summary
    "stop",  # opt out of all messages (asks for confirmation first)
    "decline",  # "this does not affect us": decline the consultation
    "resume",  # re-send what is being asked now (a person coming back, /start without a code)
]
COMMAND_NAMES: tuple[CommandName, ...] = (
    "help",
    "skip",
    "back",
    "change",
    "done",
    "submit",
    "stop",
    "decline",
    "resume",
)


@dataclass(frozen=True, slots=True)
class CommandIn:
    """A command given by button, slash command or form action. Typed command words arrive as TextIn
    and the engine recognises them itself, so every channel understands the same words."""

    name: CommandName
    argument: str = ""


Inbound = TextIn | ChoiceIn | ToggleIn | CommandIn


# --- outbound ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """One option the person can pick; for multi-choice, `selected` shows the selection so far."""

    id: str
    label: str
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """A command offered next to a question, e.g. skip or "this does not affect us"."""

    command: CommandName
    label: str
    argument: str = ""


TextStyle = Literal["plain", "intro", "notice", "error", "summary", "done"]


@dataclass(frozen=True, slots=True)
class TextOut:
    """A plain message. `style` lets a channel set it apart (an error hint in red on the web page)."""

    text: str
    style: TextStyle = "plain"


PromptKind = Literal["yesno", "choice", "multi", "scale", "number", "date", "text", "confirm"]


@dataclass(frozen=True, slots=True)
class QuestionOut:
    """A question waiting for an answer, with everything a channel needs to render it.

    `kind` is the question kind, or "confirm" for the engine's own yes/no prompts (submit the summary,
    confirm stop) whose `question_id` starts with an underscore. `choices` is filled for yesno, choice,
    multi, scale and confirm. `value` is the current answer in its typed form, for pre-filling a form.
    """

    question_id: str
    kind: PromptKind
    text: str
    hint: str
    choices: tuple[Choice, ...] = ()
    actions: tuple[Action, ...] = ()
    position: int = 0  # 1-based number among the questions, 0 for the engine's own prompts
    total: int = 0
    required: bool = True
    value: AnswerValue | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


Outbound = TextOut | QuestionOut


# --- serialisation (outbox rows hold outbound messages as JSON) -----------------------------------


def outbound_to_json(message: Outbound) -> dict[str, object]:
    """A JSON-native dict for one outbound message; `outbound_from_json` reverses it exactly."""
    if isinstance(message, TextOut):
        return {"type": "text", "text": message.text, "style": message.style}
    data: dict[str, object] = {
        "type": "question",
        "question_id": message.question_id,
        "kind": message.kind,
        "text": message.text,
        "hint": message.hint,
        "choices": [[c.id, c.label, c.selected] for c in message.choices],
        "actions": [[a.command, a.label, a.argument] for a in message.actions],
        "position": message.position,
        "total": message.total,
        "required": message.required,
        "value": message.value,
        "min": message.min,
        "max": message.max,
        "max_length": message.max_length,
    }
    return data


def outbound_from_json(data: dict[str, object]) -> Outbound:
    if data["type"] == "text":
        return TextOut(text=str(data["text"]), style=data["style"])  # type: ignore[arg-type]
    choices = tuple(Choice(str(i), str(label), bool(sel)) for i, label, sel in data["choices"])  # type: ignore[attr-defined]
    actions = tuple(Action(cmd, str(label), str(arg)) for cmd, label, arg in data["actions"])  # type: ignore[attr-defined]
    return QuestionOut(
        question_id=str(data["question_id"]),
        kind=data["kind"],  # type: ignore[arg-type]
        text=str(data["text"]),
        hint=str(data["hint"]),
        choices=choices,
        actions=actions,
        position=int(data["position"]),  # type: ignore[call-overload]
        total=int(data["total"]),  # type: ignore[call-overload]
        required=bool(data["required"]),
        value=data["value"],  # type: ignore[arg-type]
        min=data["min"],  # type: ignore[arg-type]
        max=data["max"],  # type: ignore[arg-type]
        max_length=data["max_length"],  # type: ignore[arg-type]
    )
