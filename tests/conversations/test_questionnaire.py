"""The questionnaire model: texts, questions, conditions, YAML with lines, and storage round trips."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from conversations.questionnaire import (
    MAX_SCALE_STEPS,
    LocalText,
    Question,
    Questionnaire,
    QuestionnaireError,
    Range,
    check_questions,
    format_path,
    load_questionnaire,
    parse_yaml,
)

YESNO = {"id": "affected", "kind": "yesno", "text": "Påverkas ert företag?"}
SCALE = {"id": "impact", "kind": "scale", "text": "Hur mycket?", "min": 1, "max": 5}
CHOICE = {
    "id": "best_time",
    "kind": "choice",
    "text": "När stör arbetet minst?",
    "options": [{"id": "morning", "text": "Morgon"}, {"id": "evening", "text": "Kväll"}],
}
MULTI = {
    "id": "concerns",
    "kind": "multi",
    "text": "Vad oroar er?",
    "options": [{"id": "deliveries", "text": "Leveranser"}, {"id": "parking", "text": "Parkering"}],
}
NUMBER = {"id": "staff", "kind": "number", "text": "Hur många anställda?", "min": 0}
DATE = {"id": "start", "kind": "date", "text": "Från vilket datum?"}
TEXT = {"id": "comments", "kind": "text", "text": "Något mer?", "required": False}


def questions(*specs: dict[str, object]) -> list[Question]:
    return [Question.model_validate(spec) for spec in specs]


def problems(*specs: dict[str, object]) -> list[tuple[tuple[str | int, ...], str]]:
    return check_questions(questions(*specs))


# --- texts ---------------------------------------------------------------------------------------


def test_a_plain_string_is_the_same_text_in_both_languages() -> None:
    text = LocalText.model_validate("Påverkas ert företag?")
    assert text.get("sv") == text.get("en") == "Påverkas ert företag?"


def test_a_missing_language_falls_back_to_the_other() -> None:
    text = LocalText.model_validate({"sv": "Leveranser"})
    assert text.get("en") == "Leveranser"


@pytest.mark.parametrize("value", ["", "   ", {}, {"sv": "", "en": " "}])
def test_an_empty_text_is_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="the text is empty"):
        LocalText.model_validate(value)


def test_yaml_booleans_in_a_text_get_a_hint_about_quotes() -> None:
    with pytest.raises(ValidationError, match="put the text in quotes"):
        LocalText.model_validate(True)


# --- one question --------------------------------------------------------------------------------


def test_a_scale_without_bounds_runs_from_one_to_five() -> None:
    question = Question.model_validate({"id": "q", "kind": "scale", "text": "Hur nöjd?"})
    assert (question.min, question.max) == (1, 5)


@pytest.mark.parametrize(
    ("spec", "path", "message"),
    [
        ({**SCALE, "min": 5, "max": 1}, ("min",), "the scale's min (5) must be below its max (1)"),
        ({**SCALE, "min": 3, "max": 3}, ("min",), "the scale's min (3) must be below its max (3)"),
        ({**SCALE, "min": 0, "max": 11}, ("max",), "at most 11 steps (like 0–10); 0–11 has 12"),
        ({**SCALE, "min": 1, "max": 4.5}, ("max",), "a scale runs between whole numbers"),
        ({**CHOICE, "options": []}, ("options",), "a choice question needs options (at least two)"),
        ({**MULTI, "options": MULTI["options"][:1]}, ("options",), "needs at least two options"),
        ({**YESNO, "options": CHOICE["options"]}, ("options",), "a yesno question takes no options"),
        (
            {**CHOICE, "options": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]},
            ("options", 1, "id"),
            'option id "a" is used twice',
        ),
        ({**NUMBER, "min": 10, "max": 5}, ("min",), "min (10) is above max (5)"),
        ({**DATE, "min": 1}, ("min",), "min applies only to scale and number questions"),
        ({**YESNO, "max_length": 100}, ("max_length",), "max_length applies only to text questions"),
        ({**TEXT, "max_length": 0}, ("max_length",), "max_length must be between 1 and 4000"),
    ],
)
def test_a_question_that_cannot_work_is_refused(
    spec: dict[str, object], path: tuple[object, ...], message: str
) -> None:
    found = Question.model_validate(spec, context={"samrad_collect_issues": True}).issues()
    assert len(found) == 1
    assert found[0][0] == path
    assert message in found[0][1]
    with pytest.raises(ValidationError, match="Value error"):
        Question.model_validate(spec)


def test_the_widest_scale_is_zero_to_ten() -> None:
    question = Question.model_validate({**SCALE, "min": 0, "max": 10})
    assert question.max - question.min + 1 == MAX_SCALE_STEPS  # type: ignore[operator]


def test_a_number_question_may_have_equal_bounds_or_none() -> None:
    Question.model_validate({**NUMBER, "min": 3, "max": 3})
    Question.model_validate({"id": "n", "kind": "number", "text": "Belopp?"})


def test_a_when_that_is_not_a_mapping_is_explained() -> None:
    with pytest.raises(ValidationError, match="when is a mapping from earlier question ids"):
        Question.model_validate({**SCALE, "when": ["affected"]})


def test_a_range_takes_only_gte_and_lte() -> None:
    with pytest.raises(ValidationError, match='takes gte and/or lte, not "gt"'):
        Question.model_validate({**SCALE, "when": {"staff": {"gt": 3}}})


# --- conditions across questions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "condition"),
    [
        (YESNO, True),
        (YESNO, [True, False]),
        (CHOICE, "morning"),
        (CHOICE, ["morning", "evening"]),
        (MULTI, "parking"),
        (SCALE, 4),
        (SCALE, [4, 5]),
        (SCALE, {"gte": 4}),
        (NUMBER, {"gte": 10, "lte": 50}),
        (NUMBER, 2.5),
        (DATE, "2024-05-01"),
    ],
)
def test_a_condition_that_can_match_is_accepted(target: dict[str, object], condition: object) -> None:
    assert problems(target, {**TEXT, "when": {target["id"]: condition}}) == []


@pytest.mark.parametrize(
    ("target", "condition", "message"),
    [
        (YESNO, "yes", '"affected" is a yes/no question: the condition is true or false, not "yes"'),
        (YESNO, 1, "not 1"),
        (YESNO, [], "an empty list never matches"),
        (YESNO, [True, True], "a value is listed twice"),
        (CHOICE, "noon", '"noon" is not an option of "best_time" (options: morning, evening)'),
        (CHOICE, "mornin", '(did you mean "morning"?)'),
        (MULTI, ["parking", "noise"], '"noise" is not an option of "concerns"'),
        (CHOICE, {"gte": 1}, "ranges apply only to scale and number questions"),
        (SCALE, 7, '7 is outside the scale 1–5 of "impact", so it never matches'),
        (SCALE, 2.5, "a scale of whole numbers: 2.5 never matches"),
        (SCALE, True, "the condition is a number or {gte: …, lte: …}, not true"),
        (SCALE, {"gte": 4, "lte": 2}, "gte (4) is above lte (2): nothing matches"),
        (SCALE, {"gte": 6}, "the range lies outside the scale 1–5"),
        (SCALE, {}, "a range needs gte, lte or both"),
        (NUMBER, -1, "-1 is outside the range 0– of"),
        (DATE, "1 maj", 'the condition is a date like 2024-05-01, not "1 maj"'),
        (DATE, "2024-02-30", 'not "2024-02-30"'),
        (TEXT, "ja", "a free-text answer cannot be a condition"),
    ],
)
def test_a_condition_that_can_never_match_is_refused(
    target: dict[str, object], condition: object, message: str
) -> None:
    follower = {"id": "follow", "kind": "text", "text": "Berätta mer", "when": {target["id"]: condition}}
    found = problems(target, follower)
    assert [path for path, _ in found] == [(1, "when", target["id"])]
    assert message in found[0][1]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"impact": 3}, "a question cannot depend on its own answer"),
        ({"comments": "x"}, '"comments" comes later (questions[2]); a condition can only look at earlier'),
        ({"affectd": True}, '"affectd" is not a question in this questionnaire (did you mean "affected"?)'),
        ({}, "when is empty"),
    ],
)
def test_a_condition_names_an_earlier_question(when: dict[str, object], message: str) -> None:
    found = problems(YESNO, {**SCALE, "when": when}, TEXT)
    assert len(found) == 1
    assert found[0][0][0] == 1
    assert message in found[0][1]


def test_duplicate_question_ids_are_refused() -> None:
    assert problems(YESNO, {**TEXT, "id": "affected"}) == [
        ((1, "id"), 'duplicate question id "affected" (already used by questions[0])')
    ]


def test_a_questionnaire_needs_questions() -> None:
    with pytest.raises(ValidationError, match="there are no questions"):
        Questionnaire(title=LocalText.model_validate("Samråd"), questions=())


def test_building_a_bad_questionnaire_in_python_fails_loudly() -> None:
    with pytest.raises(ValidationError, match=r"questions\[1\]\.when\.affected"):
        Questionnaire.model_validate(
            {"title": "Samråd", "questions": [YESNO, {**SCALE, "when": {"affected": "ja"}}]}
        )


# --- storage -------------------------------------------------------------------------------------


def full_questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(
        {
            "title": {"sv": "Trafiken under byggtiden", "en": "Traffic during construction"},
            "intro": {"sv": "Vi vill veta hur ni påverkas."},
            "closes": dt.datetime(2024, 3, 15, 17, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            "questions": [
                YESNO,
                {**SCALE, "when": {"affected": True}, "help": {"sv": "1 = lite", "en": "1 = a little"}},
                {**MULTI, "when": {"impact": {"gte": 3}}},
                {**CHOICE, "when": {"concerns": ["parking"], "affected": True}},
                {**NUMBER, "max": 2.5e3, "required": False, "when": {"impact": [4, 5]}},
                {**DATE, "when": {"staff": {"lte": 10.5}}},
                {**TEXT, "max_length": 500, "when": {"start": "2024-05-01"}},
            ],
        }
    )


def test_a_questionnaire_survives_a_json_round_trip_for_storage() -> None:
    original = full_questionnaire()
    stored = json.loads(json.dumps(original.model_dump(mode="json")))
    restored = Questionnaire.model_validate(stored)
    assert restored == original
    assert restored.closes == original.closes
    assert restored.closes is not None and restored.closes.utcoffset() == dt.timedelta(hours=1)
    assert isinstance(restored.questions[2].when and restored.questions[2].when["impact"], Range)
    assert restored.questions[1].when == {"affected": True}
    assert restored.questions[4].when == {"impact": [4, 5]}


def test_question_lookup_and_position() -> None:
    questionnaire = full_questionnaire()
    assert questionnaire.question("staff") is not None
    assert questionnaire.question("nope") is None
    assert questionnaire.position("best_time") == 4
    assert questionnaire.questions[3].option("evening") is not None
    with pytest.raises(KeyError):
        questionnaire.position("nope")


# --- YAML with line numbers ----------------------------------------------------------------------


def test_every_key_and_item_knows_its_line() -> None:
    document = parse_yaml("title: Samråd\nquestions:\n  - id: a\n    kind: yesno\n  - id: b\n")
    assert document.lines[("title",)] == 1
    assert document.lines[("questions", 0)] == 3
    assert document.lines[("questions", 0, "kind")] == 4
    assert document.lines[("questions", 1, "id")] == 5
    assert document.line(("questions", 1, "missing", "deeper")) == 5


def test_duplicate_keys_are_found_on_the_composed_nodes() -> None:
    document = parse_yaml("title: A\nquestions: []\ntitle: B\n")
    assert [str(p) for p in document.duplicates] == [
        'line 3, title: duplicate key "title" (first on line 1); YAML would silently keep only the last one'
    ]


def test_dates_stay_text_for_the_models_to_explain() -> None:
    assert parse_yaml("closes: 2024-03-15T17:00:00+01:00").data == {"closes": "2024-03-15T17:00:00+01:00"}


def test_format_path() -> None:
    assert format_path(("consultation", "questions", 2, "kind")) == "consultation.questions[2].kind"
    assert format_path(()) == ""


def test_a_bare_questionnaire_loads_from_yaml() -> None:
    questionnaire = load_questionnaire(
        "title: {sv: Samråd, en: Consultation}\n"
        "questions:\n"
        '  - {id: affected, kind: yesno, text: "Påverkas ni?"}\n'
        '  - {id: impact, kind: scale, text: "Hur mycket?", when: {affected: yes}}\n'
    )
    assert questionnaire.questions[1].when == {"affected": True}  # YAML's yes is true


def test_a_bad_bare_questionnaire_names_line_and_field() -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire("title: Samråd\nquestions:\n  - {id: a, kind: slider, text: A}\n", source="q.yaml")
    assert str(caught.value) == (
        'q.yaml, line 3, questions[0].kind: unknown kind "slider" '
        "(expected one of yesno, choice, multi, scale, number, date, text)"
    )
    assert isinstance(caught.value, ValueError)
    assert caught.value.problems[0].line == 3
