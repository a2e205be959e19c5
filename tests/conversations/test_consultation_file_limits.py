"""Hostile and mistaken consultation files: each is refused quickly with short, one-line problems."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from conversations.consultation_file import MAX_QUESTIONS, load_consultation_file
from conversations.questionnaire import QuestionnaireError
from conversations.yaml_errors import MAX_DEPTH, MAX_YAML_CHARS
from tests import scenario

GOOD = scenario.consultation_yaml(closes=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + GOOD.replace("audience: {areas: [Mörby]}", f"audience: {{areas: *a{levels - 1}}}")


def _refused(text: str) -> str:
    started = time.monotonic()
    with pytest.raises(QuestionnaireError) as caught:
        load_consultation_file(text)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "Traceback" not in message
    assert all(len(line) < 400 for line in message.splitlines()), message[:500]
    assert len(message.splitlines()) <= 20
    return message


def test_the_good_file_still_loads() -> None:
    assert load_consultation_file(GOOD).case.reference == "KS 2025/0042"


@pytest.mark.parametrize("levels", [9, 6])  # 10^9 and 10^6 "lol"s when expanded
def test_an_alias_bomb_is_refused_before_it_expands(levels: int) -> None:
    assert "aliases (*name) are not allowed here" in _refused(_alias_bomb(levels))


def test_deep_nesting_is_refused_with_its_line() -> None:
    deep = GOOD + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    assert f"nested more than {MAX_DEPTH} levels deep" in _refused(deep)
    mapping = GOOD + "".join("  " * i + f"k{i}:\n" for i in range(200))
    assert "nested more than" in _refused(mapping)


def test_a_nul_character_is_refused_with_its_line() -> None:
    message = _refused(GOOD.replace("Ombyggnad", "Om\x00byggnad"))
    assert "control character (U+0000)" in message and message.startswith("line ")


def test_a_huge_file_an_intro_too_long_and_too_many_questions_are_refused() -> None:
    assert "larger than 250 kB" in _refused(GOOD + "#" * MAX_YAML_CHARS)
    long_intro = GOOD.replace("    sv: >-\n", "    sv: " + "x" * 15_000 + "\n    old_sv: >-\n", 1)
    assert "intro: 15000 characters; at most 10000" in _refused(long_intro.replace("old_sv", "en", 1)
                                                                 .replace("    en: >-\n      The", "      The"))
    many = GOOD.replace("[Mörby]", "[" + ", ".join(["M"] * 20_000) + "]")
    assert "consultation.audience.areas: more than 2 000 entries" in _refused(many)
    question = '    - {id: q%d, kind: yesno, text: "Fråga?"}\n'
    assert "larger than 250 kB" in _refused(
        GOOD.replace("  questions:\n", "  questions:\n" + "".join(question % i for i in range(20_000))))
    some = GOOD.replace("  questions:\n", "  questions:\n" + "".join(question % i for i in range(MAX_QUESTIONS)))
    assert f"questions; at most {MAX_QUESTIONS}" in _refused(some)


def test_a_long_quoted_value_is_shortened_in_the_error() -> None:
    message = _refused(GOOD.replace("kind: yesno", "kind: " + "slider" * 1_000, 1))
    assert 'unknown kind "sliderslider' in message and "…" in message
