"""Creating, opening and closing consultations; the audience; statistics."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.bootstrap import App
from bot.services import consultations
from bot.services.consultations import ConsultationError
from conversations.consultation_file import load_consultation_file
from storage.tables import AuditEntry, Consultation, Invitation
from tests import scenario


def create(app: App, yaml_text: str) -> int:
    with app.session() as session:
        consultation = consultations.create_consultation(
            session, load_consultation_file(yaml_text), now=app.clock(), actor="test"
        )
        session.commit()
        assert consultation.id is not None
        return consultation.id


def closes_in(app: App, days: int = 14) -> dt.datetime:
    return app.clock() + dt.timedelta(days=days)


def test_a_new_consultation_is_a_draft_until_opened(app: App) -> None:
    scenario.import_businesses(app)
    consultation_id = create(app, scenario.consultation_yaml(closes=closes_in(app)))
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None
        assert (consultation.status, consultation.snapshot) == ("draft", None)
        assert session.exec(select(Invitation)).all() == []
        invited = consultations.open_consultation(session, consultation_id, now=app.clock(), actor="official")
        session.commit()
        assert invited == 3  # the three contacts in Mörby, not the one in Djursholm
        assert consultation.status == "open"
        assert consultation.snapshot is not None
        assert [q["id"] for q in consultation.snapshot["questions"]][:2] == ["affected", "impact"]
        actions = [entry.action for entry in session.exec(select(AuditEntry))]
        assert actions == ["consultation.create", "consultation.open"]


def test_the_questionnaire_is_frozen_when_the_consultation_opens(app: App) -> None:
    town = scenario.municipality(app)
    with app.session() as session:
        consultation = session.get(Consultation, town.consultation_id)
        assert consultation is not None
        frozen = consultation.snapshot
        spec = dict(consultation.spec)
        spec["consultation"] = {**spec["consultation"], "questions": spec["consultation"]["questions"][:1]}
        consultation.spec = spec  # an edit after opening
        session.commit()
    with app.session() as session:
        consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="t")
        session.commit()
        reopened = session.get(Consultation, town.consultation_id)
        assert reopened is not None
        assert reopened.snapshot == frozen


def test_a_consultation_whose_opening_time_has_come_opens_on_creation(app: App) -> None:
    scenario.import_businesses(app)
    text = scenario.consultation_yaml(closes=closes_in(app)).replace(
        "  closes:", f'  opens: "{(app.clock() - dt.timedelta(hours=1)).isoformat()}"\n  closes:'
    )
    consultation_id = create(app, text)
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.status == "open"


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("{all: true}", 4),
        ("{areas: [mörby]}", 3),  # case-insensitive
        ('{industries: ["56"]}', 1),
        ('{areas: [Mörby], industries: ["10"]}', 2),  # every criterion must match
        ("{tags: [butik]}", 1),
        ("{org_numbers: [559012-3450]}", 1),
        ("{areas: [Stocksund]}", 0),
    ],
)
def test_the_audience_picks_contacts_by_area_industry_tag_and_org_number(
    app: App, audience: str, expected: int
) -> None:
    scenario.import_businesses(app)
    text = scenario.consultation_yaml(closes=closes_in(app)).replace(
        "audience: {areas: [Mörby]}", f"audience: {audience}"
    )
    consultation_id = create(app, text)
    with app.session() as session:
        assert (
            consultations.open_consultation(session, consultation_id, now=app.clock(), actor="t") == expected
        )


def test_refusals_say_why(app: App) -> None:
    town = scenario.municipality(app)
    with app.session() as session:
        with pytest.raises(ConsultationError, match="already open"):
            consultations.open_consultation(session, town.consultation_id, now=app.clock(), actor="t")
        with pytest.raises(ConsultationError, match="there is no consultation 99"):
            consultations.open_consultation(session, 99, now=app.clock(), actor="t")
        consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="t")
        with pytest.raises(ConsultationError, match="is not open"):
            consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="t")


def test_a_consultation_past_its_closing_time_cannot_be_opened(app: App) -> None:
    scenario.import_businesses(app)
    consultation_id = create(app, scenario.consultation_yaml(closes=closes_in(app, 1)))
    app.clock.advance(dt.timedelta(days=2))  # type: ignore[attr-defined]
    with app.session() as session, pytest.raises(ConsultationError, match="cannot be opened again"):
        consultations.open_consultation(session, consultation_id, now=app.clock(), actor="t")


def test_a_second_consultation_on_a_case_reuses_it_but_a_clashing_title_is_refused(app: App) -> None:
    scenario.import_businesses(app)
    create(app, scenario.consultation_yaml(closes=closes_in(app)))
    create(
        app, scenario.consultation_yaml(closes=closes_in(app)).replace("stage: early", "stage: consultation")
    )
    clash = scenario.consultation_yaml(closes=closes_in(app)).replace(
        'title: "Ombyggnad av Mörby centrum"', 'title: "Något annat"'
    )
    with pytest.raises(ConsultationError, match="already exists with the title"):
        create(app, clash)


def test_statistics_count_audience_answers_and_rate(app: App) -> None:
    from bot.services.chat import ChatRouter
    from conversations.messages import TextIn

    town = scenario.municipality(app)
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:
        router.start(conn, town.contact_ids[0], channel="console", now=app.clock())
    for text in ("nej", "morgon", "3", "hoppa över", "hoppa över", "ja"):
        with app.engine.begin() as conn:
            router.receive(conn, town.contact_ids[0], TextIn(text), channel="console", now=app.clock())
    with app.engine.begin() as conn:
        router.start(conn, town.contact_ids[1], channel="console", now=app.clock())
        router.receive(
            conn, town.contact_ids[1], TextIn("berör oss inte"), channel="console", now=app.clock()
        )
    with app.session() as session:
        (stats,) = consultations.consultation_stats(session, town.consultation_id)
    assert (stats.audience, stats.started, stats.answered, stats.declined) == (3, 2, 1, 1)
    assert stats.response_rate == pytest.approx(1 / 3)


def test_a_draft_shows_the_audience_it_would_invite_and_how_each_contact_would_be_reached(app: App) -> None:
    scenario.import_businesses(app)
    consultation_id = create(app, scenario.consultation_yaml(closes=closes_in(app)))
    with app.session() as session:
        (without_email,) = consultations.consultation_stats(session, consultation_id, channels=[])
        (with_email,) = consultations.consultation_stats(session, consultation_id, channels=["email"])
        (listed,) = consultations.consultation_stats(session, consultation_id)

    assert (without_email.status, without_email.audience, listed.audience) == ("draft", 3, 3)
    assert without_email.reach is not None and with_email.reach is not None
    assert dict(without_email.reach.by_channel) == {"web link only": 3}
    assert dict(without_email.reach.off) == {"email": 3}  # all three have an address: e-mail is off
    assert dict(with_email.reach.by_channel) == {"email": 3} and not with_email.reach.off
    assert listed.response_rate == 0.0


def test_the_same_file_twice_on_one_case_is_refused_unless_asked_again(app: App) -> None:
    scenario.import_businesses(app)
    text = scenario.consultation_yaml(closes=closes_in(app))
    first = create(app, text)
    with pytest.raises(ConsultationError, match=rf"already has this consultation: {first} \(draft\).*--again"):
        create(app, text)
    with app.session() as session:
        again = consultations.create_consultation(
            session, load_consultation_file(text), now=app.clock(), actor="test", again=True
        )
        session.commit()
    assert again.id == first + 1
    other = create(app, text.replace("reminders: [P3D, P6D]", "reminders: [P2D]"))  # a different file
    assert other == first + 2
