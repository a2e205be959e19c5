"""The console channel: a person answers in a terminal. Rendering only; the loop lives in bot/."""

from __future__ import annotations

from conversations.messages import Inbound, Outbound, QuestionOut, TextIn

__all__ = ["NAME", "Outbound", "parse", "render"]

NAME = "console"


def parse(line: str) -> Inbound:
    """Everything typed is text: the engine understands numbers, option texts and command words."""
    return TextIn(line)


def render(message: Outbound) -> str:
    if not isinstance(message, QuestionOut):
        return message.text
    lines = []
    heading = f"[{message.position}/{message.total}] " if message.position else ""
    lines.append(heading + message.text)
    if message.kind in ("choice", "multi"):
        # Numbered: the engine reads "2" or "1, 3" as the options with those numbers.
        for index, choice in enumerate(message.choices, start=1):
            mark = ("[x] " if choice.selected else "[ ] ") if message.kind == "multi" else ""
            lines.append(f"   {index}. {mark}{choice.label}")
    elif message.choices:
        # Yes/no, confirmations and scales read best on one line; the person types the word or digit.
        lines.append("   " + " · ".join(choice.label for choice in message.choices))
    if message.hint:
        lines.append(f"   ({message.hint})")
    if message.actions:
        lines.append("   » " + " · ".join(action.label for action in message.actions))
    return "\n".join(lines)
