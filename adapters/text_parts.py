"""Which parts of an outbound message are emphasised, the same on every chat platform: the consultation's
title in bold, an error marked, a question's number and hint in italics. Each adapter turns these parts
into its own markup (Telegram's HTML, Slack's mrkdwn) and splits them at its own limits.

A part is (style, text, separator before it).
"""

from __future__ import annotations

from typing import Literal

from conversations.messages import QuestionOut, TextOut

Style = Literal["plain", "bold", "italic"]
Part = tuple[Style, str, str]


def text_parts(message: TextOut) -> list[Part]:
    if message.style == "intro":
        # The consultation's title, then its introduction: the title in bold.
        title, _, rest = message.text.partition("\n\n")
        return [("bold", title, ""), ("plain", rest, "\n\n")]
    if message.style == "error":
        return [("plain", "⚠️ " + message.text, "")]
    return [("plain", message.text, "")]


def question_parts(question: QuestionOut) -> list[Part]:
    parts: list[Part] = []
    if question.position:
        parts.append(("italic", f"{question.position}/{question.total}", ""))
    first, newline, rest = question.text.partition("\n")
    parts.append(("bold", first, "\n"))
    if newline:
        parts.append(("plain", rest, "\n"))
    if question.hint:
        parts.append(("italic", question.hint, "\n"))
    return parts
