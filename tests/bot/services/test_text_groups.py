"""Grouping free-text answers into suggested themes: related answers together, unrelated ones apart, in
Swedish and English, with readable names; no database."""

from __future__ import annotations

from bot.services import text_groups
from tests.bot.services.free_text_support import EVENING, PARKING, ROADWORKS, SWEDISH

ENGLISH = (
    "There is not enough parking for our customers",
    "Parking by the square is always full by ten",
    "Customers cannot find a parking space near the shop",
    "Please keep the parking spaces on High Street",
    "Shops should stay open later in the evening",
    "Late opening on Thursdays would bring more customers",
    "Opening hours in the centre are too short",
    "We would like evening trade on weekdays",
    "The roadworks on King Street mean a long detour for our deliveries",
    "The detour during the road works is badly signposted",
    "The street works have lasted for months and delay deliveries",
    "Signpost the diversion better while the road is closed for works",
)


def _members(groups: list[text_groups.Group]) -> set[tuple[int, ...]]:
    return {group.members for group in groups}


def test_swedish_answers_about_parking_evening_trade_and_roadworks_make_three_groups() -> None:
    groups = text_groups.group_texts(SWEDISH)
    assert _members(groups) == {PARKING, EVENING, ROADWORKS}
    names = {group.members: group.name for group in groups}
    assert names[PARKING].startswith("Parkering")  # "parkeringen", "parkeringsplatser" … meet
    assert "öppet" in names[EVENING].casefold() or "kväll" in names[EVENING].casefold()
    assert "omväg" in names[ROADWORKS].casefold() or "vägarbet" in names[ROADWORKS].casefold()


def test_english_answers_make_the_same_three_groups() -> None:
    groups = text_groups.group_texts(ENGLISH)
    assert _members(groups) == {PARKING, EVENING, ROADWORKS}
    names = {group.members: group.name for group in groups}
    assert names[PARKING].startswith("Parking")
    assert "evening" in names[EVENING].casefold()


def test_the_number_of_groups_follows_the_data() -> None:
    two_themes = tuple(SWEDISH[i] for i in (*PARKING, *ROADWORKS))
    groups = text_groups.group_texts(two_themes)
    assert _members(groups) == {(0, 1, 2, 3), (4, 5, 6, 7)}


def test_stop_words_neither_bring_answers_together_nor_name_a_group() -> None:
    assert {"och", "att", "det", "the", "and"} <= text_groups.stop_words()
    assert text_groups.content_words("Det är ÖPPETTIDERNA och parkeringen, 2 gånger!") == [
        "öppettiderna", "parkeringen", "gånger"
    ]
    padded = [f"Jag tycker att det är så att {text}" for text in SWEDISH]
    groups = text_groups.group_texts(padded)
    assert _members(groups) == {PARKING, EVENING, ROADWORKS}
    assert not any(word in group.name.casefold().split(", ") for group in groups for word in ("tycker", "att"))


def test_too_few_or_empty_answers_give_no_groups() -> None:
    assert text_groups.group_texts([]) == []
    assert text_groups.group_texts(["Parkering", "Parkeringen"]) == []
    assert text_groups.group_texts(["och", "att", "?!", "1234"]) == []


def test_answers_that_fit_no_group_are_left_out() -> None:
    texts = (*SWEDISH[:4], "Bra initiativ, tack för att ni frågar")
    assert _members(text_groups.group_texts(texts)) == {(0, 1, 2, 3)}


def test_the_most_typical_answers_come_first() -> None:
    texts = ["Parkeringen är full", "Mer parkering behövs", "Parkeringen vid torget är full", "Glass", "", "!!"]
    assert text_groups.most_typical(texts, 3) == [0, 2, 1]  # "Glass" is least like the rest
    assert text_groups.most_typical(texts, 10) == [0, 2, 1, 3, 4, 5]  # no content words: last
