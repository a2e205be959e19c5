"""Rendering Samråd's messages as Slack Block Kit: every kind of question, long texts, escaping, and each
message checked against Block Kit's limits by the fake Slack's validator (the rules Slack enforces)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack_render import (
    MAX_SECTION_TEXT,
    Control,
    SlackMessage,
    answered,
    escape,
    read_action_id,
    render,
    split,
    text_blocks,
)
from conversations.messages import Action, Choice, ChoiceIn, QuestionOut, TextOut
from tests.fakes.slack_api import ApiError, check_blocks

YESNO = QuestionOut("affected", "yesno", "Påverkas ert företag?", "Svara ja eller nej.",
                    (Choice("yes", "Ja"), Choice("no", "Nej")), (Action("decline", "Berör oss inte"),), 1, 7)


def valid(messages: list[SlackMessage]) -> list[SlackMessage]:
    """Each message as Slack would accept it: within Block Kit's limits, with a fallback text."""
    for message in messages:
        check_blocks(list(message.blocks))
        assert message.text.strip()
    return messages


def elements(message: SlackMessage) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def sections(message: SlackMessage) -> list[str]:
    return [b["text"]["text"] for b in message.blocks if b["type"] == "section"]


def multi(count: int, selected: tuple[int, ...] = ()) -> QuestionOut:
    choices = tuple(Choice(f"o{i}", f"Alternativ {i}", i in selected) for i in range(count))
    return QuestionOut("impact", "multi", "Vad påverkar er?", "Välj en eller flera.", choices,
                       (Action("done", "Klar"), Action("back", "Tillbaka")), 2, 7)


def test_a_yes_no_question_is_its_text_then_answer_buttons_then_its_actions() -> None:
    (message,) = valid(render(YESNO))
    assert sections(message) == ["_1/7_\n*Påverkas ert företag?*\n_Svara ja eller nej._"]
    assert [(e["type"], e["text"]["text"], e["action_id"]) for e in elements(message)] == [
        ("button", "Ja", "a:affected:yes"), ("button", "Nej", "a:affected:no"),
        ("button", "Berör oss inte", "c:affected:decline"),
    ]
    assert message.text == sections(message)[0]


def test_a_choice_and_a_scale_are_buttons_and_a_long_label_is_cut_to_75() -> None:
    long_label = "Kvällsöppet " * 10
    question = QuestionOut("when", "choice", "När?", "", (Choice("morning", "Morgon"), Choice("evening", long_label)))
    (message,) = valid(render(question))
    labels = [e["text"]["text"] for e in elements(message)]
    assert labels[0] == "Morgon" and len(labels[1]) == 75 and labels[1].endswith("…")
    scale = QuestionOut("rate", "scale", "Hur mycket?", "", tuple(Choice(str(n), str(n)) for n in range(0, 11)))
    (message,) = valid(render(scale))
    assert [e["action_id"] for e in elements(message)] == [f"a:rate:{n}" for n in range(11)]


def test_more_than_25_actions_go_in_several_actions_blocks() -> None:
    changes = tuple(Action("change", f"Ändra {n}", f"q{n}") for n in range(1, 31))
    summary = QuestionOut("_submit", "confirm", "Stämmer det?", "", (Choice("yes", "Ja, skicka in"), Choice("no", "Inte än")),
                          changes)
    (message,) = valid(render(summary))
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [2, 25, 5]
    assert elements(message)[2]["action_id"] == "c:_submit:change:q1"


def test_a_multi_choice_of_up_to_10_options_is_checkboxes_with_a_done_button() -> None:
    (message,) = valid(render(multi(10, selected=(1, 3))))
    checkboxes, done, back = elements(message)
    assert checkboxes["type"] == "checkboxes" and checkboxes["action_id"] == "m:impact"
    assert [o["value"] for o in checkboxes["initial_options"]] == ["o1", "o3"]
    assert (done["text"]["text"], done["style"], done["action_id"]) == ("Klar", "primary", "c:impact:done")
    assert back["action_id"] == "c:impact:back" and "style" not in back


def test_a_multi_choice_of_more_than_10_options_is_a_multi_select() -> None:
    (message,) = valid(render(multi(11, selected=(10,)), "en"))
    select = elements(message)[0]
    assert select["type"] == "multi_static_select" and len(select["options"]) == 11
    assert select["placeholder"]["text"] == "Choose one or more"
    assert [o["value"] for o in select["initial_options"]] == ["o10"]


def test_a_multi_choice_of_more_than_100_options_is_split_over_several_selects() -> None:
    (message,) = valid(render(multi(150)))
    selects = [e for e in elements(message) if e["type"] == "multi_static_select"]
    assert [len(s["options"]) for s in selects] == [100, 50]
    assert [s["action_id"] for s in selects] == ["m:impact", "m:impact:1"]


def test_number_and_text_questions_are_typed_with_only_their_actions_as_buttons() -> None:
    for kind in ("number", "text"):
        question = QuestionOut("staff", kind, "Hur många anställda?", "Skriv ett tal.", (),
                               (Action("skip", "Hoppa över"),))
        (message,) = valid(render(question))
        assert [e["action_id"] for e in elements(message)] == ["c:staff:skip"]


def test_a_date_question_offers_a_date_picker_with_the_current_answer() -> None:
    question = QuestionOut("start", "date", "När börjar ni?", "Skriv ett datum.", (), (), value="2025-03-15")
    (message,) = valid(render(question, "sv"))
    (picker,) = elements(message)
    assert picker == {"type": "datepicker", "action_id": "d:start", "initial_date": "2025-03-15",
                      "placeholder": {"type": "plain_text", "text": "Välj ett datum", "emoji": True}}


def test_user_and_official_text_cannot_mention_or_link() -> None:
    hostile = "Hej <!channel> <@U123> <!here> <https://evil.example|klicka> & @everyone"
    question = QuestionOut("q", "choice", hostile, hostile, (Choice("a", hostile),))
    for message in valid(render(question) + render(TextOut(hostile, "intro"))):
        for text in [*sections(message), message.text]:
            assert "<" not in text and ">" not in text
            assert "&lt;!channel&gt;" in text and "&amp; @everyone" in text
        for block in message.blocks:
            if block["type"] == "section":
                assert block["text"]["verbatim"] is True  # no automatic @here or links either
    assert escape("a & <b> &amp;") == "a &amp; &lt;b&gt; &amp;amp;"


def test_a_long_text_is_split_between_paragraphs_within_3000_characters_per_section() -> None:
    paragraphs = [f"Del {n}: " + " ".join(["Bygget <pågår> & fortsätter."] * 45) for n in range(8)]
    (message,) = valid(render(TextOut("\n\n".join(paragraphs))))
    texts = sections(message)
    assert len(texts) > 1 and all(len(t) <= MAX_SECTION_TEXT for t in texts)
    assert "\n\n".join(texts) == escape("\n\n".join(paragraphs))


def test_one_unbroken_word_longer_than_a_section_is_cut() -> None:
    assert [len(part) for part in split("&" * 4000)] == [600] * 6 + [400]  # "&amp;" is five characters
    assert [len(part) for part in split("x" * 7000, "bold")] == [2998, 2998, 1004]  # *…* around each
    assert "".join(split("x" * 7000)) == "x" * 7000


def test_more_than_50_blocks_continue_in_a_next_message_and_the_controls_keep_their_question() -> None:
    text = "\n\n".join(f"Stycke {n}. " + "ord " * 700 for n in range(60))
    question = QuestionOut("affected", "yesno", text, "", YESNO.choices, YESNO.actions)
    messages = valid(render(question))
    assert len(messages) == 2 and len(messages[0].blocks) == 50
    assert all(b["type"] == "section" for b in messages[0].blocks)
    assert messages[-1].blocks[0]["type"] == "section" and elements(messages[-1])


def test_controls_alone_past_50_blocks_take_the_last_section_with_them() -> None:
    text = "\n\n".join("ord " * 700 for _ in range(49))  # 49 sections + 2 actions blocks = 51
    changes = tuple(Action("change", f"Ändra {n}", f"q{n}") for n in range(1, 51))
    messages = valid(render(QuestionOut("_submit", "confirm", text, "", (), changes)))
    assert [b["type"] for b in messages[-1].blocks] == ["section", "actions", "actions"]
    assert len(messages) == 2 and len(messages[0].blocks) == 48


def test_an_answered_question_keeps_its_text_and_shows_the_answer_without_controls() -> None:
    (message,) = render(YESNO)
    blocks = answered(message.blocks, "Ja <@U1>")
    assert [b["type"] for b in blocks] == ["section", "section"]
    assert blocks[-1]["text"]["text"] == "*✓ Ja &lt;@U1&gt;*"
    assert text_blocks(message.blocks) == message.blocks[:1]
    check_blocks(list(blocks))


def test_action_ids_read_back_and_anything_else_is_not_a_control() -> None:
    assert read_action_id("a:affected:yes") == Control("a", "affected", "yes")
    assert read_action_id("c:_submit:change:q3") == Control("c", "_submit", "change:q3")
    assert read_action_id("m:impact") == Control("m", "impact", "")
    assert read_action_id("d:start") == Control("d", "start", "")
    for foreign in ("", "x", "a:q", "c:q:explode", "z:q:1", "a::yes", "button-1"):
        assert read_action_id(foreign) is None
    assert ChoiceIn("affected", ("yes",))  # what an answer button stands for (see test_slack_events)


def test_the_fake_refuses_what_slack_refuses() -> None:
    with pytest.raises(ApiError) as refused:
        check_blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert refused.value.error == "invalid_blocks"
    too_many = [{"type": "checkboxes", "action_id": "m", "options": [
        {"text": {"type": "plain_text", "text": str(n)}, "value": str(n)} for n in range(11)]}]
    for broken in (
        [{"type": "actions", "elements": too_many}],
        [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}]}],
        [{"type": "actions", "elements": [{"type": "button", "action_id": "a" * 256,
                                           "text": {"type": "plain_text", "text": "x"}}]}],
        [{"type": "divider"}] * 51,
    ):
        with pytest.raises(ApiError):
            check_blocks(broken)
