"""Neutral messages rendered as Adaptive Cards for a Workflows webhook, and the card rules."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from adapters.base import OutgoingMessage
from adapters.teams_cards import (
    BUDGET_BYTES,
    CARD_VERSION,
    MAX_MESSAGE_BYTES,
    card_problems,
    escape_markdown,
    render,
    serialise,
)
from conversations.messages import Choice, Language, QuestionOut, TextOut

LINK = "https://samrad.example/c/abc.DEF_123"
# An unescaped character that would start markdown: emphasis, link, code, HTML.
_ACTIVE = re.compile(r"(?<!\\)[*_\[\]()`<>#]")


def shown(markdown: str) -> str:
    """What a CommonMark renderer shows for text with backslash escapes and no other markdown."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def card_of(payload: dict[str, Any]) -> dict[str, Any]:
    [attachment] = payload["attachments"]
    content: dict[str, Any] = attachment["content"]
    return content


def texts(payload: dict[str, Any]) -> list[str]:
    return [block["text"] for block in card_of(payload)["body"]]


def outgoing(message: TextOut | QuestionOut, language: Language = "sv", **extra: str) -> OutgoingMessage:
    return OutgoingMessage("https://hook.example/x", message, language, extra or None)


@pytest.mark.parametrize(
    "line",
    [
        "*Bold* [x](http://evil)",
        "_kursiv_ och `kod` och <b>fet</b> & \\n",
        "# Rubrik",
        "> citat",
        "- punkt",
        "+ punkt",
        "12. numrerad",
        "1) numrerad",
        "**Mörby** Bageri_AB (Åsa Öberg)",
    ],
)
def test_every_text_shows_literally(line: str) -> None:
    escaped = escape_markdown(line)
    assert shown(escaped) == line
    assert not _ACTIVE.search(escaped)
    assert not re.match(r"^([-+]|\d+\.)", escaped)  # no list marker left at the line's start


def test_an_invitation_card_is_the_documented_envelope_with_the_text_and_an_answer_button() -> None:
    message = TextOut("Hej! *Bold* [x](http://evil) vill veta vad ni tycker.\nSvara senast 15 mars.", "intro")
    payload = render(outgoing(message, web_link=LINK, kind="invitation"))

    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert (card["$schema"], card["type"], card["version"]) == (
        "http://adaptivecards.io/schemas/adaptive-card.json", "AdaptiveCard", CARD_VERSION)
    assert [shown(t) for t in texts(payload)] == [
        "Hej! *Bold* [x](http://evil) vill veta vad ni tycker.", "Svara senast 15 mars."]
    assert card["body"][1]["spacing"] == "None"  # the same paragraph: no gap between its lines
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Svara på samrådet", "url": LINK}]
    assert card_problems(payload) == []


def test_paragraphs_stay_apart_and_leading_spaces_do_not_make_code() -> None:
    payload = render(outgoing(TextOut("Första\n    andra\n\n\ntredje")))
    body = card_of(payload)["body"]
    assert [b["text"] for b in body] == ["Första", "andra", "tredje"]
    assert [b.get("spacing") for b in body] == [None, "None", None]


def test_button_labels_follow_the_message_language_and_the_opt_out_link_gets_one_too() -> None:
    payload = render(outgoing(TextOut("Hello"), "en", web_link=LINK, opt_out_link="https://samrad.example/u/x"))
    assert card_of(payload)["lang"] == "en"
    assert [(a["title"], a["url"]) for a in card_of(payload)["actions"]] == [
        ("Answer the consultation", LINK), ("No more messages", "https://samrad.example/u/x")]


def test_swedish_letters_are_sent_as_utf8_not_escaped() -> None:
    payload = render(outgoing(TextOut("Åsa på Målarvägen äter smörgås")))
    body = serialise(payload)
    assert "Åsa på Målarvägen äter smörgås".encode() in body
    assert b"\\u00" not in body


def test_a_60_kb_intro_is_shortened_under_28_kb_and_keeps_the_link() -> None:
    intro = "Inledning om ombyggnaden av Mörby centrum. " + " ".join(f"ord{n}" for n in range(12_000))
    assert len(intro.encode()) > 60_000
    payload = render(outgoing(TextOut(intro, "intro"), web_link=LINK))

    size = len(serialise(payload))
    assert size <= BUDGET_BYTES < MAX_MESSAGE_BYTES
    assert size > BUDGET_BYTES - 2_000  # as much of the text as fits is kept, not a stub
    first, pointer = texts(payload)
    assert shown(first).startswith("Inledning om ombyggnaden av Mörby centrum. ord0 ord1")
    assert first.endswith("…") and not first.endswith(" …")
    assert re.search(r"ord\d+…$", first)  # cut at a word's end
    assert shown(pointer) == "Texten är förkortad. Läs allt på svarssidan: tryck på knappen nedan."
    assert card_of(payload)["actions"][0]["url"] == LINK
    assert card_problems(payload) == []


def test_a_long_text_without_spaces_or_a_link_is_shortened_too() -> None:
    payload = render(outgoing(TextOut("x" * 40_000), "en"))
    first, pointer = texts(payload)
    assert first.endswith("x…") and shown(pointer) == "The text has been shortened."
    assert "actions" not in card_of(payload)
    assert len(serialise(payload)) <= BUDGET_BYTES


def test_text_whose_escapes_double_its_size_is_measured_after_escaping() -> None:
    payload = render(outgoing(TextOut("*" * 20_000)))  # 20 KB of text, 40 KB escaped
    assert len(serialise(payload)) <= BUDGET_BYTES
    assert shown(texts(payload)[0]).endswith("*…")


def test_a_question_shows_its_options_numbered_and_where_to_answer() -> None:
    question = QuestionOut(
        "when", "choice", "När passar leveranser [bäst]?", "Svara med en siffra.",
        choices=(Choice("morning", "Morgon (06–09)"), Choice("evening", "*Kväll*")), position=2, total=5,
    )
    payload = render(outgoing(question, web_link=LINK))
    body = card_of(payload)["body"]
    assert [shown(b["text"]) for b in body] == [
        "När passar leveranser [bäst]?", "Svara med en siffra.", "1. Morgon (06–09)", "2. *Kväll*",
        "Du svarar på webben: tryck på knappen nedan."]
    assert body[1]["isSubtle"] is True
    assert [b.get("spacing") for b in body[2:4]] == [None, "None"]
    assert card_of(payload)["actions"][0]["url"] == LINK
    assert card_problems(payload) == []


def test_a_question_without_a_link_has_no_button_and_no_pointer_to_one() -> None:
    payload = render(outgoing(QuestionOut("q", "yesno", "Påverkas ni?", "", choices=(Choice("yes", "Ja"),))))
    assert [shown(t) for t in texts(payload)] == ["Påverkas ni?", "1. Ja"]
    assert "actions" not in card_of(payload)


def test_an_error_reads_as_one() -> None:
    payload = render(outgoing(TextOut("Något gick fel.", "error")))
    assert card_of(payload)["body"][0]["color"] == "Attention"


# --- the rules a card is checked against ----------------------------------------------------------


def good() -> dict[str, Any]:
    return render(outgoing(TextOut("Hej"), web_link=LINK))


def test_the_checker_names_each_broken_rule() -> None:
    cases: list[tuple[Any, str]] = []
    for change, problem in [
        (lambda p: p.update(type="AdaptiveCard"), '"type" must be "message"'),
        (lambda p: p.update(attachments=[]), '"attachments" must be a non-empty list'),
        (lambda p: p["attachments"][0].update(contentType="application/json"), "contentType must be"),
        (lambda p: card_of(p).update(version="1.6"), '"version" 1.6 is newer than Teams renders (1.5)'),
        (lambda p: card_of(p).update(version="latest"), "is not a version"),
        (lambda p: card_of(p).update({"$schema": "https://x"}), '"$schema" must be'),
        (lambda p: card_of(p).update(type="HeroCard"), '"type" must be "AdaptiveCard"'),
        (lambda p: card_of(p)["actions"].append({"type": "Action.Submit", "title": "Ja"}),
         "Action.Submit cannot be used"),
        (lambda p: card_of(p)["body"].append(
            {"type": "ActionSet", "actions": [{"type": "Action.Execute", "title": "Ja"}]}),
         "Action.Execute cannot be used"),
        (lambda p: card_of(p)["body"].append({"type": "TextBlock", "text": "x" * MAX_MESSAGE_BYTES}),
         "Teams takes less than 28672"),
    ]:
        payload = copy.deepcopy(good())
        change(payload)
        cases.append((payload, problem))
    for payload, problem in cases:
        problems = card_problems(payload)
        assert any(problem in p for p in problems), (problem, problems)
    assert card_problems(good()) == []
    assert card_problems(["not", "an", "object"]) == ["the body is not a JSON object"]
    assert card_problems(good(), size=MAX_MESSAGE_BYTES) != []  # the size as received counts
