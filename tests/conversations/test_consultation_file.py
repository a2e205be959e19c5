"""The consultation YAML file: what an official writes, and how a mistake in it is explained.

The fixture `data/traffic_early.yaml` is the README's example. Its lines, for reading the table:
2 case, 3 reference, 4 title, 5 type, 6 stage, 7 consultation, 8 title, 9 intro, 10 opens, 11 closes,
12 audience, 13 reminders, 14 questions, 15–21 the questions affected, impact, concerns, best_time,
staff, start, comments.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conversations.consultation_file import (
    AudienceSpec,
    ConsultationFile,
    format_duration,
    load_consultation_file,
    load_consultation_path,
    parse_duration,
)
from conversations.questionnaire import Questionnaire, QuestionnaireError

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "traffic_early.yaml"
CET = dt.timezone(dt.timedelta(hours=1))


def example() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def edited(old: str, new: str) -> str:
    text = example()
    assert old in text, old
    return text.replace(old, new, 1)


def error_of(text: str) -> str:
    with pytest.raises(QuestionnaireError) as caught:
        load_consultation_file(text)
    message = str(caught.value)
    assert "Traceback" not in message and "errors.pydantic.dev" not in message
    return message


# --- a good file ---------------------------------------------------------------------------------


def test_the_contract_example_loads() -> None:
    file = load_consultation_path(EXAMPLE)
    assert file.case.reference == "KS 2024/0042"
    assert file.case.title.get("sv") == "Ombyggnad av Mörby centrum"
    assert (file.case.type, file.case.stage) == ("traffic", "early")
    assert file.participation_level == "dialogue"
    spec = file.consultation
    assert spec.title.get("en") == "Traffic during construction"
    assert spec.opens == dt.datetime(2024, 3, 1, 8, tzinfo=CET)
    assert spec.closes == dt.datetime(2024, 3, 15, 17, tzinfo=CET)
    assert spec.audience == AudienceSpec(areas=("Mörby",), industries=("47", "56"))
    assert spec.reminders == (dt.timedelta(days=3), dt.timedelta(days=6))
    assert [q.id for q in spec.questions] == [
        "affected",
        "impact",
        "concerns",
        "best_time",
        "staff",
        "start",
        "comments",
    ]
    assert spec.questions[1].when == {"affected": True}


def test_the_file_gives_the_engine_its_questionnaire() -> None:
    file = load_consultation_file(example())
    questionnaire = file.questionnaire()
    assert isinstance(questionnaire, Questionnaire)
    assert questionnaire.title == file.consultation.title
    assert questionnaire.intro == file.consultation.intro
    assert questionnaire.questions == file.consultation.questions
    assert questionnaire.closes == file.consultation.closes
    assert Questionnaire.model_validate(questionnaire.model_dump(mode="json")) == questionnaire


def test_an_everyone_audience_and_no_reminders_or_opening_time() -> None:
    text = edited("  opens: 2024-03-01T08:00:00+01:00\n", "")
    text = text.replace(
        '{areas: [Mörby], industries: ["47", "56"], tags: [], org_numbers: []}', "{all: true}"
    )
    text = text.replace("  reminders: [P3D, P6D]\n", "")
    spec = load_consultation_file(text).consultation
    assert spec.audience.all and spec.opens is None and spec.reminders == ()


def test_closes_may_be_utc_and_quoted() -> None:
    file = load_consultation_file(edited("2024-03-15T17:00:00+01:00", '"2024-03-15T16:00:00Z"'))
    assert file.consultation.closes == dt.datetime(2024, 3, 15, 17, tzinfo=CET)


def test_organisation_numbers_are_checked_and_normalised() -> None:
    file = load_consultation_file(edited("org_numbers: []", 'org_numbers: ["5560360793", 556036-0793]'))
    assert file.consultation.audience.org_numbers == ("556036-0793", "556036-0793")


def test_a_consultation_file_survives_a_json_round_trip_for_storage() -> None:
    file = load_consultation_file(example())
    stored = json.loads(json.dumps(file.model_dump(mode="json")))
    assert stored["consultation"]["reminders"] == ["P3D", "P6D"]
    assert stored["consultation"]["closes"] == "2024-03-15T17:00:00+01:00"
    assert ConsultationFile.model_validate(stored) == file


def test_to_yaml_round_trips() -> None:
    file = load_consultation_file(example())
    again = load_consultation_file(file.to_yaml())
    assert again == file
    assert file.to_yaml().startswith(
        "# Samråd: Trafik- och vägarbeten, tidigt skede – delaktighetsnivå dialog."
    )


# --- a bad file: one problem, one clear line -----------------------------------------------------

BAD_FILES = [
    # (what is wrong, old text, new text, expected message)
    (
        "unknown kind",
        "kind: scale",
        "kind: slider",
        'line 16, consultation.questions[1].kind: unknown kind "slider" '
        "(expected one of yesno, choice, multi, scale, number, date, text)",
    ),
    (
        "typo in a field name",
        "  questions:",
        "  qestions:",
        'line 14, consultation.qestions: unknown field "qestions" (did you mean "questions"?) '
        "(expected title, intro, opens, closes, audience, reminders, remind_before_close, anonymous, questions)",
    ),
    (
        "unknown language",
        'en: "Traffic during construction"',
        'de: "Verkehr während der Bauzeit"',
        'line 8, consultation.title.de: unknown language "de" (a text has sv and/or en)',
    ),
    (
        "empty text",
        'text: "Något mer?"',
        'text: ""',
        "line 21, consultation.questions[6].text: the text is empty: write it in Swedish (sv), "
        "English (en) or both",
    ),
    (
        "empty text mapping",
        'text: "Något mer?"',
        "text: {}",
        "line 21, consultation.questions[6].text: the text is empty",
    ),
    (
        "missing required field",
        '  title: "Ombyggnad av Mörby centrum"\n',
        "",
        "line 2, case.title: required, but missing",
    ),
    (
        "missing closing time",
        "  closes: 2024-03-15T17:00:00+01:00\n",
        "",
        "line 7, consultation.closes: required, but missing",
    ),
    (
        "naive closing time",
        "closes: 2024-03-15T17:00:00+01:00",
        "closes: 2024-03-15T17:00:00",
        'line 11, consultation.closes: "2024-03-15T17:00:00" has no UTC offset; add one, e.g. +01:00',
    ),
    (
        "closing date without a time",
        "closes: 2024-03-15T17:00:00+01:00",
        "closes: 2024-03-15",
        'line 11, consultation.closes: "2024-03-15" is a date without a time; write e.g. '
        "2024-03-15T17:00:00+01:00",
    ),
    (
        "not a date at all",
        "closes: 2024-03-15T17:00:00+01:00",
        "closes: next friday",
        'line 11, consultation.closes: "next friday" is not a date and time',
    ),
    (
        "opens after closes",
        "opens: 2024-03-01T08:00:00+01:00",
        "opens: 2024-03-20T08:00:00+01:00",
        "line 10, consultation.opens: opens (2024-03-20T08:00:00+01:00) must be before closes",
    ),
    (
        "unknown case type",
        "type: traffic",
        "type: roadworks",
        'line 5, case.type: unknown case type "roadworks" (expected one of detailed_planning, traffic, '
        "procurement, permits, events, policy)",
    ),
    (
        "unknown stage",
        "stage: early",
        "stage: planning",
        'line 6, case.stage: unknown stage "planning" (expected one of early, consultation, decision, '
        "implementation, follow_up)",
    ),
    (
        "bad reminder",
        "[P3D, P6D]",
        "[P3D, 3 days]",
        'line 13, consultation.reminders[1]: "3 days" is not a duration; write e.g. P3D',
    ),
    (
        "reminder in months",
        "[P3D, P6D]",
        "[P1M]",
        'line 13, consultation.reminders[0]: "P1M": years and months have no fixed length; use days',
    ),
    (
        "reminders out of order",
        "[P3D, P6D]",
        "[P6D, P3D]",
        "line 13, consultation.reminders[1]: P3D does not come after P6D; list reminders in increasing order",
    ),
    (
        "reminder after closing",
        "[P3D, P6D]",
        "[P3D, P20D]",
        "line 13, consultation.reminders[1]: P20D after opening is already past closing time",
    ),
    (
        "empty audience",
        '{areas: [Mörby], industries: ["47", "56"], tags: [], org_numbers: []}',
        "{areas: [], tags: []}",
        "line 12, consultation.audience: the audience is empty: set all: true, or name areas, industries, "
        "tags or org_numbers",
    ),
    (
        "everyone and a filter",
        "audience: {areas: [Mörby]",
        "audience: {all: true, areas: [Mörby]",
        "line 12, consultation.audience.all: all: true invites every business; remove the areas",
    ),
    (
        "SNI code as a bare number",
        '["47", "56"]',
        '[47, "56"]',
        'line 12, consultation.audience.industries[0]: write SNI codes in quotes, e.g. "47"',
    ),
    (
        "SNI code with a section letter",
        '["47", "56"]',
        '["47", "G47"]',
        "line 12, consultation.audience.industries[1]: 'G47' is not an SNI code or prefix: 1–5 digits",
    ),
    (
        "organisation number with a wrong check digit",
        "org_numbers: []",
        "org_numbers: [556036-0794]",
        'line 12, consultation.audience.org_numbers[0]: organisation number "556036-0794" fails its '
        "check digit",
    ),
    (
        "duplicate question id",
        "{id: staff,",
        "{id: affected,",
        'line 19, consultation.questions[4].id: duplicate question id "affected" (already used by '
        "questions[0])",
    ),
    (
        "when names a later question",
        "when: {affected: true}",
        "when: {staff: 3}",
        'line 16, consultation.questions[1].when.staff: "staff" comes later (questions[4]); '
        "a condition can only look at earlier answers",
    ),
    (
        "when names an unknown question",
        "when: {affected: true}",
        "when: {afected: true}",
        'line 16, consultation.questions[1].when.afected: "afected" is not a question in this questionnaire '
        '(did you mean "affected"?)',
    ),
    (
        "when names itself",
        "when: {affected: true}",
        "when: {impact: 3}",
        "line 16, consultation.questions[1].when.impact: a question cannot depend on its own answer",
    ),
    (
        "when with a string for a yes/no question",
        "when: {affected: true}",
        'when: {affected: "ja"}',
        'line 16, consultation.questions[1].when.affected: "affected" is a yes/no question: '
        'the condition is true or false, not "ja"',
    ),
    (
        "when with an option that does not exist",
        '{id: comments, kind: text, text: "Något mer?", required: false}',
        '{id: comments, kind: text, text: "Något mer?", required: false, when: {best_time: noon}}',
        'line 21, consultation.questions[6].when.best_time: "noon" is not an option of "best_time" '
        "(options: morning, evening)",
    ),
    (
        "scale with min above max",
        "min: 1, max: 5",
        "min: 5, max: 1",
        "line 16, consultation.questions[1].min: the scale's min (5) must be below its max (1)",
    ),
    (
        "scale too wide",
        "min: 1, max: 5",
        "min: 1, max: 20",
        "line 16, consultation.questions[1].max: a scale can have at most 11 steps (like 0–10); 1–20 has 20",
    ),
    (
        "choice with one option",
        ", {id: evening, text: Kväll}",
        "",
        "line 18, consultation.questions[3].options: a choice question needs at least two options",
    ),
    (
        "multi without options",
        ", options: [{id: deliveries, text: Leveranser}, {id: parking, text: Parkering}]}",
        "}",
        "line 17, consultation.questions[2].options: a multi question needs options (at least two)",
    ),
    (
        "options for a yes/no question",
        '{id: affected, kind: yesno, text: "Påverkas ert företag?"}',
        '{id: affected, kind: yesno, text: "Påverkas ert företag?", options: [{id: a, text: Ja}, '
        "{id: b, text: Nej}]}",
        "line 15, consultation.questions[0].options: a yesno question takes no options (only choice "
        "and multi do)",
    ),
    (
        "an option id used twice",
        "{id: parking, text: Parkering}",
        "{id: deliveries, text: Parkering}",
        'line 17, consultation.questions[2].options[1].id: option id "deliveries" is used twice',
    ),
    (
        "number with min above max",
        "min: 0}",
        "min: 10, max: 5}",
        "line 19, consultation.questions[4].min: min (10) is above max (5)",
    ),
    (
        "a bad question id",
        "{id: start,",
        "{id: 2nd start,",
        'line 20, consultation.questions[5].id: "2nd start" is not allowed: a question id starts '
        "with a letter",
    ),
    (
        "yes as a text",
        'text: "Något mer?"',
        "text: yes",
        "line 21, consultation.questions[6].text: expected a text, got true/false: YAML reads yes, "
        "no, on and off",
    ),
    (
        "duplicate key",
        "  stage: early\n",
        "  stage: early\n  stage: decision\n",
        'line 7, case.stage: duplicate key "stage" (first on line 6); YAML would silently keep only '
        "the last one",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_a_bad_file_is_explained_on_its_line(old: str, new: str, expected: str) -> None:
    message = error_of(edited(old, new))
    assert message.splitlines()[0].startswith(expected), message


def test_a_consultation_without_questions_is_refused() -> None:
    text = example().split("  questions:")[0] + "  questions: []\n"
    assert (
        error_of(text)
        == "line 14, consultation.questions: there are no questions: a consultation needs at least one"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("case: {reference: x\n", "line 2: not valid YAML: expected ',' or '}', but got '<stream end>'"),
        ("case:\n  - a\n b: c\n", "line 3: not valid YAML:"),
        ("", "line 1: the file is empty"),
        (
            "- case\n- consultation\n",
            "line 1: a consultation file must be a mapping with the keys case, consultation",
        ),
        ("Just some words", "line 1: a consultation file must be a mapping"),
        ("case: !!python/object:os.system x\n", "line 1: not valid YAML: could not determine a constructor"),
    ],
)
def test_not_a_consultation_file_at_all(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_several_problems_are_reported_together_in_line_order() -> None:
    text = edited("kind: scale", "kind: slider").replace("  questions:", "  questions:", 1)
    text = text.replace("type: traffic", "type: roads").replace("{id: start,", "{id: start, colour: red,")
    lines = error_of(text).splitlines()
    assert [line.split(",")[0] for line in lines] == ["line 5", "line 16", "line 20"]
    assert 'unknown field "colour"' in lines[2]


def test_problems_across_fields_are_collected_too() -> None:
    text = edited("{id: staff,", "{id: affected,").replace("min: 1, max: 5", "min: 1, max: 50")
    text = text.replace("[P3D, P6D]", "[P6D, P3D]")
    lines = error_of(text).splitlines()
    assert [line.split(",")[0] for line in lines] == ["line 13", "line 16", "line 19"]


def test_block_style_yaml_points_at_the_exact_line() -> None:
    text = """\
case:
  reference: KS 2024/0042
  title: Ombyggnad av Mörby centrum
  type: traffic
  stage: early
consultation:
  title: Trafiken under byggtiden
  closes: 2024-03-15T17:00:00+01:00
  audience:
    all: true
  questions:
    - id: affected
      kind: yesno
      text: Påverkas ert företag?
    - id: impact
      text: Hur mycket?
      kind: slider
"""
    assert error_of(text) == (
        'line 17, consultation.questions[1].kind: unknown kind "slider" '
        "(expected one of yesno, choice, multi, scale, number, date, text)"
    )


def test_the_file_name_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "samrad.yaml"
    path.write_text(edited("kind: scale", "kind: slider"), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load_consultation_path(path)
    assert str(caught.value).startswith(f"{path}, line 16, consultation.questions[1].kind")
    assert caught.value.source == str(path)


def test_a_missing_file_is_a_questionnaire_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="cannot read the file"):
        load_consultation_path(tmp_path / "nope.yaml")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Mörby".encode("latin-1"))
    with pytest.raises(QuestionnaireError, match="not UTF-8"):
        load_consultation_path(path)


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("P3D", dt.timedelta(days=3)),
        ("PT12H", dt.timedelta(hours=12)),
        ("P1DT2H", dt.timedelta(days=1, hours=2)),
        ("P1W", dt.timedelta(weeks=1)),
        ("PT90M", dt.timedelta(minutes=90)),
        ("P2DT3H4M5S", dt.timedelta(days=2, hours=3, minutes=4, seconds=5)),
        ("p3d", dt.timedelta(days=3)),
    ],
)
def test_iso_durations(text: str, duration: dt.timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    "text", ["", "P", "PT", "P3", "3D", "P1DT", "P-1D", "P1.5D", "PT1D", "P1H", "3 days"]
)
def test_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1Y", "P1M", "P1Y2M3D", "P2M10D"])
def test_years_and_months_have_no_fixed_length(text: str) -> None:
    with pytest.raises(ValueError, match="years and months have no fixed length"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P3D", "PT12H", "P1DT2H", "PT30M", "P14D", "P1DT1H1M1S"])
def test_format_duration_is_the_inverse(text: str) -> None:
    assert format_duration(parse_duration(text)) == text


def test_a_zero_reminder_is_refused() -> None:
    assert "PT0S: a reminder must come after the invitation" in error_of(edited("[P3D, P6D]", "[P0D]"))


# --- building in Python --------------------------------------------------------------------------


def test_a_consultation_file_built_in_python_is_checked_too() -> None:
    data = load_consultation_file(example()).model_dump()
    data["consultation"]["audience"] = {"all": False}
    with pytest.raises(ValueError, match="the audience is empty"):
        ConsultationFile.model_validate(data)


# --- anonymous consultations -------------------------------------------------------------------


def test_a_consultation_is_named_anonymous_with_true_and_the_questionnaire_carries_it() -> None:
    file = load_consultation_file(edited("  reminders: [P3D, P6D]", "  reminders: [P3D, P6D]\n  anonymous: true"))
    assert file.consultation.anonymous is True and file.questionnaire().anonymous is True
    again = load_consultation_file(file.to_yaml())
    assert again == file and "\n  anonymous: true\n" in file.to_yaml()
    assert load_consultation_path(EXAMPLE).questionnaire().anonymous is False
    assert "anonymous" not in load_consultation_path(EXAMPLE).to_yaml()


@pytest.mark.parametrize(
    ("value", "shown"), [('"ja"', '"ja"'), ('"yes"', '"yes"'), ("1", "1"), ("[true]", "[True]")]
)
def test_anonymous_must_be_true_or_false(value: str, shown: str) -> None:
    message = error_of(edited("  reminders: [P3D, P6D]", f"  reminders: [P3D, P6D]\n  anonymous: {value}"))
    assert message.startswith("line 14, consultation.anonymous: expected true or false"), message
    assert shown in message and len(message.splitlines()) == 1
