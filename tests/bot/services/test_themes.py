"""Themes of free-text answers on both databases: listing and searching the answers, suggestions stored
and decided on (accept, rename, merge, reject), tags that outlive a new answer, and the summary the
report and the spreadsheet read."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.bootstrap import App
from bot.services import answer_marks, themes
from storage.tables import AuditEntry
from tests.bot.services.free_text_support import (
    EVENING,
    PARKING,
    ROADWORKS,
    FreeText,
    take_back,
    with_free_text,
    write,
)

ACTOR = "official@kommun.example [127.0.0.1]"


@pytest.fixture
def town(app: App) -> FreeText:
    return with_free_text(app)


def _keys(town: FreeText, positions: tuple[int, ...]) -> set[tuple[int, str]]:
    return {(town.contact_ids[i], "comments") for i in positions}


def _themes(app: App, town: FreeText) -> dict[str, tuple[str, int]]:
    with app.session() as session:
        return {row.name: (row.status, row.answers) for row in themes.list_themes(session, town.consultation_id)}


def _actions(app: App) -> list[str]:
    with app.session() as session:
        return [entry.action for entry in session.exec(select(AuditEntry).order_by(AuditEntry.id))]  # type: ignore[arg-type]


def test_free_text_answers_come_with_the_business_name_and_are_searched_in_any_case(app: App, town: FreeText) -> None:
    with app.session() as session:
        every = themes.free_text_answers(session, town.consultation_id)
        found = themes.free_text_answers(session, town.consultation_id, search="ÖPPETTIDER")
        by_business = themes.free_text_answers(session, town.consultation_id, search="företag c ab")
        none = themes.free_text_answers(session, town.consultation_id, search="glass")
    assert len(every) == 12 and {a.question_id for a in every} == {"comments"}  # only the text question
    assert every[0].business_name == "Företag A AB" and every[0].question == "Något mer ni vill att kommunen ska veta?"
    assert [a.text for a in found] == [
        "Vi vill ha längre öppettider på kvällarna", "Öppettiderna i centrum är för korta, stänger redan klockan sex"
    ]
    assert [a.text for a in by_business] == ["Kunderna hittar ingen parkering nära butiken"]
    assert none == []


def test_suggestions_are_stored_with_their_answers_and_replace_undecided_ones(app: App, town: FreeText) -> None:
    with app.session() as session:
        made = themes.suggest(session, town.consultation_id, actor=ACTOR, now=app.clock())
        session.commit()
        assert len(made) == 3
        answers = themes.free_text_answers(session, town.consultation_id)
    groups = {}
    for answer in answers:
        for theme_id in answer.theme_ids:
            groups.setdefault(theme_id, set()).add(answer.key)
    assert sorted(groups.values(), key=len) and {frozenset(g) for g in groups.values()} == {
        frozenset(_keys(town, PARKING)), frozenset(_keys(town, EVENING)), frozenset(_keys(town, ROADWORKS))
    }
    assert {status for status, _ in _themes(app, town).values()} == {"suggested"}
    with app.session() as session:  # again: the three undecided ones are replaced, not added to
        themes.suggest(session, town.consultation_id, actor=ACTOR, now=app.clock())
        session.commit()
    assert sorted(count for _, count in _themes(app, town).values()) == [4, 4, 4]
    assert _actions(app).count("theme.suggest") == 2


def test_accept_rename_merge_and_reject(app: App, town: FreeText) -> None:
    with app.session() as session:
        parking, evening, roadworks = themes.suggest(session, town.consultation_id, actor=ACTOR, now=app.clock())
        session.commit()
        ids = (parking.id, evening.id, roadworks.id)
    assert None not in ids
    parking_id, evening_id, roadworks_id = (i for i in ids if i is not None)
    cid = town.consultation_id
    with app.session() as session:
        themes.accept(session, cid, parking_id, actor=ACTOR, now=app.clock())
        themes.rename(session, cid, parking_id, "  Parkering   i centrum ", actor=ACTOR, now=app.clock())
        themes.merge(session, cid, evening_id, parking_id, actor=ACTOR, now=app.clock())
        themes.reject(session, cid, roadworks_id, actor=ACTOR, now=app.clock())
        session.commit()
    assert _themes(app, town) == {"Parkering i centrum": ("accepted", 8)}
    with app.session() as session:
        tagged = {a.key for a in themes.free_text_answers(session, cid) if a.theme_ids == (parking_id,)}
    assert tagged == _keys(town, PARKING + EVENING)  # the rejected suggestion's answers are untagged, kept
    assert _actions(app)[-4:] == ["theme.accept", "theme.rename", "theme.merge", "theme.reject"]
    # Suggesting again leaves the accepted theme's answers out: only the roadworks remain to group.
    with app.session() as session:
        suggested = [set(s.answers) for s in themes.compute_suggestions(session, cid)]
    assert suggested and set().union(*suggested) <= _keys(town, ROADWORKS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s, c, t, o: themes.accept(s, c, t, actor=ACTOR, now=o), "already accepted"),
        (lambda s, c, t, o: themes.rename(s, c, t, "  ", actor=ACTOR, now=o), "a theme needs a name"),
        (lambda s, c, t, o: themes.rename(s, c, t, "x" * 81, actor=ACTOR, now=o), "at most 80 characters"),
        (lambda s, c, t, o: themes.rename(s, c, t, "LEVERANSER", actor=ACTOR, now=o), "already a theme called"),
        (lambda s, c, t, o: themes.merge(s, c, t, t, actor=ACTOR, now=o), "merged into itself"),
        (lambda s, c, t, o: themes.reject(s, c, 999, actor=ACTOR, now=o), "has no theme 999"),
        (lambda s, c, t, o: themes.tag(s, c, (999, "comments"), t, actor=ACTOR, now=o), "no free-text answer"),
        (lambda s, c, t, o: themes.create_theme(s, c, "leveranser", actor=ACTOR, now=o), "already a theme called"),
    ],
)
def test_refusals_say_what_is_wrong_and_change_nothing(app: App, town: FreeText, change: object, message: str) -> None:
    with app.session() as session:
        made = themes.create_theme(session, town.consultation_id, "Parkering", actor=ACTOR, now=app.clock())
        themes.create_theme(session, town.consultation_id, "Leveranser", actor=ACTOR, now=app.clock())
        session.commit()
        assert made.id is not None
        with pytest.raises(themes.ThemeError, match=message):
            change(session, town.consultation_id, made.id, app.clock())  # type: ignore[operator]
        session.rollback()
    assert _themes(app, town) == {"Parkering": ("accepted", 0), "Leveranser": ("accepted", 0)}


def test_tags_and_marks_survive_answering_again_even_after_the_answer_was_taken_back(app: App, town: FreeText) -> None:
    cid, first = town.consultation_id, town.contact_ids[0]
    with app.session() as session:
        theme = themes.create_theme(session, cid, "Parkering", actor=ACTOR, now=app.clock())
        assert theme.id is not None
        assert themes.tag(session, cid, (first, "comments"), theme.id, actor=ACTOR, now=app.clock())
        assert not themes.tag(session, cid, (first, "comments"), theme.id, actor=ACTOR, now=app.clock())
        assert answer_marks.mark(session, cid, first, "comments", "business_secret", actor=ACTOR, now=app.clock())
        session.commit()
    write(app, cid, first, "Parkeringen räcker inte, vi tappar kunder", again=True)  # the row is updated
    take_back(app, cid, first)  # skipped: the row is deleted …
    with app.session() as session:
        assert first not in {a.contact_id for a in themes.free_text_answers(session, cid)}
    write(app, cid, first, "Fortfarande för lite parkering", again=True)  # … and written anew
    with app.session() as session:
        (answer,) = [a for a in themes.free_text_answers(session, cid) if a.contact_id == first]
    assert (answer.text, answer.theme_ids, answer.marks) == (
        "Fortfarande för lite parkering", (theme.id,), frozenset({"business_secret"})
    )


def test_the_summary_has_counts_and_quotes_without_names_or_marked_answers(app: App, town: FreeText) -> None:
    cid = town.consultation_id
    a, b, c, d = (town.contact_ids[i] for i in PARKING)
    write(app, cid, a, "Ägare A här: parkeringen vid Företag A AB är full, ring 070-123 45 67", again=True)
    write(app, cid, b, "Parkeringen är full, mejla agare1@foretag.example", again=True)
    with app.session() as session:
        parking = themes.create_theme(session, cid, "Parkering", actor=ACTOR, now=app.clock())
        themes.create_theme(session, cid, "Utan svar", actor=ACTOR, now=app.clock())
        themes.suggest(session, cid, actor=ACTOR, now=app.clock())  # suggestions are not in the summary
        assert parking.id is not None
        for contact in (a, b, c, d):
            themes.tag(session, cid, (contact, "comments"), parking.id, actor=ACTOR, now=app.clock())
        answer_marks.mark(session, cid, c, "comments", "personal_data", actor=ACTOR, now=app.clock())
        answer_marks.mark(session, cid, d, "comments", "business_secret", actor=ACTOR, now=app.clock())
        session.commit()
        summary = themes.theme_summary(session, cid)
    assert [(s.name, s.answers) for s in summary] == [("Parkering", 4), ("Utan svar", 0)]
    assert sorted(summary[0].quotes) == [
        "Parkeringen är full, mejla [e-post]",
        "[namn] här: parkeringen vid [namn] är full, ring [telefon]",
    ]
    assert summary[1].quotes == ()
