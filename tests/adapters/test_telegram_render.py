"""How questions and texts look in Telegram: HTML that Telegram parses, keyboards per question kind,
callback data within 64 bytes that reads back to the same answer, and long texts split where a reader
would break them."""

from __future__ import annotations

import pytest

from adapters.telegram_render import (
    MAX_TEXT_LENGTH,
    Button,
    answered,
    answered_label,
    escape,
    keyboard,
    read_press,
    render,
    split_blocks,
    split_text,
    text_length,
)
from conversations.messages import Action, Choice, ChoiceIn, CommandIn, QuestionOut, TextOut, ToggleIn
from tests.fakes.telegram_api import ApiError, parse_html

LONGEST_ID = "q" + "x" * 39  # question ids: a letter, then up to 39 more
LONGEST_OPTION = "o" * 40


def question(kind: str = "yesno", qid: str = "affected", **fields: object) -> QuestionOut:
    choices = {
        "yesno": (Choice("yes", "Ja"), Choice("no", "Nej")),
        "scale": tuple(Choice(str(n), str(n)) for n in range(1, 6)),
        "choice": (Choice("morning", "Morgon"), Choice("evening", "Kväll")),
        "multi": (Choice("deliveries", "Leveranser", True), Choice("parking", "Parkering")),
        "confirm": (Choice("yes", "Ja, skicka in"), Choice("no", "Inte än")),
    }.get(kind, ())
    values: dict[str, object] = {"question_id": qid, "kind": kind, "text": "Påverkas ni?", "hint": "Svara ja eller nej.",
                                 "choices": choices, "position": 1, "total": 7, **fields}
    return QuestionOut(**values)  # type: ignore[arg-type]


def visible(html: str) -> str:
    return parse_html(html)  # what Telegram shows; raises like Telegram on bad HTML


def test_texts_from_officials_and_people_are_escaped_for_html() -> None:
    assert escape("<b>5 & 6</b> > 4") == "&lt;b&gt;5 &amp; 6&lt;/b&gt; &gt; 4"
    (part,) = render(TextOut("Svar: <script>alert(1)</script> & mer", "summary"))
    assert visible(part.html) == "Svar: <script>alert(1)</script> & mer"
    with pytest.raises(ApiError, match="can't parse entities"):
        visible("Svar: <script>")  # what would happen without escaping


def test_a_question_shows_its_number_text_and_hint() -> None:
    (part,) = render(question(text="Påverkas <ert> företag?\nTänk på hela 2026.", position=2, total=7))
    assert part.html == ("<i>2/7</i>\n<b>Påverkas &lt;ert&gt; företag?</b>\nTänk på hela 2026.\n"
                         "<i>Svara ja eller nej.</i>")
    assert visible(part.html) == "2/7\nPåverkas <ert> företag?\nTänk på hela 2026.\nSvara ja eller nej."


def test_the_intro_shows_the_title_in_bold_and_an_error_stands_out() -> None:
    (intro,) = render(TextOut("Trafiken i Mörby\n\nKommunen bygger om.", "intro"))
    assert intro.html == "<b>Trafiken i Mörby</b>\n\nKommunen bygger om."
    (error,) = render(TextOut("Svara ja eller nej.", "error"))
    assert visible(error.html) == "⚠️ Svara ja eller nej."


def test_keyboards_for_each_kind_of_question() -> None:
    yes_no = keyboard(question("yesno", actions=(Action("decline", "Berör oss inte"),)))
    assert [[b.text for b in row] for row in yes_no] == [["Ja", "Nej"], ["Berör oss inte"]]
    assert [b.data for b in yes_no[0]] == ["a:affected:yes", "a:affected:no"]
    assert yes_no[1][0].data == "c:affected:decline"

    scale = keyboard(question("scale", qid="impact", choices=tuple(Choice(str(n), str(n)) for n in range(11))))
    assert [len(row) for row in scale] == [6, 5]  # 0–10 in two balanced rows

    choice = keyboard(question("choice", qid="best_time"))
    assert [[b.text for b in row] for row in choice] == [["Morgon"], ["Kväll"]]  # one option a row

    multi = keyboard(question("multi", qid="concerns", actions=(Action("done", "Klar"), Action("back", "Tillbaka"),
                                                              Action("decline", "Berör oss inte"))))
    assert [[b.text for b in row] for row in multi] == [
        ["✓ Leveranser"], ["Parkering"], ["Klar"], ["Tillbaka", "Berör oss inte"]]
    assert multi[0][0].data == "t:concerns:deliveries" and multi[2][0].data == "c:concerns:done"

    summary = keyboard(question("confirm", qid="_submit", actions=tuple(
        Action("change", f"Ändra {n}", f"q{n}") for n in range(1, 7))))
    assert [b.text for b in summary[0]] == ["Ja, skicka in", "Inte än"]
    assert [len(row) for row in summary[1:]] == [3, 3]
    assert summary[1][0].data == "c:_submit:change:q1"

    assert keyboard(question("number", qid="staff")) == ()  # typed: no buttons, unless it has actions


def test_callback_data_fits_64_bytes_even_with_the_longest_ids_and_reads_back() -> None:
    options = (Choice(LONGEST_OPTION, "Ett"), Choice("o" * 39 + "p", "Två"))
    for kind in ("choice", "multi"):
        buttons = keyboard(question(kind, qid=LONGEST_ID, choices=options,
                                    actions=(Action("done", "Klar"), Action("skip", "Hoppa över"))))
        for row in buttons:
            for button in row:
                assert len(button.data.encode()) <= 64, button.data
    summary = keyboard(question("confirm", qid="_submit", actions=(Action("change", "Ändra 1", LONGEST_ID),)))
    assert read_press(summary[1][0].data) == read_press(f"c:_submit:change:{LONGEST_ID}")

    # Named by position when the ids do not fit; the application resolves the position.
    press = read_press(keyboard(question("multi", qid=LONGEST_ID, choices=options))[1][0].data)
    assert press is not None and press.inbound is None and press.option_index == 1
    assert press.resolve([o.id for o in options]) == ToggleIn(LONGEST_ID, "o" * 39 + "p")
    assert press.resolve(["only-one"]) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("a:affected:yes", ChoiceIn("affected", ("yes",))),
        ("a:impact:4", ChoiceIn("impact", ("4",))),
        ("t:concerns:parking", ToggleIn("concerns", "parking")),
        ("c:concerns:done", CommandIn("done")),
        ("c:_submit:change:staff", CommandIn("change", "staff")),
        ("a:_submit:yes", ChoiceIn("_submit", ("yes",))),
    ],
)
def test_presses_read_back_as_the_dialogue_s_inbound_events(data: str, expected: object) -> None:
    press = read_press(data)
    assert press is not None and press.inbound == expected


@pytest.mark.parametrize(
    "data", ["x", "", "a:", "a:q", "z:q:v", "c:q:launch", "a:q:#x", "::", "a:best_time:#²", "t:q:#",
             "a:q:#" + "9" * 5_000, "a:q:#-1"],
)
def test_the_inert_button_and_unknown_data_are_no_press(data: str) -> None:
    assert read_press(data) is None


def test_an_answered_keyboard_shows_the_answer_on_one_inert_button() -> None:
    assert answered("Kväll") == ((Button("✓ Kväll", "x"),),)
    ticked = ((Button("✓ Leveranser", "t:c:d"),), (Button("Parkering", "t:c:p"),), (Button("✓ Skyltning", "t:c:s"),),
              (Button("Klar", "c:c:done"),))
    assert answered_label(Button("Klar", "c:c:done"), ticked) == "Leveranser, Skyltning"
    assert answered_label(Button("Ja", "a:q:yes"), None) == "Ja"


# --- splitting ------------------------------------------------------------------------------------


def test_a_long_text_is_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Stycke {n}. " + " ".join(["Ord"] * 300) for n in range(12)]  # 1,210 characters each
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert len(parts) == 4
    for part in parts:
        assert text_length(visible(part)) <= MAX_TEXT_LENGTH
        assert visible(part).startswith("Stycke ") and visible(part).endswith("Ord")
    assert "\n\n".join(visible(p) for p in parts) == text  # nothing lost, breaks only between paragraphs


def test_a_paragraph_longer_than_a_message_is_split_between_sentences() -> None:
    sentence = "Kommunen bygger om torget och vill höra vad ni tycker om tiderna. "
    text = sentence * 100  # one paragraph of about 6,700 characters
    parts = [visible(p) for p in split_text(text)]
    assert len(parts) == 2 and all(text_length(p) <= MAX_TEXT_LENGTH for p in parts)
    assert parts[0].endswith("tiderna.") and parts[1].startswith("Kommunen")


def test_text_without_any_break_is_cut_and_emoji_count_twice() -> None:
    parts = split_text("😀" * 3000)  # 6,000 UTF-16 units
    assert [text_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == "😀" * 3000


def test_escaping_never_pushes_a_part_over_the_limit() -> None:
    parts = split_blocks([("plain", "<&>" * 2000, "")])
    assert [text_length(visible(p)) for p in parts] == [4096, 1904]


def test_a_long_question_keeps_its_keyboard_on_the_last_part() -> None:
    long = question(text="Sammanfattning\n" + "\n".join(f"{n}. Svar " + "x" * 90 for n in range(60)))
    parts = render(long)
    assert len(parts) == 2
    assert parts[0].keyboard is None and parts[1].keyboard == keyboard(long)
