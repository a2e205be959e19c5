"""Every sentence exists in Swedish and English, with the same placeholders."""

from __future__ import annotations

import re
import string

import pytest

from conversations.messages import LANGUAGES
from conversations.phrases import MONTHS, PHRASES, phrase


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_has_both_languages_and_the_same_placeholders(key: str) -> None:
    texts = PHRASES[key]
    assert set(texts) == set(LANGUAGES)
    assert all(texts[language].strip() for language in LANGUAGES)
    assert placeholders(texts["sv"]) == placeholders(texts["en"])


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_can_be_filled_in(key: str) -> None:
    params = {name: "X" for name in placeholders(PHRASES[key]["sv"])}
    for language in LANGUAGES:
        text = phrase(key, language, **params)
        assert "{" not in text and "}" not in text


def test_phrase_fills_in_values() -> None:
    assert phrase("hint_scale", "sv", min=1, max=5) == "Svara med en siffra 1–5."
    assert phrase("hint_scale", "en", min=1, max=5) == "Answer with a number 1–5."


def test_the_notice_names_public_documents_personal_data_and_stop() -> None:
    sv, en = phrase("notice", "sv"), phrase("notice", "en")
    assert "allmän handling" in sv and "offentlighetsprincipen" in sv and "stopp" in sv and "radera" in sv
    assert "public document" in en and "stop" in en and "erase" in en


def test_months_in_both_languages() -> None:
    assert [len(MONTHS[language]) for language in LANGUAGES] == [12, 12]


def test_every_swedish_phrase_says_du_to_the_person_and_never_ni_or_er() -> None:
    # The rule at the top of conversations/phrases.py: one address throughout.
    plural = re.compile(r"\b(ni|er|ert|era|eder)\b", re.IGNORECASE)
    offending = {key: texts["sv"] for key, texts in PHRASES.items() if plural.search(texts["sv"])}
    assert offending == {}
