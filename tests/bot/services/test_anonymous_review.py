"""Officials review an anonymous consultation's free text like any other (tests/bot/services/anonymous_support.py):
the sent responses' answers are listed and searched without a business or a time, tagged with themes,
suggested as themes and marked; a quote of one is masked like every quote, a business secret is withheld
from the representatives and flagged in the export. A tag or a mark is on exactly one kind of answer and
goes with its anonymous response. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import App
from bot.services import answer_marks, export, text_groups, themes
from bot.services.public_summary import public_summary
from storage.tables import AuditEntry, anonymous_responses_table, answer_themes_table
from tests.bot.services.anonymous_support import TYPED, anonymous_answered_town

ACTOR = "official@kommun.example [127.0.0.1]"


def test_anonymous_free_text_is_listed_and_searched_without_identity(app: App) -> None:
    town = anonymous_answered_town(app)
    with app.session() as session:
        every = themes.free_text_answers(session, town.consultation_id)
        found = themes.free_text_answers(session, town.consultation_id, search="PARKERINGEN")
    assert len(every) == 3 and all(a.anonymous and a.contact_id is None for a in every)
    assert {(a.business_name, a.answered_at, a.question_id) for a in every} == {("", None, "comments")}
    assert sorted(a.text for a in found) == [
        "Parkeringen vid torget räcker inte, säger Anna Ek", "Parkeringen är full varje morgon"]


def test_anonymous_answers_are_tagged_marked_and_quoted_through_the_mask(app: App) -> None:
    town = anonymous_answered_town(app)
    cid, now = town.consultation_id, app.clock()
    with app.session() as session:
        answers = {a.text: a for a in themes.free_text_answers(session, cid)}
        anna, cilla, eva = (answers[TYPED[name][-1]] for name in ("Anna Ek", "Cilla Ros", "Eva Lund"))
        parking = themes.create_theme(session, cid, "Parkering", actor=ACTOR, now=now)
        assert parking.id is not None
        for answer in (anna, eva):
            assert themes.tag(session, cid, answer.key, parking.id, actor=ACTOR, now=now)
        assert not themes.tag(session, cid, eva.key, parking.id, actor=ACTOR, now=now)
        assert themes.untag(session, cid, eva.key, parking.id, actor=ACTOR, now=now)
        themes.tag(session, cid, cilla.key, parking.id, actor=ACTOR, now=now)
        secret = eva
        assert answer_marks.mark(session, cid, secret.respondent, "comments", "business_secret", actor=ACTOR, now=now)
        with pytest.raises(answer_marks.MarkError, match="has no answer"):
            answer_marks.mark(session, cid, "0" * 32, "comments", "personal_data", actor=ACTOR, now=now)
        with pytest.raises(themes.ThemeError, match="no free-text answer"):
            themes.tag(session, cid, ("0" * 32, "comments"), parking.id, actor=ACTOR, now=now)
        session.commit()

        assert [(t.name, t.answers) for t in themes.list_themes(session, cid)] == [("Parkering", 2)]
        [summary] = themes.theme_summary(session, cid)
        assert sorted(summary.quotes) == [
            "Parkeringen vid [namn] räcker inte, säger [namn]", "Parkeringen är full varje morgon"]  # "Torget": Café Torget
        assert answer_marks.secret_answers(session.connection(), cid) == {(secret.respondent, "comments")}
        table = list(csv.DictReader(io.StringIO(export.export_csv(session, cid))))
        representatives = public_summary(session, cid)
        audit = session.exec(sa.select(AuditEntry.detail).where(AuditEntry.action == "answer.mark")).all()
    assert sorted(row["secret_questions"] for row in table if row["status"] == "complete") == ["", "", "comments"]
    comments = next(q for q in representatives.questions if q.summary.question.id == "comments")
    assert (comments.summary.answered, comments.withheld) == (2, 1)
    assert [theme.quotes for theme in representatives.themes] == [tuple(summary.quotes)]
    assert [detail for (detail,) in audit] == [
        {"anonymous_response": secret.respondent, "question": "comments", "kind": "business_secret"}]


def test_suggestions_group_anonymous_free_text(app: App) -> None:
    town = anonymous_answered_town(app)
    text_groups.group_texts(["parkering", "parkeringen", "kvällsöppet"])  # loads scikit-learn
    with app.session() as session:
        texts = {a.key: a.text for a in themes.free_text_answers(session, town.consultation_id)}
        made = themes.suggest(session, town.consultation_id, actor=ACTOR, now=app.clock())
        session.commit()
        tagged = {a.text for a in themes.free_text_answers(session, town.consultation_id) if a.theme_ids}
    assert len(made) == 1 and made[0].name.startswith("Parkering")
    assert tagged == {text for text in texts.values() if text.startswith("Parkeringen")}


def test_a_tag_is_on_exactly_one_kind_of_answer_and_goes_with_its_anonymous_response(app: App) -> None:
    town = anonymous_answered_town(app)
    cid, now = town.consultation_id, app.clock()
    with app.session() as session:
        answer = themes.free_text_answers(session, cid)[0]
        theme = themes.create_theme(session, cid, "Leveranser", actor=ACTOR, now=now)
        themes.tag(session, cid, answer.key, theme.id or 0, actor=ACTOR, now=now)
        answer_marks.mark(session, cid, answer.respondent, "comments", "personal_data", actor=ACTOR, now=now)
        session.commit()
    with pytest.raises(IntegrityError), app.engine.begin() as conn:
        conn.execute(answer_themes_table.insert().values(
            theme_id=theme.id, consultation_id=cid, contact_id=None, anonymous_response_id=None,
            question_id="comments", tagged_at=now, tagged_by=ACTOR))
    with pytest.raises(IntegrityError), app.engine.begin() as conn:
        conn.execute(answer_themes_table.insert().values(
            theme_id=theme.id, consultation_id=cid, contact_id=town.contact_ids["Anna Ek"],
            anonymous_response_id=answer.respondent, question_id="comments", tagged_at=now, tagged_by=ACTOR))
    with app.engine.begin() as conn:
        conn.execute(anonymous_responses_table.delete().where(anonymous_responses_table.c.id == answer.respondent))
    with app.session() as session:
        assert [t.answers for t in themes.list_themes(session, cid)] == [0]
        assert answer_marks.marks_of(session.connection(), cid) == {}
