"""What a person typed after @mentioning the webhook, and the reply's Markdown text."""

from __future__ import annotations

import time

import pytest

from adapters.base import OutgoingMessage
from adapters.teams_outgoing_text import MAX_REPLY_CHARACTERS, reply_text, typed_text
from conversations.messages import Action, Choice, QuestionOut, TextOut


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("<at>Samråd</at>&nbsp;2", "2"),
        ("<at>Samråd</at> 1 &amp; 3", "1 & 3"),
        ("<AT id=\"0\">Samråd</AT>\u00a0\u00a0Kväll  ", "Kväll"),
        ("Svar: <at>Samråd</at> ja", "Svar: ja"),  # the mention need not come first
        ("<at>Samråd</at> fråga <at>Anna Berg</at>", "fråga Anna Berg"),  # a colleague's name stays
        ("<at>Samråd</at> rad ett<br>rad två<br/>", "rad ett\nrad två"),
        ("<at>Samråd</at> <p>5 &lt; 7</p>", "5 < 7"),
        ("<at>Samråd</at>&nbsp;", ""),
        ("<at>Samråd</at> a\x00b", "a\ufffdb"),
        ("ingen mention alls", "ingen mention alls"),
    ],
)
def test_the_mention_tags_and_entities_go(text: str, typed: str) -> None:
    assert typed_text(text) == typed


@pytest.mark.parametrize("hostile", ["<at>" * 50_000, "<at " * 50_000, "<" * 200_000, "</at" * 50_000])
def test_hostile_markup_takes_linear_time(hostile: str) -> None:
    started = time.perf_counter()
    typed_text(hostile)
    assert time.perf_counter() - started < 1.0


def _question(kind: str, choices: tuple[Choice, ...], **more: object) -> OutgoingMessage:
    return OutgoingMessage("a", QuestionOut("q", kind, "Vad *tycker* du?\nMer text_här.", "Välj en.", choices=choices,  # type: ignore[arg-type]
                                            position=2, total=7, **more))  # type: ignore[arg-type]


def test_a_multi_choice_shows_its_ticks_numbered_and_its_commands() -> None:
    text = reply_text([_question("multi", (Choice("a", "Buller"), Choice("b", "Damm", selected=True)),
                                 actions=(Action("done", "Klar"),))])
    assert text.startswith("_2/7_ **Vad \\*tycker\\* du?**\n\nMer text\\_här.\n\n1. ☐ Buller\n2. ☑ Damm\n\n_Välj en._")
    assert "» Klar" in text and "nämna mig med @" in text
    assert "Svara på webben" not in text  # no link was given


def test_a_scale_shows_its_values_on_one_line() -> None:
    text = reply_text([_question("scale", tuple(Choice(str(n), str(n)) for n in range(1, 6)))])
    assert "1 · 2 · 3 · 4 · 5" in text and "1. 1" not in text


def test_an_english_reply_links_the_answer_page_in_english() -> None:
    replies = [OutgoingMessage("a", TextOut("Thanks!", "done"), "en", {"web_link": "https://x.example/c/t(1)"})]
    text = reply_text(replies)
    assert text == "Thanks!\n\n[Answer on the web instead](https://x.example/c/t(1%29)"


def test_an_intro_has_its_title_in_bold_an_error_its_mark_and_a_long_reply_is_cut() -> None:
    assert reply_text([OutgoingMessage("a", TextOut("Titel\n\nInledning", "intro"))]) == "**Titel**\n\nInledning"
    assert reply_text([OutgoingMessage("a", TextOut("Fel", "error"))]) == "⚠️ Fel"
    long = reply_text([OutgoingMessage("a", TextOut("x" * (MAX_REPLY_CHARACTERS + 50)))])
    assert len(long) == MAX_REPLY_CHARACTERS and long.endswith("…")
    assert reply_text([]) == ""
