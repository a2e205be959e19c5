"""The dialogue engine, as scenarios: a contact types, the bot answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conversations.engine import AnswerChange, DialogueState, Step, begin, current_prompt, step
from conversations.messages import (
    AnswerValue,
    ChoiceIn,
    CommandIn,
    Inbound,
    Language,
    Outbound,
    QuestionOut,
    TextIn,
    TextOut,
    ToggleIn,
)
from conversations.phrases import phrase
from conversations.questionnaire import Questionnaire

NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)

CAFE = Questionnaire.model_validate(
    {
        "title": {"sv": "Trafiken under byggtiden", "en": "Traffic during construction"},
        "intro": {"sv": "Mörby centrum byggs om i vår.", "en": "Mörby centre is rebuilt this spring."},
        "closes": "2025-04-15T17:00:00+02:00",
        "questions": [
            {
                "id": "affected",
                "kind": "yesno",
                "text": {"sv": "Påverkas ert företag?", "en": "Is your business affected?"},
            },
            {
                "id": "impact",
                "kind": "scale",
                "text": {"sv": "Hur mycket?", "en": "How much?"},
                "min": 1,
                "max": 5,
                "when": {"affected": True},
            },
            {
                "id": "concerns",
                "kind": "multi",
                "text": {"sv": "Vad oroar er?", "en": "What worries you?"},
                "options": [
                    {"id": "deliveries", "text": {"sv": "Leveranser", "en": "Deliveries"}},
                    {"id": "parking", "text": {"sv": "Parkering", "en": "Parking"}},
                    {"id": "noise", "text": {"sv": "Buller", "en": "Noise"}},
                ],
            },
            {
                "id": "best_time",
                "kind": "choice",
                "text": {"sv": "När stör arbetet minst?", "en": "When is it least disruptive?"},
                "options": [
                    {"id": "morning", "text": {"sv": "Morgon", "en": "Morning"}},
                    {"id": "evening", "text": {"sv": "Kväll", "en": "Evening"}},
                ],
            },
            {
                "id": "staff",
                "kind": "number",
                "text": {"sv": "Hur många anställda?", "en": "How many staff?"},
                "min": 0,
            },
            {"id": "start", "kind": "date", "text": {"sv": "Från vilket datum?", "en": "From which date?"}},
            {
                "id": "comments",
                "kind": "text",
                "text": {"sv": "Något mer?", "en": "Anything else?"},
                "required": False,
                "max_length": 100,
            },
        ],
    }
)
CAFE_ANSWERS = ["ja", "4", "1, 3", "kväll", "12", "15 mars", "Mer parkering"]
CAFE_VALUES: dict[str, AnswerValue] = {
    "affected": True,
    "impact": 4,
    "concerns": ["deliveries", "noise"],
    "best_time": "evening",
    "staff": 12,
    "start": "2025-03-15",
    "comments": "Mer parkering",
}

# Branching on every kind of condition: a value, a list, a range, a multi selection, and a chain.
BRANCHES = Questionnaire.model_validate(
    {
        "title": "Gatuarbeten",
        "questions": [
            {"id": "affected", "kind": "yesno", "text": "Påverkas ni?"},
            {"id": "impact", "kind": "scale", "text": "Hur mycket?", "when": {"affected": True}},
            {
                "id": "worst",
                "kind": "choice",
                "text": "Vad är värst?",
                "when": {"impact": {"gte": 4}},
                "options": [{"id": "traffic", "text": "Trafik"}, {"id": "noise", "text": "Buller"}],
            },
            {"id": "worst_when", "kind": "date", "text": "När blir det värst?", "when": {"worst": "traffic"}},
            {
                "id": "concerns",
                "kind": "multi",
                "text": "Vad oroar er?",
                "options": [
                    {"id": "deliveries", "text": "Leveranser"},
                    {"id": "parking", "text": "Parkering"},
                ],
            },
            {
                "id": "spaces",
                "kind": "number",
                "text": "Hur många platser behöver ni?",
                "when": {"concerns": "parking"},
            },
            {
                "id": "day",
                "kind": "choice",
                "text": "Vilken dag?",
                "options": [
                    {"id": "mon", "text": "Måndag"},
                    {"id": "tue", "text": "Tisdag"},
                    {"id": "sat", "text": "Lördag"},
                ],
            },
            {
                "id": "weekday_note",
                "kind": "text",
                "text": "Varför en vardag?",
                "required": False,
                "when": {"day": ["mon", "tue"]},
            },
        ],
    }
)


class Chat:
    """One contact's dialogue. Every step goes through to_json/from_json, as the service stores it, and
    every step checks that the answers recorded from `changes` equal the state's answers."""

    def __init__(
        self, questionnaire: Questionnaire = CAFE, language: Language = "sv", now: dt.datetime = NOW
    ):
        self.questionnaire, self.now = questionnaire, now
        self.last = begin(questionnaire, language=language, now=now)
        self.steps: list[Step] = [self.last]
        self.recorded: dict[str, AnswerValue] = {}
        self._record(self.last)

    def _record(self, result: Step) -> None:
        for change in result.changes:
            if change.value is None:
                self.recorded.pop(change.question_id, None)
            else:
                self.recorded[change.question_id] = change.value
        assert self.recorded == result.state.answers

    def send(self, *inbounds: Inbound | str) -> tuple[Outbound, ...]:
        for inbound in inbounds:
            event = TextIn(inbound) if isinstance(inbound, str) else inbound
            stored = json.loads(json.dumps(self.state.to_json()))
            self.last = step(self.questionnaire, DialogueState.from_json(stored), event, now=self.now)
            self.steps.append(self.last)
            self._record(self.last)
        return self.last.messages

    @property
    def state(self) -> DialogueState:
        return self.last.state

    @property
    def question(self) -> QuestionOut:
        """The prompt the last step ended with."""
        prompt = self.last.messages[-1]
        assert isinstance(prompt, QuestionOut), self.last.messages
        return prompt

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.last.messages if isinstance(m, TextOut)]

    @property
    def error(self) -> str:
        errors = [m.text for m in self.last.messages if isinstance(m, TextOut) and m.style == "error"]
        assert len(errors) == 1, self.last.messages
        return errors[0]

    @property
    def outcomes(self) -> list[str]:
        return [s.outcome for s in self.steps if s.outcome is not None]


def answered(chat: Chat, upto: str) -> Chat:
    """Answer CAFE in order until the question `upto` is being asked."""
    for text in CAFE_ANSWERS:
        if chat.question.question_id == upto:
            break
        chat.send(text)
    return chat


# --- opening -------------------------------------------------------------------------------------


def test_begin_opens_with_the_intro_the_notice_and_the_first_question() -> None:
    chat = Chat()
    intro, notice, first = chat.last.messages
    assert isinstance(intro, TextOut) and intro.style == "intro"
    assert intro.text.split("\n\n")[:2] == ["Trafiken under byggtiden", "Mörby centrum byggs om i vår."]
    assert (
        "Trafiken under byggtiden" in intro.text
        and "Mörby centrum" in intro.text
        and "15 april 2025" in intro.text
    )
    assert isinstance(notice, TextOut) and notice.style == "notice"
    assert (
        "allmän handling" in notice.text
        and "offentlighetsprincipen" in notice.text
        and "stopp" in notice.text
    )
    assert isinstance(first, QuestionOut)
    assert (first.question_id, first.kind, first.text, first.position, first.total) == (
        "affected",
        "yesno",
        "Påverkas ert företag?",
        1,
        7,
    )
    assert [(c.id, c.label) for c in first.choices] == [("yes", "Ja"), ("no", "Nej")]
    assert [(a.command, a.label) for a in first.actions] == [("decline", "Berör oss inte")]
    assert chat.state.status == "invited" and chat.state.started_at == NOW.isoformat()
    assert chat.state.updated_at == NOW.isoformat()


def test_begin_in_english() -> None:
    chat = Chat(language="en")
    assert "Traffic during construction" in chat.texts[0] and "15 April 2025" in chat.texts[0]
    assert "public document" in chat.texts[1]
    assert chat.question.text == "Is your business affected?"
    assert [(c.id, c.label) for c in chat.question.choices] == [("yes", "Yes"), ("no", "No")]
    assert chat.question.actions[0].label == "Doesn't affect us"


# --- a whole dialogue ----------------------------------------------------------------------------


def test_a_whole_dialogue_ends_with_a_summary_and_a_submission() -> None:
    chat = Chat()
    asked = []
    for text in CAFE_ANSWERS:
        asked.append((chat.question.question_id, chat.question.kind, chat.question.position))
        chat.send(text)
    assert asked == [
        ("affected", "yesno", 1),
        ("impact", "scale", 2),
        ("concerns", "multi", 3),
        ("best_time", "choice", 4),
        ("staff", "number", 5),
        ("start", "date", 6),
        ("comments", "text", 7),
    ]
    assert chat.state.answers == CAFE_VALUES and chat.state.status == "partial"
    summary = chat.question
    assert (summary.question_id, summary.kind) == ("_submit", "confirm")
    assert summary.text.splitlines()[:5] == [
        "Här är dina svar:",
        "1. Påverkas ert företag?",
        "→ Ja",
        "2. Hur mycket?",
        "→ 4 av 5",
    ]
    for shown in ("→ Leveranser, Buller", "→ Kväll", "→ 12", "→ 15 mars 2025", "→ Mer parkering"):
        assert shown in summary.text
    assert [(a.command, a.argument) for a in summary.actions] == [
        *[("change", qid) for qid in CAFE_VALUES],
        ("decline", ""),
    ]
    chat.send("ja")
    assert chat.last.outcome == "submitted" and chat.state.phase == "submitted"
    assert chat.state.status == "complete" and chat.state.submitted_at == NOW.isoformat()
    assert "Tack" in chat.texts[0]


def test_summary_in_english() -> None:
    chat = Chat(language="en")
    chat.send("yes", "4", "1 and 3", "evening", "1200.5", "march 15", "More parking")
    for shown in (
        "1. Is your business affected?\n→ Yes",
        "→ 4 out of 5",
        "→ Deliveries, Noise",
        "→ Evening",
        "→ 1,200.5",
        "→ 15 March 2025",
    ):
        assert shown in chat.question.text
    assert chat.question.actions[0].label == "Change 1"


def test_each_answer_is_recorded_as_it_is_given() -> None:
    chat = Chat()
    chat.send("ja")
    assert chat.last.changes == (AnswerChange("affected", True),)
    chat.send("4")
    assert chat.last.changes == (AnswerChange("impact", 4),)
    assert chat.state.answers == {"affected": True, "impact": 4}


@pytest.mark.parametrize(
    ("upto", "text", "error"),
    [
        ("affected", "kanske", "Svara ja eller nej."),
        ("impact", "9", "Svara med en siffra 1–5."),
        ("concerns", "7", "Svara med en siffra 1–3 eller skriv alternativet."),
        ("best_time", "natt", "Jag hittar inget alternativ som heter ”natt”. Svara med en siffra 1–2."),
        ("staff", "-4", "Svara med ett tal, minst 0."),
        ("start", "31/2", "Det datumet finns inte. Skriv t.ex. 15 mars eller 2025-03-15."),
        ("comments", "x" * 101, "Svaret är för långt (101 tecken). Korta ner det till högst 100 tecken."),
        ("comments", "   ", "Skriv ditt svar med egna ord."),
    ],
)
def test_invalid_input_re_asks_with_a_one_line_hint_and_keeps_the_answers(
    upto: str, text: str, error: str
) -> None:
    chat = answered(Chat(), upto)
    before = dict(chat.state.answers)
    chat.send(text)
    assert chat.error == error and "\n" not in chat.error
    assert chat.question.question_id == upto
    assert chat.state.answers == before and chat.last.changes == ()


def test_every_question_carries_what_a_channel_needs() -> None:
    chat = answered(Chat(), "impact")
    scale = chat.question
    assert (scale.min, scale.max, scale.hint) == (1, 5, "Svara med en siffra 1–5.")
    assert [c.id for c in scale.choices] == ["1", "2", "3", "4", "5"]
    assert [a.command for a in scale.actions] == ["back", "decline"]
    chat = answered(Chat(), "best_time")  # the hint counts this question's two options
    assert chat.question.hint == "Svara med en siffra 1–2 eller skriv alternativet."
    chat = answered(Chat(), "staff")
    assert (chat.question.min, chat.question.max, chat.question.choices) == (0, None, ())
    chat = answered(Chat(), "comments")
    text = chat.question
    assert (text.required, text.max_length) == (False, 100)
    assert text.hint == "Skriv ditt svar med egna ord (högst 100 tecken)."
    assert [a.command for a in text.actions] == ["skip", "back", "decline"]


# --- commands ------------------------------------------------------------------------------------

COMMANDS = [
    ("help", ["hjälp", "Hjälp!", "/help", "?", "HELP", "hjalp"]),
    ("skip", ["hoppa över", "Hoppa över", "skip", "/skip"]),
    ("back", ["tillbaka", "back", "/tillbaka", "Tillbaka."]),
    ("done", ["klar", "done", "Klar!"]),
    ("submit", ["skicka", "submit", "skicka in"]),
    ("stop", ["stopp", "stop", "STOPP", "/stop"]),
    ("decline", ["berör oss inte", "Berör oss inte!", "not affected", "avböj", "decline", "/decline"]),
    ("resume", ["fortsätt", "continue", "/start"]),
]


@pytest.mark.parametrize(("name", "typed"), [(name, word) for name, words in COMMANDS for word in words])
def test_typed_command_words_work_like_the_command(name: Any, typed: str) -> None:
    for upto in ("impact", "comments"):
        by_word, by_command = answered(Chat(), upto), answered(Chat(), upto)
        by_word.send(typed)
        by_command.send(CommandIn(name))
        assert by_word.last == by_command.last


@pytest.mark.parametrize(
    ("typed", "argument"),
    [("ändra 2", "2"), ("change 2", "2"), ("/ändra impact", "impact"), ("Change IMPACT", "impact")],
)
def test_typed_change_takes_a_number_or_a_question_id(typed: str, argument: str) -> None:
    by_word, by_command = answered(Chat(), "start"), answered(Chat(), "start")
    by_word.send(typed)
    by_command.send(CommandIn("change", argument))
    assert by_word.question.question_id == "impact" and by_word.last == by_command.last


@pytest.mark.parametrize(
    "text", ["stoppa bygget", "hjälp oss", "klart", "ändra inte tiderna", "ändra tiderna", "?!"]
)
def test_a_text_that_only_contains_a_command_word_is_an_answer(text: str) -> None:
    chat = answered(Chat(), "comments")
    chat.send(text)
    assert chat.state.answers["comments"] == text


def test_help_explains_the_commands_and_asks_again() -> None:
    chat = answered(Chat(), "impact")
    chat.send("hjälp")
    assert "tillbaka" in chat.texts[0] and "hoppa över" in chat.texts[0] and "stopp" in chat.texts[0]
    assert chat.question.question_id == "impact" and chat.question.hint == "Svara med en siffra 1–5."
    chat = answered(Chat(language="en"), "impact")
    chat.send("help")
    assert "skip" in chat.texts[0]


def test_an_optional_question_can_be_skipped_a_required_one_cannot() -> None:
    chat = answered(Chat(), "staff")
    chat.send("hoppa över")
    assert chat.error == "Den här frågan behöver ett svar, så den går inte att hoppa över."
    assert chat.question.question_id == "staff"
    chat.send("12", "15 mars", "skip")
    assert chat.last.changes == (AnswerChange("comments", None),)
    assert chat.state.skipped == ("comments",)
    assert "7. Något mer?\n→ (hoppade över)" in chat.question.text


def test_back_shows_the_previous_question_with_its_answer_and_keeps_everything() -> None:
    chat = answered(Chat(), "best_time")
    chat.send("tillbaka")
    assert (chat.question.question_id, chat.question.value) == ("concerns", ["deliveries", "noise"])
    assert [c.selected for c in chat.question.choices] == [True, False, True]
    chat.send("back")
    assert (chat.question.question_id, chat.question.value) == ("impact", 4)
    chat.send("5")  # a new answer; then on to the first question still unanswered
    assert chat.last.changes == (AnswerChange("impact", 5),)
    assert chat.question.question_id == "best_time"
    assert chat.state.answers["concerns"] == ["deliveries", "noise"]


def test_back_on_the_first_question_says_so() -> None:
    chat = Chat()
    chat.send("tillbaka")
    assert chat.error == "Det här är första frågan." and chat.question.question_id == "affected"


def test_continue_keeps_an_answer_seen_again_and_moves_on() -> None:
    chat = answered(Chat(), "best_time")
    chat.send("tillbaka", "tillbaka", "fortsätt")
    assert chat.question.question_id == "best_time" and chat.last.changes == ()


def test_back_from_the_summary_returns_to_the_summary_after_answering() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "tillbaka")
    assert (chat.question.question_id, chat.question.value) == ("comments", "Mer parkering")
    chat.send("Mindre buller")
    assert chat.question.question_id == "_submit" and "→ Mindre buller" in chat.question.text


# --- change, from the summary and after submitting ----------------------------------------------


def test_change_from_the_summary_returns_to_the_summary() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ändra 4")
    assert (chat.question.question_id, chat.question.value) == ("best_time", "evening")
    assert chat.state.editing
    chat.send("morgon")
    assert chat.question.question_id == "_submit" and "→ Morgon" in chat.question.text
    assert not chat.state.editing
    chat.send("ja")
    assert chat.state.answers["best_time"] == "morning" and chat.outcomes == ["submitted"]


def test_change_by_button_from_the_summary() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS)
    change_staff = next(a for a in chat.question.actions if a.argument == "staff")
    chat.send(CommandIn(change_staff.command, change_staff.argument), ChoiceIn("staff", ("14",)))
    assert chat.state.answers["staff"] == 14 and chat.question.question_id == "_submit"


def test_a_submitted_response_can_be_changed_and_submitted_again() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ja", "hej")
    assert chat.texts == ["Vi har redan fått dina svar. Skriv ändra om du vill ändra något."]
    chat.send("ändra")
    assert chat.last.outcome == "reopened" and chat.question.question_id == "_submit"
    assert [a.command for a in chat.question.actions] == ["change"] * 7  # no "decline" once submitted
    chat.send("ändra 5", "20")
    assert chat.question.question_id == "_submit" and chat.state.status == "complete"
    chat.send("skicka")
    assert chat.outcomes == ["submitted", "reopened", "submitted"]
    assert chat.state.answers["staff"] == 20


def test_change_mid_dialogue_lists_the_answers_or_goes_to_one() -> None:
    chat = answered(Chat(), "best_time")
    chat.send("ändra")
    assert chat.texts[0].startswith("Skriv ändra och numret") and "3. Vad oroar er?" in chat.texts[0]
    assert chat.question.question_id == "best_time"
    chat.send("ändra 1")
    assert (chat.question.question_id, chat.question.value) == ("affected", True)
    chat.send("fortsätt")
    assert chat.question.question_id == "best_time"


@pytest.mark.parametrize("argument", ["9", "best_time", "nonsense", "0"])
def test_change_refuses_what_has_not_been_answered(argument: str) -> None:
    chat = answered(Chat(), "best_time")
    chat.send(CommandIn("change", argument))
    assert chat.error.startswith(f"Det finns inget svar nummer ”{argument}”")
    assert chat.question.question_id == "best_time"


def test_done_and_submit_mid_dialogue() -> None:
    chat = answered(Chat(), "staff")
    chat.send("klar")  # nothing typed yet on a required question
    assert chat.error == "Svara på frågan först, eller skriv hjälp." and chat.question.question_id == "staff"
    chat.send("skicka")  # not at the summary: the question is asked again
    assert chat.question.question_id == "staff" and chat.outcomes == []
    chat.send("tillbaka", "klar")  # an answered question seen again: done keeps it and moves on
    assert chat.question.question_id == "staff" and chat.state.answers["best_time"] == "evening"
    chat.send("12", "15 mars", "klar")  # done on an optional question skips it
    assert chat.question.question_id == "_submit" and chat.state.skipped == ("comments",)
    chat.send("klar")  # done at the summary submits
    assert chat.outcomes == ["submitted"]


def test_done_on_an_optional_multi_with_nothing_selected_skips_it() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "concerns", "kind": "multi", "text": "Vad oroar er?", "required": False,
                 "options": [{"id": "noise", "text": "Buller"}, {"id": "parking", "text": "Parkering"}]},
                {"id": "staff", "kind": "number", "text": "Hur många?"},
            ],
        }
    )
    chat = Chat(questionnaire)
    chat.send("klar")
    assert chat.question.question_id == "staff" and chat.state.skipped == ("concerns",)


def test_back_from_the_summary_goes_to_the_last_question_asked() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS[:6], "hoppa över", "tillbaka")
    assert chat.question.question_id == "comments" and chat.state.editing
    chat.send("tillbaka")
    assert chat.question.question_id == "start"


def test_change_by_the_number_shown_or_the_question_id() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS)
    chat.send("ändra 4")
    assert chat.question.question_id == "best_time"
    chat.send("morgon", "ändra STAFF")
    assert chat.question.question_id == "staff"
    chat.send("13", "ändra 8")
    assert chat.error == "Det finns inget svar nummer ”8” att ändra. Välj ett av svaren i listan."


def test_change_with_nothing_named_at_the_summary_says_how() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ändra")
    assert chat.texts[0].startswith("Inga problem. Skriv ändra och numret")
    assert isinstance(chat.last.messages[0], TextOut) and chat.last.messages[0].style == "notice"
    assert chat.state.phase == "summary"


def test_change_mid_dialogue_lists_each_question_and_answer_on_its_own_line_under_the_heading() -> None:
    chat = answered(Chat(), "concerns")
    chat.send("ändra")
    assert chat.texts[0].split("\n") == [
        phrase("change_list", "sv"), "1. Påverkas ert företag?", "→ Ja", "2. Hur mycket?", "→ 4 av 5",
    ]


def test_changing_an_answer_after_submitting_reopens_the_response() -> None:
    chat = Chat()
    chat.send(*SUBMITTED, "ändra 5")
    assert chat.last.outcome == "reopened" and chat.question.question_id == "staff"


@pytest.mark.parametrize("then", ["hjälp", "hoppa över", "klar"])
def test_a_declined_dialogue_answers_other_commands_with_where_it_stands(then: str) -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"), "berör oss inte")
    assert chat.state.pending == () and chat.state.current is None
    chat.send(then)
    assert chat.state.phase == "declined" and chat.last.outcome is None
    assert chat.last.messages == current_prompt(CAFE, chat.state)


def test_change_the_last_answer_by_its_number() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ändra 7")
    assert chat.question.question_id == "comments"


@pytest.mark.parametrize("then", ["tillbaka", "klar", "hoppa över", "skicka", "fortsätt"])
def test_after_submitting_commands_that_move_through_questions_say_it_is_sent(then: str) -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ja", then)
    assert chat.last.messages == (
        TextOut("Vi har redan fått dina svar. Skriv ändra om du vill ändra något.", "notice"),
    )
    assert chat.state.phase == "submitted" and chat.outcomes == ["submitted"]


def test_change_before_any_answer() -> None:
    chat = Chat()
    chat.send("ändra")
    assert chat.error == "Du har inte svarat på något än."


# --- branching with `when` ------------------------------------------------------------------------


def asked_ids(chat: Chat, texts: list[str]) -> list[str]:
    asked = []
    for text in texts:
        asked.append(chat.question.question_id)
        chat.send(text)
    return asked


@pytest.mark.parametrize(
    ("texts", "asked"),
    [
        # yes -> impact; impact in range >= 4 -> worst; worst == traffic -> worst_when
        (
            ["ja", "5", "trafik", "1/6", "1", "måndag", "skip"],
            ["affected", "impact", "worst", "worst_when", "concerns", "day", "weekday_note"],
        ),
        # impact 3 is outside the range: no "worst", and so no "worst_when" either
        (["ja", "3", "1", "tisdag", "skip"], ["affected", "impact", "concerns", "day", "weekday_note"]),
        # no -> nothing hangs on impact; parking among the selected -> spaces; Saturday not in the list
        (["nej", "1, 2", "4", "lördag"], ["affected", "concerns", "spaces", "day"]),
    ],
)
def test_questions_whose_when_does_not_hold_are_skipped(texts: list[str], asked: list[str]) -> None:
    chat = Chat(BRANCHES)
    assert asked_ids(chat, texts) == asked
    assert chat.question.question_id == "_submit"


@pytest.mark.parametrize(
    ("score", "asked"),
    [
        ("4", ["impact", "why_four", "end"]),
        ("3", ["impact", "what_helps", "end"]),
        ("5", ["impact", "end"]),
        ("0", ["impact", "what_helps", "end"]),
    ],
)
def test_a_follow_up_on_one_score_or_up_to_a_bound_is_asked_for_those_scores_only(
    score: str, asked: list[str]
) -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "impact", "kind": "scale", "text": "Hur mycket?", "min": 0, "max": 10},
                {"id": "why_four", "kind": "text", "text": "Varför just 4?", "when": {"impact": 4}},
                {"id": "what_helps", "kind": "text", "text": "Vad hjälper?", "when": {"impact": {"lte": 3}}},
                {"id": "end", "kind": "yesno", "text": "Klart?"},
            ],
        }
    )
    chat = Chat(questionnaire)
    assert asked_ids(chat, [score, *["Bra"] * (len(asked) - 2), "ja"]) == asked
    assert chat.question.question_id == "_submit"


def test_a_condition_on_a_skipped_question_does_not_hold() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "a", "kind": "yesno", "text": "A?", "required": False},
                {"id": "b", "kind": "text", "text": "B?", "when": {"a": False}},
                {"id": "c", "kind": "text", "text": "C?"},
            ],
        }
    )
    chat = Chat(questionnaire)
    chat.send("hoppa över")
    assert chat.question.question_id == "c" and chat.question.position == 2 and chat.question.total == 2


def test_total_counts_questions_that_may_still_apply_and_shrinks() -> None:
    chat = Chat(BRANCHES)
    assert (chat.question.position, chat.question.total) == (1, 8)
    chat.send("nej")  # rules out impact, worst and worst_when
    assert (chat.question.question_id, chat.question.position, chat.question.total) == ("concerns", 2, 5)
    chat.send("1")  # no parking: no "spaces"
    assert (chat.question.question_id, chat.question.position, chat.question.total) == ("day", 3, 4)


def test_total_leaves_out_a_question_that_hangs_on_one_already_ruled_out() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "affected", "kind": "yesno", "text": "Påverkas ni?"},
                {"id": "name", "kind": "text", "text": "Företagets namn?"},
                {"id": "impact", "kind": "scale", "text": "Hur mycket?", "when": {"affected": True}},
                {"id": "worst", "kind": "text", "text": "Vad är värst?", "when": {"impact": {"gte": 4}}},
            ],
        }
    )
    chat = Chat(questionnaire)
    assert (chat.question.position, chat.question.total) == (1, 4)
    chat.send("nej")  # impact is ruled out, and so is worst, which hangs on it
    assert (chat.question.question_id, chat.question.position, chat.question.total) == ("name", 2, 2)


def test_a_skipped_question_that_stops_applying_is_no_longer_skipped() -> None:
    chat = Chat(BRANCHES)
    chat.send("nej", "1", "måndag", "hoppa över")
    assert chat.state.skipped == ("weekday_note",)
    chat.send("ändra 3", "lördag")
    assert chat.state.skipped == () and chat.question.question_id == "_submit"


def test_a_changed_answer_removes_the_answers_that_no_longer_apply() -> None:
    chat = Chat(BRANCHES)
    chat.send("ja", "5", "trafik", "1/6", "1, 2", "3", "måndag", "För leveranserna")
    assert chat.question.question_id == "_submit"
    chat.send("ändra 1", "nej")
    assert chat.last.changes == (
        AnswerChange("affected", False),
        AnswerChange("impact", None),
        AnswerChange("worst", None),
        AnswerChange("worst_when", None),
    )
    assert "behövs inte längre" in chat.texts[0] and "”Hur mycket?”" in chat.texts[0]
    assert chat.question.question_id == "_submit"
    assert set(chat.state.answers) == {"affected", "concerns", "spaces", "day", "weekday_note"}
    assert "impact" not in chat.state.path
    chat.send("ändra 2", "leveranser", "ändra 3", "lördag")  # numbers as the summary now shows them
    assert "spaces" not in chat.state.answers and "weekday_note" not in chat.state.answers


def test_the_removed_answers_are_named_in_the_contacts_language_as_a_notice() -> None:
    chat = Chat(language="en")
    chat.send(*CAFE_ANSWERS, "change 1", "no")
    assert chat.last.messages[0] == TextOut(
        "After your change, the answer to this is no longer needed: ”How much?”. It has been removed.",
        "notice",
    )
    chat = Chat(BRANCHES)
    chat.send("ja", "5", "trafik", "1/6", "1", "måndag", "skip", "ändra 1", "nej")
    assert "”Hur mycket?”, ”Vad är värst?”, ”När blir det värst?”" in chat.texts[0]


def test_going_back_and_changing_an_answer_forgets_the_questions_it_rules_out() -> None:
    chat = Chat(BRANCHES)
    chat.send("ja", "5", "tillbaka", "tillbaka")
    assert chat.question.question_id == "affected" and chat.state.path == ("affected", "impact", "worst")
    chat.send("nej")
    assert chat.question.question_id == "concerns"
    assert chat.state.path == ("affected", "concerns")


def test_skipped_questions_stay_skipped_while_the_dialogue_goes_on() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "a", "kind": "text", "text": "A?", "required": False},
                {"id": "b", "kind": "text", "text": "B?", "required": False},
                {"id": "c", "kind": "text", "text": "C?"},
            ],
        }
    )
    chat = Chat(questionnaire)
    chat.send("hoppa över", "hoppa över")
    assert chat.question.question_id == "c" and chat.state.skipped == ("a", "b")
    chat.send("Svar C")
    assert chat.question.question_id == "_submit"
    chat.send("ändra a", "Svar A")  # answering a skipped question takes it off the skipped, only it
    assert chat.state.skipped == ("b",) and chat.state.answers == {"a": "Svar A", "c": "Svar C"}
    assert chat.question.question_id == "_submit"


def test_a_selection_confirmed_on_the_last_question_leaves_nothing_pending_at_the_summary() -> None:
    questionnaire = Questionnaire.model_validate(
        {
            "title": "T",
            "questions": [
                {"id": "concerns", "kind": "multi", "text": "Vad oroar er?",
                 "options": [{"id": "noise", "text": "Buller"}, {"id": "parking", "text": "Parkering"}]},
            ],
        }
    )
    chat = Chat(questionnaire)
    chat.send(ToggleIn("concerns", "parking"), "klar")
    assert chat.question.question_id == "_submit" and chat.state.pending == ()
    assert chat.state.answers == {"concerns": ["parking"]}


def test_a_changed_answer_that_brings_in_questions_asks_them_before_the_summary() -> None:
    chat = Chat(BRANCHES)
    chat.send("nej", "1", "lördag")
    assert chat.question.question_id == "_submit"
    chat.send("ändra 1", "ja")
    assert chat.question.question_id == "impact"
    chat.send("4")
    assert chat.question.question_id == "worst"
    chat.send("buller")
    assert chat.question.question_id == "_submit"
    assert chat.state.answers == {
        "affected": True,
        "impact": 4,
        "worst": "noise",
        "concerns": ["deliveries"],
        "day": "sat",
    }


# --- buttons: ChoiceIn and ToggleIn --------------------------------------------------------------


@pytest.mark.parametrize(
    ("upto", "values", "expected"),
    [
        ("affected", ("yes",), True),
        ("impact", ("3",), 3),
        ("concerns", ("parking", "deliveries"), ["deliveries", "parking"]),
        ("best_time", ("morning",), "morning"),
        ("staff", ("1 200",), 1200),
        ("start", ("2025-05-01",), "2025-05-01"),
        ("comments", ("Tack",), "Tack"),
    ],
)
def test_a_button_or_form_answers_the_current_question(
    upto: str, values: tuple[str, ...], expected: AnswerValue
) -> None:
    chat = answered(Chat(), upto)
    chat.send(ChoiceIn(upto, values))
    assert chat.last.changes[0] == AnswerChange(upto, expected)


def test_a_stale_button_changes_nothing() -> None:
    chat = answered(Chat(), "best_time")
    before = chat.state
    chat.send(ChoiceIn("affected", ("no",)))
    assert chat.texts[0].startswith("Den knappen hör till en annan fråga")
    assert isinstance(chat.last.messages[0], TextOut) and chat.last.messages[0].style == "notice"
    assert chat.question.question_id == "best_time"
    assert chat.state == before and chat.last.changes == ()
    chat.send(ChoiceIn("_submit", ("yes",)), ToggleIn("concerns", "parking"))
    assert chat.state == before


def test_an_old_questions_button_at_the_summary_is_stale_not_an_answer_to_submit() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, ChoiceIn("best_time", ("morning",)))
    assert chat.texts[0].startswith("Den knappen hör till en annan fråga")
    assert chat.state.phase == "summary" and chat.state.answers == CAFE_VALUES


def test_a_toggle_for_a_question_that_is_not_multi_is_stale() -> None:
    chat = answered(Chat(), "best_time")
    chat.send(ToggleIn("best_time", "morning"))
    assert chat.texts[0].startswith("Den knappen hör till en annan fråga") and chat.state.pending == ()


def test_a_date_from_a_form_without_a_year_is_the_next_such_day() -> None:
    chat = answered(Chat(), "start")
    chat.send(ChoiceIn("start", ("9/3",)))  # NOW is 10 March 2025
    assert chat.last.changes == (AnswerChange("start", "2026-03-09"),)


def test_a_bad_form_value_re_asks() -> None:
    chat = answered(Chat(), "best_time")
    chat.send(ChoiceIn("best_time", ("noon",)))
    assert chat.error.startswith("Jag hittar inget alternativ") and chat.question.question_id == "best_time"


def test_toggles_build_a_selection_that_done_confirms() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"))
    assert [c.selected for c in chat.question.choices] == [False, False, True]
    chat.send(
        ToggleIn("concerns", "deliveries"), ToggleIn("concerns", "parking"), ToggleIn("concerns", "parking")
    )
    assert chat.state.pending == ("deliveries", "noise") and chat.last.changes == ()
    assert [c.selected for c in chat.question.choices] == [True, False, True]
    chat.send(CommandIn("done"))
    assert chat.last.changes == (AnswerChange("concerns", ["deliveries", "noise"]),)
    assert chat.question.question_id == "best_time" and chat.state.pending == ()


def test_done_with_nothing_selected_on_a_required_multi_re_asks() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"), ToggleIn("concerns", "noise"), "klar")
    assert chat.error == "Välj minst ett alternativ. Skriv siffrorna, t.ex. 1, 3."
    assert chat.question.question_id == "concerns"


def test_a_toggle_for_an_unknown_option_is_refused() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "ghosts"))
    assert chat.error.startswith("Välj ett eller flera") and chat.state.pending == ()


def test_the_summary_can_be_submitted_by_button() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, ChoiceIn("_submit", ("no",)))
    assert chat.texts[0].startswith("Inga problem") and chat.question.question_id == "_submit"
    chat.send(ChoiceIn("_submit", ("yes",)))
    assert chat.outcomes == ["submitted"]


@pytest.mark.parametrize("text", ["kanske", "1"])
def test_anything_else_at_the_summary_explains_what_to_do(text: str) -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, text)
    assert chat.error.startswith("Svara ja för att skicka in") and chat.state.phase == "summary"


# --- stop and decline ----------------------------------------------------------------------------


@pytest.mark.parametrize("no", ["nej", "no", ChoiceIn("_stop", ("no",)), "fortsätt"])
def test_stop_asks_first_and_no_returns_to_where_they_were(no: Inbound | str) -> None:
    chat = answered(Chat(), "staff")
    chat.send("stopp")
    assert (chat.question.question_id, chat.question.kind) == ("_stop", "confirm")
    assert [c.id for c in chat.question.choices] == ["yes", "no"]
    chat.send(no)
    assert chat.state.phase == "asking" and chat.question.question_id == "staff"
    assert chat.outcomes == [] and chat.state.resume_phase is None
    if no != "fortsätt":
        assert chat.texts[0] == "Bra, vi fortsätter."


@pytest.mark.parametrize("yes", ["ja", "Yes", ChoiceIn("_stop", ("yes",))])
def test_stop_confirmed_opts_out(yes: Inbound | str) -> None:
    chat = answered(Chat(), "staff")
    chat.send("stop", yes)
    assert chat.last.outcome == "opted_out" and chat.state.status == "opted_out"
    assert chat.texts == ["Okej, vi skickar inga fler meddelanden till dig. Skriv fortsätt om du ändrar dig."]
    assert chat.state.answers == {k: CAFE_VALUES[k] for k in ("affected", "impact", "concerns", "best_time")}
    chat.send("12")
    assert chat.state.phase == "opted_out" and chat.last.changes == ()
    chat.send("fortsätt")
    assert chat.last.outcome == "reopened" and chat.question.question_id == "staff"


def test_help_while_confirming_a_stop_still_waits_for_the_yes_or_no() -> None:
    chat = answered(Chat(), "staff")
    chat.send("stopp", "hjälp")
    assert chat.texts[0] == phrase("help", "sv")
    assert chat.question.question_id == "_stop" and chat.state.phase == "confirm_stop"
    chat.send("ja")
    assert chat.outcomes == ["opted_out"]


def test_another_command_while_confirming_a_stop_means_no_and_is_carried_out() -> None:
    chat = answered(Chat(), "staff")
    chat.send("stopp", "tillbaka")
    assert chat.state.phase == "asking" and chat.question.question_id == "best_time"
    assert chat.state.resume_phase is None and chat.outcomes == []


def test_stop_twice_and_no_returns_to_the_summary_it_came_from() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "stopp", "stopp")
    assert chat.question.question_id == "_stop" and chat.state.resume_phase == "summary"
    chat.send("nej")
    assert chat.state.phase == "summary" and chat.question.question_id == "_submit"


def test_an_opted_out_contact_is_not_asked_again_by_stop_or_help() -> None:
    chat = answered(Chat(), "staff")
    chat.send("stopp", "ja")
    for then in ("stopp", "hjälp", "hoppa över", "12"):
        chat.send(then)
        assert chat.state.phase == "opted_out" and chat.last.outcome is None and chat.last.changes == ()
        assert chat.texts == ["Okej, vi skickar inga fler meddelanden till dig. Skriv fortsätt om du ändrar dig."]


@pytest.mark.parametrize("back", ["ändra", "tillbaka", "ändra 2"])
def test_a_declined_contact_comes_back_with_change_or_back(back: str) -> None:
    chat = answered(Chat(), "best_time")
    chat.send("berör oss inte", back)
    assert chat.last.outcome == "reopened" and chat.texts[0] == "Välkommen tillbaka!"
    assert chat.question.question_id == "best_time"


def test_stop_confirmed_while_building_a_selection_keeps_nothing_pending() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"), "stopp", "ja")
    assert chat.state.phase == "opted_out" and chat.state.pending == () and chat.state.resume_phase is None


def test_stop_confirmation_needs_a_yes_or_a_no() -> None:
    chat = answered(Chat(), "staff")
    chat.send("stopp", "kanske")
    assert chat.error == "Svara ja eller nej." and chat.question.question_id == "_stop"


def test_decline_thanks_politely_and_can_be_taken_back() -> None:
    chat = answered(Chat(), "impact")
    chat.send("Berör oss inte")
    assert (
        chat.last.outcome == "declined" and chat.state.phase == "declined" and chat.state.status == "declined"
    )
    assert chat.texts[0].startswith("Tack för att du hörde av dig")
    chat.send("fortsätt")
    assert chat.last.outcome == "reopened" and chat.question.question_id == "impact"


def test_decline_after_submitting_is_refused() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ja", "ändra", "berör oss inte")
    assert chat.error.startswith("Du har redan skickat in") and chat.state.status == "complete"


# --- state, resuming, determinism ----------------------------------------------------------------


def test_status_follows_the_dialogue() -> None:
    chat = Chat()
    statuses = [chat.state.status]
    for text in ["ja", *CAFE_ANSWERS[1:], "ja"]:
        chat.send(text)
        statuses.append(chat.state.status)
    assert statuses == ["invited", *["partial"] * 7, "complete"]


def test_a_dialogue_resumes_from_json_mid_way() -> None:
    chat = answered(Chat(), "best_time")
    chat.send(ToggleIn("concerns", "parking"))  # stale: on best_time now
    stored = json.dumps(chat.state.to_json())
    resumed = DialogueState.from_json(json.loads(stored))
    assert resumed == chat.state and resumed.to_json() == json.loads(stored)
    prompt = current_prompt(CAFE, resumed)
    assert isinstance(prompt[-1], QuestionOut) and prompt[-1].question_id == "best_time"
    result = step(CAFE, resumed, TextIn("2"), now=NOW)
    assert result.state.current == "staff"


def test_the_state_round_trips_in_every_phase() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS[:3], ToggleIn("x", "y"), "tillbaka", ToggleIn("concerns", "parking"), "stopp")
    for result in chat.steps:
        data = result.state.to_json()
        assert json.loads(json.dumps(data)) == data
        assert (
            DialogueState.from_json(data) == result.state and DialogueState.from_json(data).to_json() == data
        )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ([], "affected"),
        (CAFE_ANSWERS, "_submit"),
        ([*CAFE_ANSWERS, "ja"], "Tack! Dina svar är inskickade."),
        (["stopp"], "_stop"),
        (["berör oss inte"], "Tack för att du hörde av dig"),
        (["stopp", "ja"], "Okej, vi skickar inga fler"),
    ],
)
def test_current_prompt_renders_what_is_awaited(texts: list[str], expected: str) -> None:
    chat = Chat()
    chat.send(*texts)
    (prompt,) = current_prompt(CAFE, chat.state)
    if isinstance(prompt, QuestionOut):
        assert prompt.question_id == expected
    else:
        assert prompt.text.startswith(expected)


def test_current_prompt_shows_the_pending_selection() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "parking"))
    (prompt,) = current_prompt(CAFE, chat.state)
    assert isinstance(prompt, QuestionOut) and [c.selected for c in prompt.choices] == [False, True, False]


def test_the_same_inputs_give_the_same_steps() -> None:
    texts = [
        *CAFE_ANSWERS[:4],
        "tillbaka",
        "2",
        "kvall",
        "hoppa över",
        "12",
        "idag",
        "ändra 2",
        "1",
        "skip",
        "ja",
    ]
    first, second = Chat(), Chat()
    first.send(*texts)
    second.send(*texts)
    assert first.steps == second.steps


def test_a_closed_consultation_takes_no_answers_but_still_honours_stop() -> None:
    late = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    chat = answered(Chat(), "staff")
    chat.now = late
    chat.send("12")
    assert chat.texts[0].startswith("Samrådet är avslutat") and chat.state.phase == "closed"
    assert "staff" not in chat.state.answers and chat.state.status == "partial"
    chat.send("stopp", "ja")
    assert chat.state.phase == "opted_out"
    assert begin(CAFE, language="sv", now=late).state.phase == "closed"


LATE = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)  # after CAFE closes


@pytest.mark.parametrize("pressed", [CommandIn("change"), CommandIn("change", "1"), CommandIn("submit"),
                                     CommandIn("done"), CommandIn("skip"), CommandIn("decline")])
def test_after_closing_buttons_change_nothing_but_the_stop_button_still_works(pressed: CommandIn) -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS)  # at the summary, not yet submitted
    before = chat.state.answers
    chat.now = LATE
    chat.send(pressed)
    assert chat.last.messages == (
        TextOut("Samrådet är avslutat, så det går inte att svara längre. Tack för ditt intresse!", "notice"),
    )
    assert chat.state.phase == "closed" and chat.state.answers == before and chat.last.changes == ()
    assert chat.state.updated_at == LATE.isoformat()
    assert chat.outcomes == [] and chat.state.submitted_at is None
    chat.send(CommandIn("stop"))
    assert chat.question.question_id == "_stop"
    chat.send(ChoiceIn("_stop", ("yes",)))
    assert chat.outcomes == ["opted_out"]


@pytest.mark.parametrize(
    ("before", "phase"),
    [([*CAFE_ANSWERS, "ja"], "submitted"), (["berör oss inte"], "declined"), (["stopp", "ja"], "opted_out")],
)
def test_closing_leaves_a_finished_dialogue_as_it_ended(before: list[str], phase: str) -> None:
    chat = Chat()
    chat.send(*before)
    chat.now = LATE
    chat.send("hej")
    assert chat.texts[0].startswith("Samrådet är avslutat") and chat.state.phase == phase


def test_closing_drops_a_selection_being_built() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"))
    chat.now = LATE
    chat.send(ToggleIn("concerns", "parking"))
    assert chat.state.phase == "closed" and chat.state.pending == ()


def test_submitted_then_stopped_then_back_is_still_submitted() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ja", "stopp", "ja")
    assert chat.outcomes == ["submitted", "opted_out"]
    chat.send("fortsätt")
    assert chat.last.outcome == "reopened"
    assert chat.texts == ["Vi har redan fått dina svar. Skriv ändra om du vill ändra något."]
    assert chat.state.phase == "submitted" and chat.state.status == "complete"
    assert chat.state.answers == CAFE_VALUES
    chat.send("ändra 5", "14", "ja")  # and can change an answer as before
    assert chat.state.answers["staff"] == 14 and chat.outcomes[-1] == "submitted"


def test_declined_then_back_asks_where_it_stood() -> None:
    chat = answered(Chat(), "best_time")
    chat.send("berör oss inte", "fortsätt")
    assert chat.texts[0] == "Välkommen tillbaka!" and chat.question.question_id == "best_time"
    assert chat.state.phase == "asking" and chat.state.submitted_at is None


LATER = NOW + dt.timedelta(hours=2)
SUBMITTED = [*CAFE_ANSWERS, "ja"]


@pytest.mark.parametrize(
    ("before", "then"),
    [
        ([], "ja"),  # an answer
        ([], "kanske"),  # a refusal
        (CAFE_ANSWERS[:6], "hoppa över"),  # a skip
        (CAFE_ANSWERS[:2], "tillbaka"),  # back
        (CAFE_ANSWERS[:2], "ändra"),  # the list of answers
        (CAFE_ANSWERS[:2], "ändra 1"),  # one answer to change
        (CAFE_ANSWERS[:6], "fortsätt"),  # resume on a question not answered yet
        (CAFE_ANSWERS[:2], ToggleIn("concerns", "noise")),
        (CAFE_ANSWERS, "ja"),  # submitted
        (CAFE_ANSWERS, "hoppa över"),  # nothing to skip at the summary
        (SUBMITTED, "ändra"),  # the summary again after submitting
        (SUBMITTED, "hoppa över"),  # nothing to skip after submitting
        ([], "stopp"),
        (["stopp"], "nej"),
        (["stopp"], "ja"),
        (["stopp", "ja"], "fortsätt"),
        ([*SUBMITTED, "stopp", "ja"], "fortsätt"),
        (CAFE_ANSWERS[:2], "berör oss inte"),
    ],
)
def test_the_stored_state_says_when_the_contact_last_moved_the_dialogue(
    before: list[str], then: Inbound | str
) -> None:
    chat = Chat()
    chat.send(*before)
    chat.now = LATER
    chat.send(then)
    assert chat.state.updated_at == LATER.isoformat() and chat.state.started_at == NOW.isoformat()


@pytest.mark.parametrize(
    ("before", "then", "first"),
    [
        (CAFE_ANSWERS, "ja", ("Tack! Dina svar är inskickade.", "done")),
        (CAFE_ANSWERS[:2], "berör oss inte", ("Tack för att du hörde av dig", "done")),
        (["stopp"], "ja", ("Okej, vi skickar inga fler meddelanden", "done")),
        (SUBMITTED, "hoppa över", ("Vi har redan fått dina svar.", "notice")),
        ([*SUBMITTED, "stopp", "ja"], "fortsätt", ("Vi har redan fått dina svar.", "notice")),
        (CAFE_ANSWERS, "nej", ("Inga problem", "notice")),
        ([], "kanske", ("Svara ja eller nej.", "error")),
        (CAFE_ANSWERS[:2], "ändra", ("Skriv ändra och numret på", "summary")),
    ],
)
def test_each_message_says_what_it_is_so_a_channel_can_set_it_apart(
    before: list[str], then: str, first: tuple[str, str]
) -> None:
    chat = Chat()
    chat.send(*before, then)
    message = chat.last.messages[0]
    assert isinstance(message, TextOut)
    assert (message.text[: len(first[0])], message.style) == first


def test_a_question_added_while_a_contact_was_at_the_summary_is_asked_before_submitting() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS)
    assert chat.question.question_id == "_submit"
    added = {"id": "parking_spaces", "kind": "number", "text": "Hur många p-platser har ni?"}
    chat.questionnaire = Questionnaire.model_validate(
        {**CAFE.model_dump(mode="json", exclude_none=True), "questions": [
            *CAFE.model_dump(mode="json", exclude_none=True)["questions"], added]}
    )
    chat.send("ja")
    assert chat.outcomes == [] and chat.question.question_id == "parking_spaces"
    assert chat.state.answers == CAFE_VALUES
    chat.send("4", "ja")
    assert chat.outcomes == ["submitted"] and chat.state.answers == {**CAFE_VALUES, "parking_spaces": 4}


def test_resume_keeps_a_selection_being_built() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "noise"), "fortsätt")
    assert chat.state.pending == ("noise",) and chat.question.question_id == "concerns"
    assert [c.selected for c in chat.question.choices] == [False, False, True]


def extended(questionnaire: Questionnaire) -> Questionnaire:
    """The same consultation with its closing date moved past LATE."""
    return questionnaire.model_copy(update={"closes": dt.datetime(2025, 6, 1, tzinfo=dt.UTC)})


def test_a_dialogue_stored_as_closed_goes_on_where_it_stood_when_the_closing_date_is_moved() -> None:
    chat = answered(Chat(), "staff")
    chat.now = LATE
    chat.send("12")
    assert chat.state.phase == "closed" and "staff" not in chat.state.answers
    chat.questionnaire = extended(CAFE)
    chat.send("12")
    assert chat.last.changes == (AnswerChange("staff", 12),) and chat.question.question_id == "start"


def test_a_summary_stored_as_closed_is_a_summary_again_when_the_closing_date_is_moved() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS)
    chat.now = LATE
    chat.send("ja")
    assert chat.state.phase == "closed" and chat.outcomes == []
    chat.questionnaire = extended(CAFE)
    chat.send("ja")
    assert chat.outcomes == ["submitted"] and chat.state.answers == CAFE_VALUES


def test_a_change_after_submitting_stored_as_closed_is_still_submitted_when_reopened() -> None:
    chat = Chat()
    chat.send(*CAFE_ANSWERS, "ja", "ändra 5")
    assert chat.state.phase == "asking"
    chat.now = LATE
    chat.send("14")
    assert chat.state.phase == "closed" and chat.state.answers["staff"] == 12
    chat.questionnaire = extended(CAFE)
    chat.send("hjälp")
    assert chat.state.phase == "submitted" and chat.state.status == "complete"


@pytest.mark.parametrize(
    ("closes", "now", "closed"),
    [
        # a closing time without a zone is UTC, whichever side has the zone
        ("2025-04-15T17:00:00", dt.datetime(2025, 4, 15, 16, 59, tzinfo=dt.UTC), False),
        ("2025-04-15T17:00:00", dt.datetime(2025, 4, 15, 17, 0, tzinfo=dt.UTC), True),
        ("2025-04-15T17:00:00", dt.datetime(2025, 4, 15, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), False),
        ("2025-04-15T17:00:00+02:00", dt.datetime(2025, 4, 15, 14, 59), False),
        ("2025-04-15T17:00:00+02:00", dt.datetime(2025, 4, 15, 15, 0), True),
        ("2025-04-15T17:00:00", dt.datetime(2025, 4, 15, 17, 0), True),
        ("2025-04-15T17:00:00", dt.datetime(2025, 4, 15, 16, 59, 59), False),
    ],
)
def test_a_consultation_closes_at_its_closing_time(closes: str, now: dt.datetime, closed: bool) -> None:
    questionnaire = Questionnaire.model_validate(
        {"title": "T", "closes": closes, "questions": [{"id": "a", "kind": "text", "text": "A?"}]}
    )
    started = begin(questionnaire, language="sv", now=now).state
    assert (started.phase == "closed") is closed and started.updated_at == now.isoformat()


def test_an_empty_form_answer_skips_an_optional_question_but_not_a_required_one() -> None:
    from conversations.engine import begin, step
    from conversations.messages import ChoiceIn
    from conversations.questionnaire import Questionnaire

    questionnaire = Questionnaire.model_validate({
        "title": "T",
        "questions": [
            {"id": "staff", "kind": "number", "text": "Hur många?"},
            {"id": "comments", "kind": "text", "text": "Något mer?", "required": False},
        ],
    })
    now = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    state = begin(questionnaire, language="sv", now=now).state
    refused = step(questionnaire, state, ChoiceIn("staff", ("",)), now=now)
    assert refused.state.current == "staff" and refused.changes == ()
    answered = step(questionnaire, refused.state, ChoiceIn("staff", ("3",)), now=now)
    skipped = step(questionnaire, answered.state, ChoiceIn("comments", ("  ",)), now=now)
    assert skipped.state.phase == "summary"
    assert skipped.state.skipped == ("comments",)


def test_on_a_form_the_dialogue_speaks_of_buttons_not_of_words_to_type() -> None:
    from conversations.engine import begin, step
    from conversations.messages import ChoiceIn, TextOut
    from conversations.questionnaire import Questionnaire
    from conversations.state import DialogueState

    questionnaire = Questionnaire.model_validate(
        {"title": "T", "questions": [{"id": "affected", "kind": "yesno", "text": "Påverkas ni?"}]}
    )
    now = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    chat, form = (begin(questionnaire, language="sv", now=now, form=flag) for flag in (False, True))
    notices = [next(m.text for m in s.messages if isinstance(m, TextOut) and m.style == "notice") for s in (chat, form)]
    assert "Skriv stopp" in notices[0]
    assert "Skriv" not in notices[1] and "allmän handling" in notices[1]
    state = DialogueState.from_json(form.state.to_json())
    assert state.form
    summary = step(questionnaire, state, ChoiceIn("affected", ("yes",)), now=now)
    done = step(questionnaire, summary.state, ChoiceIn("_submit", ("yes",)), now=now)
    assert done.messages[0].text == "Tack! Dina svar är inskickade. Du kan ändra dem så länge samrådet pågår."


# --- which question a step answered or left behind (what a chat channel edits) -------------------


def test_an_answer_leaves_its_question_behind() -> None:
    chat = Chat()
    chat.send("ja")
    assert (chat.last.awaited, chat.last.left) == ("affected", "affected")


def test_a_refused_answer_keeps_its_question_awaited() -> None:
    chat = answered(Chat(), "impact")
    chat.send("elva")
    assert (chat.last.awaited, chat.last.left) == ("impact", None)


def test_a_toggle_keeps_the_multi_choice_awaited_and_done_leaves_it() -> None:
    chat = answered(Chat(), "concerns")
    chat.send(ToggleIn("concerns", "parking"))
    assert (chat.last.awaited, chat.last.left) == ("concerns", None)
    chat.send(CommandIn("done"))
    assert (chat.last.awaited, chat.last.left) == ("concerns", "concerns")


def test_back_leaves_the_question_unanswered_behind() -> None:
    chat = answered(Chat(), "best_time")
    chat.send("tillbaka")
    assert (chat.last.awaited, chat.last.left) == ("best_time", "best_time")
    assert chat.question.question_id == "concerns" and "best_time" not in chat.state.answers


def test_help_asks_the_same_question_again_so_nothing_is_left() -> None:
    chat = answered(Chat(), "staff")
    chat.send("hjälp")
    assert (chat.last.awaited, chat.last.left) == ("staff", None)


def test_submitting_leaves_the_summary_behind_and_a_submitted_dialogue_awaits_nothing() -> None:
    chat = answered(Chat(), "comments")
    chat.send("Mer parkering")
    assert chat.question.question_id == "_submit"
    chat.send(ChoiceIn("_submit", ("yes",)))
    assert (chat.last.awaited, chat.last.left) == ("_submit", "_submit")
    chat.send("hej")
    assert chat.last.awaited is None and chat.last.left is None


def test_stop_is_awaited_as_the_engine_s_own_question_until_confirmed() -> None:
    chat = answered(Chat(), "impact")
    chat.send("stopp")
    assert (chat.last.awaited, chat.last.left) == ("impact", "impact")
    assert chat.question.question_id == "_stop"
    chat.send("nej")
    assert (chat.last.awaited, chat.last.left) == ("_stop", "_stop")
    assert chat.question.question_id == "impact"
