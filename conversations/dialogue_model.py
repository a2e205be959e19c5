"""The municipality's dialogue model: which kind of dialogue fits which case type and stage.

The municipal executive board asked for "a structured model for dialogues for different types of cases
and different stages of the cases", so that the municipality listens to the business community early
and consults it in cases that affect one or more companies. This module is that model as data:

- six case types (`CASE_TYPES`) and five stages (`STAGES`, in the order a case goes through them);
- for each pair, a step on the participation ladder (delaktighetstrappan, `PARTICIPATION_LEVELS`):
  information → consultation → dialogue → influence;
- for each pair, a questionnaire template (`conversations/templates/<case type>.yaml`), so that an
  official can start a consultation from a template instead of writing one from scratch.

How the levels were chosen (`participation_level`):

- **Early stage** (tidigt skede): nothing is decided, so this is where listening changes most. Where the
  municipality has real freedom to shape the case — a new detailed plan, events on its streets and
  squares, a new local policy — businesses get **influence**. Where law or technique sets the frame,
  the municipality asks and explains in a **dialogue**: street works must happen (but timing and detours
  can be shaped), procurement law demands equal treatment (a market dialogue, never promises to anyone),
  and permits and inspections follow the law (but the way the municipality works can change).
- **Consultation stage** (samråd/remiss): there is a proposal, and the municipality asks for views on
  it before deciding: **consultation**. Events stay at **dialogue**, since their practical arrangements
  are worked out together with the businesses nearby until the last day.
- **Decision** (beslut): the board decides; the municipality tells businesses what was decided and
  why and asks what they need to prepare: **information**. Events are the exception at
  **consultation**: delivery times, stalls and closures are still settled with those affected.
- **Implementation** (genomförande): street works and events change from week to week, and problems
  (a blocked delivery route, a missing sign) can be fixed while they happen: **dialogue**. For plans,
  procurements and permits the municipality asks how implementation works and follows up:
  **consultation**. New policies and regulations simply apply now: **information** on how they work.
- **Follow-up** (uppföljning): always **consultation** — what worked, what did not, and how well the
  municipality listened. It is the basis of the feedback (återkoppling) to businesses and the board.

Template files hold named question sets and, for each stage, a title, an intro (what the municipality
is asking and why, different for every stage) and the question set it uses; stages share a set only
where the questions are truly the same.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import ItemsView, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Generic, Literal, TypeVar, get_args

from conversations.problems import FrozenModel
from conversations.questionnaire import (
    CheckedModel,
    Issue,
    LocalText,
    Question,
    Questionnaire,
    check_questions,
    prefixed,
    validate_yaml,
)

CaseType = Literal["detailed_planning", "traffic", "procurement", "permits", "events", "policy"]
Stage = Literal["early", "consultation", "decision", "implementation", "follow_up"]
ParticipationLevel = Literal["information", "consultation", "dialogue", "influence"]


K = TypeVar("K", bound=str)


class Term(str, Generic[K]):
    """An id of the model that knows its label.

    It is a plain string wherever one is expected (it compares, hashes, formats and serialises as its
    id), and also has `.id` and `.label`, so `for t in STAGES: t.id, t.label` reads naturally.
    """

    label: LocalText
    _id: K

    def __new__(cls, term_id: K, label: LocalText) -> Term[K]:
        term = super().__new__(cls, term_id)
        term._id, term.label = term_id, label
        return term

    @property
    def id(self) -> K:
        return self._id


class Vocabulary(Mapping[str, LocalText], Generic[K]):
    """An ordered, read-only mapping from id to label whose keys are `Term`s.

    `VOCABULARY["early"]` is a label; iterating (or `.items()`) gives the terms in order.
    """

    def __init__(self, *terms: tuple[K, str, str]) -> None:
        self._terms = tuple(Term(term_id, LocalText(sv=sv, en=en)) for term_id, sv, en in terms)
        self._labels: dict[str, LocalText] = {term.id: term.label for term in self._terms}

    def __getitem__(self, key: str) -> LocalText:
        return self._labels[key]

    def __iter__(self) -> Iterator[Term[K]]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def items(self) -> ItemsView[Term[K], LocalText]:
        return ItemsView(self)  # iterating self gives the Term keys

    def ids(self) -> tuple[K, ...]:
        return tuple(term.id for term in self._terms)


CASE_TYPES: Vocabulary[CaseType] = Vocabulary(
    ("detailed_planning", "Detaljplan", "Detailed development plan"),
    ("traffic", "Trafik- och vägarbeten", "Traffic and road works"),
    ("procurement", "Upphandling", "Public procurement"),
    ("permits", "Tillstånd och tillsyn", "Permits and inspections"),
    ("events", "Evenemang och offentlig plats", "Events and public spaces"),
    ("policy", "Policy och föreskrifter", "Policies and regulations"),
)

STAGES: Vocabulary[Stage] = Vocabulary(  # in the order a case goes through them
    ("early", "Tidigt skede", "Early listening"),
    ("consultation", "Samråd/remiss", "Consultation"),
    ("decision", "Beslut", "Decision"),
    ("implementation", "Genomförande", "Implementation"),
    ("follow_up", "Uppföljning", "Follow-up"),
)

PARTICIPATION_LEVELS: Vocabulary[ParticipationLevel] = Vocabulary(  # the ladder, lowest step first
    ("information", "Information", "Information"),
    ("consultation", "Konsultation", "Consultation"),
    ("dialogue", "Dialog", "Dialogue"),
    ("influence", "Inflytande", "Influence"),
)


def _text(sv: str, en: str) -> LocalText:
    return LocalText(sv=sv, en=en)


# What the municipality promises the businesses at each step of the ladder.
PARTICIPATION_PROMISES: Mapping[ParticipationLevel, LocalText] = MappingProxyType(
    {
        "information": _text(
            "Kommunen berättar vad som händer och varför, och tar reda på vad ni behöver veta.",
            "The municipality tells you what is happening and why, and finds out what you need to know.",
        ),
        "consultation": _text(
            "Kommunen frågar vad ni tycker om ett förslag och tar hänsyn till svaren innan beslut.",
            "The municipality asks what you think of a proposal and takes your answers into "
            "account before deciding.",
        ),
        "dialogue": _text(
            "Kommunen och företagen resonerar tillsammans om hur saker ska göras.",
            "The municipality and businesses work out together how things should be done.",
        ),
        "influence": _text(
            "Företagen är med och formar ärendet från början.",
            "Businesses help shape the case from the start.",
        ),
    }
)

CASE_TYPE_IDS: tuple[CaseType, ...] = CASE_TYPES.ids()
STAGE_IDS: tuple[Stage, ...] = STAGES.ids()
LEVEL_IDS: tuple[ParticipationLevel, ...] = PARTICIPATION_LEVELS.ids()

_LEVELS: Mapping[CaseType, tuple[ParticipationLevel, ...]] = MappingProxyType(
    {
        # early, consultation, decision, implementation, follow_up
        "detailed_planning": ("influence", "consultation", "information", "consultation", "consultation"),
        "traffic": ("dialogue", "consultation", "information", "dialogue", "consultation"),
        "procurement": ("dialogue", "consultation", "information", "consultation", "consultation"),
        "permits": ("dialogue", "consultation", "information", "consultation", "consultation"),
        "events": ("influence", "dialogue", "consultation", "dialogue", "consultation"),
        "policy": ("influence", "consultation", "information", "information", "consultation"),
    }
)


def case_type(value: str) -> CaseType:
    """`value` as a case type, or a ValueError that lists the case types."""
    for known in CASE_TYPE_IDS:
        if value == known:
            return known
    raise ValueError(f'unknown case type "{value}" (expected one of {", ".join(CASE_TYPE_IDS)})')


def stage(value: str) -> Stage:
    """`value` as a stage, or a ValueError that lists the stages."""
    for known in STAGE_IDS:
        if value == known:
            return known
    raise ValueError(f'unknown stage "{value}" (expected one of {", ".join(STAGE_IDS)})')


def participation_level(case_type_id: str, stage_id: str) -> ParticipationLevel:
    """The step of the participation ladder for a case type at a stage (see the module docstring)."""
    levels = _LEVELS[case_type(case_type_id)]
    return levels[STAGE_IDS.index(stage(stage_id))]


# --- templates -----------------------------------------------------------------------------------


class _StageTemplate(FrozenModel):
    title: LocalText
    intro: LocalText
    questions: str  # the name of a question set in the same file


class TemplateFile(CheckedModel):
    """One `templates/<case type>.yaml`: named question sets and what each stage uses."""

    case_type: CaseType
    question_sets: dict[str, tuple[Question, ...]]
    stages: dict[Stage, _StageTemplate]

    def issues(self) -> list[Issue]:
        issues: list[Issue] = []
        missing = [name for name in STAGE_IDS if name not in self.stages]
        if missing:
            issues.append((("stages",), "every stage needs a template; missing: " + ", ".join(missing)))
        for stage_id, spec in self.stages.items():
            if spec.questions not in self.question_sets:
                issues.append(
                    (
                        ("stages", stage_id, "questions"),
                        f'no question set "{spec.questions}" (sets: {", ".join(self.question_sets)})',
                    )
                )
        used = {spec.questions for spec in self.stages.values()}
        for name, questions in self.question_sets.items():
            if name not in used:
                issues.append((("question_sets", name), f'question set "{name}" is used by no stage'))
            issues += prefixed(("question_sets", name), check_questions(questions))
        return issues


@dataclass(frozen=True, slots=True)
class Template:
    """The built-in questionnaire for one case type at one stage."""

    case_type: CaseType
    stage: Stage
    level: ParticipationLevel
    title: LocalText
    intro: LocalText
    questions: tuple[Question, ...]

    def questionnaire(self, closes: dt.datetime | None = None) -> Questionnaire:
        return Questionnaire(title=self.title, intro=self.intro, questions=self.questions, closes=closes)


@functools.cache
def template_file(case_type_id: str) -> TemplateFile:
    """The parsed template file of a case type (package data, read once)."""
    name = f"{case_type(case_type_id)}.yaml"
    text = resources.files("conversations").joinpath("templates", name).read_text(encoding="utf-8")
    loaded = validate_yaml(text, TemplateFile, source=f"conversations/templates/{name}")
    if loaded.case_type != case_type_id:
        raise ValueError(f"conversations/templates/{name} says case_type {loaded.case_type}")
    return loaded


def template(case_type_id: str, stage_id: str) -> Template:
    """The built-in template for a case type at a stage: title, intro, questions and level."""
    kind, when = case_type(case_type_id), stage(stage_id)
    spec = template_file(kind).stages[when]
    return Template(
        kind,
        when,
        participation_level(kind, when),
        spec.title,
        spec.intro,
        template_file(kind).question_sets[spec.questions],
    )


def template_questionnaire(case_type_id: str, stage_id: str) -> Questionnaire:
    """The template as the engine's model (no closing time): a preview, or the start of a consultation."""
    return template(case_type_id, stage_id).questionnaire()


def all_pairs() -> list[tuple[CaseType, Stage]]:
    """Every (case type, stage) pair of the model, in order."""
    return [(kind, when) for kind in CASE_TYPE_IDS for when in STAGE_IDS]


assert get_args(CaseType) == CASE_TYPE_IDS and get_args(Stage) == STAGE_IDS
assert get_args(ParticipationLevel) == LEVEL_IDS
