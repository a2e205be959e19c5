"""Marks on answers on both databases: personal data goes with its contact's erasure (and nothing of it
remains anywhere), business secrets are flagged in both exports and named for the representatives' view."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select

from bot.bootstrap import App
from bot.services import answer_marks, contacts, export
from storage.tables import AuditEntry
from tests.bot.services.free_text_support import with_free_text
from tests.bot.services.test_erasure import _text_values

ACTOR = "official@kommun.example [127.0.0.1]"
PERSONAL = "Jag heter Åsa Berg och har astma, ring mig på 070-765 43 21"
PLAIN = "Parkeringen vid torget är alltid full på förmiddagen"
SECRET = "Vi förhandlar om att köpa grannfastigheten för 4,2 miljoner"


def test_erasing_a_contact_removes_the_answers_marked_as_personal_data_and_keeps_the_others(app: App) -> None:
    town = with_free_text(app, (PERSONAL, PLAIN, SECRET))
    asa, other, _ = town.contact_ids
    cid = town.consultation_id
    with app.session() as session:
        assert answer_marks.mark(session, cid, asa, "comments", "personal_data", actor=ACTOR, now=app.clock())
        assert answer_marks.mark(session, cid, other, "comments", "personal_data", actor=ACTOR, now=app.clock())
        session.commit()
    assert any(PERSONAL in value for values in _text_values(app).values() for value in values)
    with app.session() as session:
        contacts.erase_contact(session, asa, now=app.clock(), actor="official")
        session.commit()
    after = _text_values(app)
    for needle in ("Åsa Berg", "astma", "070-765 43 21"):
        leaks = [column for column, values in after.items() if any(needle in value for value in values)]
        assert leaks == [], f"{needle!r} is still in {leaks}"
    # Her other answers stay (de-identified), and another contact's marked answer is not touched.
    with app.session() as session:
        exported = {row["org_number"]: row for row in csv.DictReader(io.StringIO(export.export_csv(session, cid)))}
    values = sorted((row["comments"], row["affected"]) for row in exported.values())
    assert values == sorted([(answer_marks.ERASED_VALUE, "yes"), (PLAIN, "yes"), (SECRET, "yes")])


def test_business_secrets_are_flagged_in_both_exports_and_named_for_the_representatives_view(app: App) -> None:
    town = with_free_text(app, (PLAIN, SECRET, PERSONAL))
    _, secret, personal = town.contact_ids
    cid = town.consultation_id
    with app.session() as session:
        answer_marks.mark(session, cid, secret, "comments", "business_secret", actor=ACTOR, now=app.clock())
        answer_marks.mark(session, cid, secret, "staff", "business_secret", actor=ACTOR, now=app.clock())
        answer_marks.mark(session, cid, personal, "comments", "personal_data", actor=ACTOR, now=app.clock())
        session.commit()
        table = list(csv.DictReader(io.StringIO(export.export_csv(session, cid))))
        document = json.loads(export.export_json(session, cid))
        hidden = answer_marks.secret_answers(session.connection(), cid)
    by_comment = {row["comments"]: row[export.SECRET_COLUMN] for row in table}
    assert by_comment == {PLAIN: "", SECRET: "comments;staff", PERSONAL: ""}
    assert {r["answers"]["comments"]: r[export.SECRET_COLUMN] for r in document["responses"]} == {
        PLAIN: [], SECRET: ["comments", "staff"], PERSONAL: []
    }
    assert hidden == {(secret, "comments"), (secret, "staff")}
    with app.session() as session:  # unmarked: no longer secret
        assert answer_marks.unmark(session, cid, secret, "staff", "business_secret", actor=ACTOR, now=app.clock())
        assert not answer_marks.unmark(session, cid, secret, "staff", "business_secret", actor=ACTOR, now=app.clock())
        session.commit()
        assert answer_marks.secret_answers(session.connection(), cid) == {(secret, "comments")}
        actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.action.startswith("answer.")))]  # type: ignore[attr-defined]
    assert actions == ["answer.mark", "answer.mark", "answer.mark", "answer.unmark"]


@pytest.mark.parametrize(
    ("contact", "question", "kind", "message"),
    [
        (0, "comments", "secret", "unknown mark 'secret'"),
        (0, "nothing", "business_secret", "has no answer to 'nothing'"),
        (999, "comments", "personal_data", "contact 999 has no answer"),
    ],
)
def test_a_mark_on_something_that_is_not_an_answer_is_refused(
    app: App, contact: int, question: str, kind: str, message: str
) -> None:
    town = with_free_text(app, (PLAIN, SECRET, PERSONAL))
    contact_id = town.contact_ids[contact] if contact < len(town.contact_ids) else contact
    with app.session() as session, pytest.raises(answer_marks.MarkError, match=message):
        answer_marks.mark(session, town.consultation_id, contact_id, question, kind, actor=ACTOR, now=app.clock())
    with app.session() as session:
        assert answer_marks.marks_of(session.connection(), town.consultation_id) == {}
