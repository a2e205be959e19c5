"""The dialogue model: case types × stages → participation level and a questionnaire template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources

import pytest

from conversations.consultation_file import (
    DEFAULT_REMINDERS,
    AudienceSpec,
    ConsultationFile,
    load_consultation_file,
)
from conversations.dialogue_model import (
    CASE_TYPE_IDS,
    CASE_TYPES,
    LEVEL_IDS,
    PARTICIPATION_LEVELS,
    PARTICIPATION_PROMISES,
    STAGE_IDS,
    STAGES,
    TemplateFile,
    all_pairs,
    participation_level,
    template,
    template_questionnaire,
)
from conversations.questionnaire import LocalText, Questionnaire, QuestionnaireError, validate_yaml
from conversations.template_yaml import render_template_yaml

PAIRS = all_pairs()
CLOSES = dt.datetime(2024, 5, 31, 17, tzinfo=dt.timezone(dt.timedelta(hours=2)))
LADDER = list(LEVEL_IDS)


def rung(case_type: str, stage: str) -> int:
    return LADDER.index(participation_level(case_type, stage))


# --- the vocabulary ------------------------------------------------------------------------------


def test_the_case_types_and_stages_of_the_model() -> None:
    assert CASE_TYPE_IDS == ("detailed_planning", "traffic", "procurement", "permits", "events", "policy")
    assert STAGE_IDS == ("early", "consultation", "decision", "implementation", "follow_up")
    assert LADDER == ["information", "consultation", "dialogue", "influence"]
    assert list(CASE_TYPES) == list(CASE_TYPE_IDS) and list(STAGES) == list(STAGE_IDS)
    assert CASE_TYPES["detailed_planning"].get("sv") == "Detaljplan"
    assert STAGES["early"].get("sv") == "Tidigt skede"
    assert STAGES["consultation"].get("sv") == "Samråd/remiss"
    assert PARTICIPATION_LEVELS["consultation"].get("sv") == "Konsultation"


def test_the_vocabulary_reads_as_a_mapping_and_as_terms() -> None:
    terms = list(STAGES)
    assert terms == list(STAGE_IDS)  # a term is its id wherever a string is expected
    assert [term.id for term in terms] == list(STAGE_IDS)
    assert [term.label for term in terms] == [STAGES[stage] for stage in STAGE_IDS]
    assert [(term.id, label.get("en")) for term, label in CASE_TYPES.items()][1] == (
        "traffic",
        "Traffic and road works",
    )
    assert f"{terms[0]:<8}|" == "early   |"
    assert participation_level(list(CASE_TYPES)[1], terms[0]) == "dialogue"
    assert "follow_up" in STAGES and "later" not in STAGES and len(STAGES) == 5


@pytest.mark.parametrize("labels", [CASE_TYPES, STAGES, PARTICIPATION_LEVELS, PARTICIPATION_PROMISES])
def test_every_label_is_in_swedish_and_english(labels: Mapping[str, LocalText]) -> None:
    for label in labels.values():
        assert label.sv and label.en
    assert set(PARTICIPATION_PROMISES) == set(LEVEL_IDS)


# --- participation levels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_type", "stage", "level"),
    [
        ("detailed_planning", "early", "influence"),
        ("traffic", "early", "dialogue"),
        ("procurement", "early", "dialogue"),  # equal treatment: a market dialogue, never promises
        ("traffic", "consultation", "consultation"),
        ("events", "consultation", "dialogue"),
        ("policy", "decision", "information"),
        ("events", "decision", "consultation"),
        ("traffic", "implementation", "dialogue"),
        ("policy", "implementation", "information"),
        ("permits", "follow_up", "consultation"),
    ],
)
def test_participation_level(case_type: str, stage: str, level: str) -> None:
    assert participation_level(case_type, stage) == level


@pytest.mark.parametrize("case_type", CASE_TYPE_IDS)
def test_early_stages_listen_most_and_decisions_least(case_type: str) -> None:
    assert rung(case_type, "early") >= LADDER.index("dialogue")
    assert rung(case_type, "decision") <= LADDER.index("consultation")
    assert participation_level(case_type, "follow_up") == "consultation"
    assert rung(case_type, "early") == max(rung(case_type, stage) for stage in STAGE_IDS)


def test_every_level_of_the_ladder_is_used() -> None:
    assert {participation_level(c, s) for c, s in PAIRS} == set(LADDER)


@pytest.mark.parametrize(
    ("case_type", "stage", "message"),
    [
        ("roads", "early", 'unknown case type "roads" (expected one of detailed_planning, traffic'),
        ("traffic", "later", 'unknown stage "later" (expected one of early, consultation'),
    ],
)
def test_an_unknown_case_type_or_stage_is_explained(case_type: str, stage: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        participation_level(case_type, stage)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        template(case_type, stage)


# --- templates: every pair -----------------------------------------------------------------------


@pytest.mark.parametrize(("case_type", "stage"), PAIRS)
def test_every_template_is_a_sound_questionnaire(case_type: str, stage: str) -> None:
    chosen = template(case_type, stage)
    assert (chosen.case_type, chosen.stage) == (case_type, stage)
    assert chosen.level == participation_level(case_type, stage)
    assert 4 <= len(chosen.questions) <= 7
    assert len({q.kind for q in chosen.questions}) >= 3, "uses several kinds"
    assert any(q.when for q in chosen.questions), "has at least one conditional question"
    assert any(not q.required for q in chosen.questions) or any(q.when for q in chosen.questions)
    questionnaire = template_questionnaire(case_type, stage)
    assert Questionnaire.model_validate(questionnaire.model_dump(mode="json")) == questionnaire


@pytest.mark.parametrize(("case_type", "stage"), PAIRS)
def test_every_template_text_is_in_swedish_and_english(case_type: str, stage: str) -> None:
    chosen = template(case_type, stage)
    texts = [chosen.title, chosen.intro]
    for question in chosen.questions:
        texts += [question.text, *(o.text for o in question.options)]
        texts += [question.help] if question.help else []
    for text in texts:
        assert text is not None and text.sv and text.en, text
        assert text.sv.strip() == text.sv and text.en.strip() == text.en
    assert chosen.intro.sv != chosen.intro.en


@pytest.mark.parametrize("case_type", CASE_TYPE_IDS)
def test_each_stage_has_its_own_intro_and_title(case_type: str) -> None:
    intros = [template(case_type, stage).intro for stage in STAGE_IDS]
    titles = [template(case_type, stage).title for stage in STAGE_IDS]
    assert len(set(map(repr, intros))) == len(STAGE_IDS)
    assert len(set(map(repr, titles))) == len(STAGE_IDS)


@pytest.mark.parametrize(("case_type", "stage"), PAIRS)
def test_every_rendered_template_loads_back_with_the_same_questions(case_type: str, stage: str) -> None:
    text = render_template_yaml(
        case_type,
        stage,
        reference="KS 2024/0042",
        case_title="Ombyggnad av Mörby centrum",
        closes=CLOSES,
        audience={"areas": ["Mörby"], "industries": ["47", "56"]},
    )
    loaded = load_consultation_file(text, source=f"{case_type}-{stage}.yaml")
    chosen = template(case_type, stage)
    assert loaded.consultation.questions == chosen.questions
    assert loaded.consultation.title == chosen.title
    assert loaded.consultation.intro == chosen.intro
    assert (loaded.case.type, loaded.case.stage) == (case_type, stage)


def test_the_traffic_early_template_asks_what_the_brief_asks() -> None:
    questionnaire = template_questionnaire("traffic", "early")
    kinds = {q.id: q.kind for q in questionnaire.questions}
    assert kinds == {
        "affected": "yesno",
        "impact": "scale",
        "concerns": "multi",
        "best_time": "choice",
        "staff": "number",
        "busy_season": "date",
        "comments": "text",
    }
    impact = questionnaire.question("impact")
    assert impact is not None and impact.when == {"affected": True}
    concerns = questionnaire.question("concerns")
    assert concerns is not None
    assert [o.text.get("sv") for o in concerns.options] == [
        "Leveranser",
        "Parkering",
        "Tillgänglighet för kunder",
        "Buller",
        "Skyltning",
    ]
    assert [q.id for q in questionnaire.questions if not q.required] == ["staff", "busy_season", "comments"]


def test_templates_are_package_data() -> None:
    names = {entry.name for entry in resources.files("conversations").joinpath("templates").iterdir()}
    assert {f"{case_type}.yaml" for case_type in CASE_TYPE_IDS} <= names


# --- templates: the file format guards itself ----------------------------------------------------

TEMPLATE = """\
case_type: traffic
question_sets:
  planning:
    - {id: affected, kind: yesno, text: "Påverkas ni?"}
    - {id: impact, kind: scale, text: "Hur mycket?", when: {affected: true}}
stages:
  early: {title: A, intro: B, questions: planning}
  consultation: {title: A, intro: B, questions: planning}
  decision: {title: A, intro: B, questions: planning}
  implementation: {title: A, intro: B, questions: planning}
  follow_up: {title: A, intro: B, questions: planning}
"""


def test_a_minimal_template_file_is_valid() -> None:
    assert validate_yaml(TEMPLATE, TemplateFile).stages["early"].questions == "planning"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  follow_up: {title: A, intro: B, questions: planning}\n",
            "",
            "line 6, stages: every stage needs a template; missing: follow_up",
        ),
        (
            "decision: {title: A, intro: B, questions: planning}",
            "decision: {title: A, intro: B, questions: plan}",
            'line 9, stages.decision.questions: no question set "plan" (sets: planning)',
        ),
        (
            "when: {affected: true}",
            "when: {affected: 3}",
            'line 5, question_sets.planning[1].when.affected: "affected" is a yes/no question',
        ),
        ("  early:", "  erly:", 'line 7, stages.erly: unknown stage "erly"'),
    ],
)
def test_a_broken_template_file_is_explained(old: str, new: str, expected: str) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        validate_yaml(TEMPLATE.replace(old, new), TemplateFile)
    assert str(caught.value).startswith(expected), str(caught.value)


# --- starting a consultation from a template -----------------------------------------------------


def test_an_official_starts_a_consultation_from_a_template() -> None:
    file = ConsultationFile.from_template(
        "detailed_planning",
        "consultation",
        reference="KS 2024/0042",
        case_title="Detaljplan för Mörby centrum",
        closes=CLOSES,
        audience=AudienceSpec(areas=("Mörby",)),
    )
    assert isinstance(file, ConsultationFile)
    assert file.case.title.get("en") == "Detaljplan för Mörby centrum"
    assert file.participation_level == "consultation"
    assert file.consultation.reminders == DEFAULT_REMINDERS
    assert file.consultation.title == template("detailed_planning", "consultation").title
    questionnaire = file.questionnaire()
    assert questionnaire.closes == CLOSES
    assert questionnaire.questions == template("detailed_planning", "consultation").questions


def test_the_official_may_change_title_intro_reminders_and_opening() -> None:
    opens = CLOSES - dt.timedelta(days=14)
    file = ConsultationFile.from_template(
        "events",
        "early",
        reference="KS 2024/0100",
        case_title={"sv": "Sommartorget", "en": "The summer square"},
        closes=CLOSES,
        audience={"all": True},
        reminders=[dt.timedelta(days=5), dt.timedelta(days=10)],
        title="Sommaren på torget",
        intro=LocalText(sv="Hej!", en="Hello!"),
        opens=opens,
    )
    spec = file.consultation
    assert spec.title.get("en") == "Sommaren på torget"
    assert spec.intro == LocalText(sv="Hej!", en="Hello!")
    assert spec.reminders == (dt.timedelta(days=5), dt.timedelta(days=10))
    assert spec.opens == opens
    assert load_consultation_file(file.to_yaml()) == file


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"closes": dt.datetime(2024, 5, 31, 17)},
            'consultation.closes: "2024-05-31 17:00:00" has no UTC offset',
        ),
        ({"audience": {}}, "consultation.audience: the audience is empty"),
        ({"reminders": [dt.timedelta(0)]}, "consultation.reminders[0]: PT0S: a reminder must come after"),
        ({"reference": "  "}, "case.reference: expected a non-empty text"),
    ],
)
def test_a_template_consultation_with_bad_arguments_is_refused(
    changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "reference": "KS 2024/0042",
        "case_title": "Mörby",
        "closes": CLOSES,
        "audience": {"all": True},
    }
    arguments.update(changes)
    with pytest.raises(QuestionnaireError) as caught:
        ConsultationFile.from_template("traffic", "early", **arguments)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_an_unknown_template_is_a_questionnaire_error() -> None:
    with pytest.raises(QuestionnaireError, match='unknown case type "roads"'):
        ConsultationFile.from_template(
            "roads", "early", reference="KS 1", case_title="x", closes=CLOSES, audience={"all": True}
        )


def test_the_rendered_yaml_is_editable_and_explains_itself() -> None:
    text = render_template_yaml(
        "traffic",
        "early",
        reference="KS 2024/0042",
        case_title="Ombyggnad av Mörby centrum",
        closes=CLOSES,
        audience={"areas": ["Mörby"]},
        reminders=[dt.timedelta(hours=36), dt.timedelta(days=3)],
    )
    assert text.startswith("# Samråd: Trafik- och vägarbeten, tidigt skede – delaktighetsnivå dialog.\n")
    assert "reminders:\n    - P1DT12H\n    - P3D\n" in text
    assert "closes: '2024-05-31T17:00:00+02:00'" in text
    edited = text.replace("    - id: staff\n", "    - id: employees\n")
    loaded = load_consultation_file(edited)
    assert [q.id for q in loaded.consultation.questions][4] == "employees"


def test_a_rendered_template_without_closing_time_or_audience_is_a_starting_point() -> None:
    stockholm_winter = dt.timezone(dt.timedelta(hours=1))
    before = dt.datetime(2025, 1, 13, 10, 30, tzinfo=stockholm_winter)
    text = render_template_yaml("policy", "early", reference="KS 2025/0001", case_title="Namn på ärendet", now=before)
    assert "# Kontrollera closes och audience" in text
    file = load_consultation_file(text)
    closes = file.consultation.closes
    assert closes.utcoffset() == dt.timedelta(hours=1) and (closes.hour, closes.minute) == (17, 0)
    assert closes.date() == (before + dt.timedelta(days=21)).date()
    assert file.consultation.audience.all
