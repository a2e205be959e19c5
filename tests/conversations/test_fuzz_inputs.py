"""Fuzzing what comes from outside, bounded to a few seconds each (part of `make test`).

- The answer parser: any text gives an answer or a Refusal, never an exception; an accepted answer
  read again (as a button or form would send it) gives the same answer; nothing unstorable survives.
- The consultation YAML loader: any YAML-ish text or structure gives a consultation or a
  QuestionnaireError whose every line is short; never another exception.
"""

from __future__ import annotations

import datetime as dt
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.answers import Refusal, parse_answer
from conversations.consultation_file import load_consultation_file
from conversations.questionnaire import Question, QuestionnaireError
from tests import scenario

FUZZ = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
TODAY = dt.date(2025, 2, 27)
QUESTIONS = [
    Question.model_validate(data)
    for data in (
        {"id": "yn", "kind": "yesno", "text": "Påverkas ni?"},
        {"id": "c", "kind": "choice", "text": "När?", "options": [
            {"id": "morning", "text": {"sv": "Morgon", "en": "Morning"}},
            {"id": "evening", "text": {"sv": "Kväll", "en": "Evening"}}]},
        {"id": "m", "kind": "multi", "text": "Vad?", "options": [
            {"id": "parking", "text": "Parkering"}, {"id": "noise", "text": "Buller och damm"},
            {"id": "signs", "text": "Skyltning"}]},
        {"id": "s", "kind": "scale", "text": "Hur mycket?", "min": 0, "max": 10},
        {"id": "n", "kind": "number", "text": "Hur många?", "min": -5, "max": 100000},
        {"id": "d", "kind": "date", "text": "När?"},
        {"id": "t", "kind": "text", "text": "Något mer?", "max_length": 50},
    )
]
# What people type, and what attackers send: digits, words, separators, control characters, surrogates.
typed = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789 ,.-/+:;jaJAnejNEyesno", max_size=20),
    st.sampled_from(["ja", "Nej", "2", "1, 3", "kväll", "15 mars", "2025-03-15", "1 200", "3,5", "4/10",
                     "\x00", "\ud800", "=1+1", " " * 10]),
)


def _stored(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@FUZZ
@given(question=st.sampled_from(QUESTIONS), text=typed)
def test_the_parser_answers_or_refuses_and_a_read_answer_reads_the_same_again(question: Question, text: str) -> None:
    value = parse_answer(question, text, today=TODAY)
    if isinstance(value, Refusal):
        assert isinstance(value.key, str)
        return
    stored = _stored(value)
    stored.encode("utf-8")  # storable: no lone surrogates
    assert "\\u0000" not in stored
    again = parse_answer(question, _as_typed(value), today=TODAY)
    assert again == value, (text, value, again)


def _as_typed(value: object) -> str:
    """An accepted answer as a person could type it back."""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


GOOD = scenario.consultation_yaml(closes=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _refused_or_loaded(text: str) -> None:
    try:
        load_consultation_file(text)
    except QuestionnaireError as error:
        lines = str(error).splitlines()
        assert lines and all(0 < len(line) < 400 for line in lines), lines


@FUZZ
@given(data=yaml_values)
def test_any_yaml_structure_loads_or_is_refused_in_short_lines(data: object) -> None:
    _refused_or_loaded(yaml.safe_dump({"case": data, "consultation": data}, allow_unicode=True))


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(GOOD)), junk=st.text(max_size=40))
def test_any_text_spliced_into_a_good_file_loads_or_is_refused_in_short_lines(position: int, junk: str) -> None:
    _refused_or_loaded(GOOD[:position] + junk + GOOD[position:])
