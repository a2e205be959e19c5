"""Answer and opt-out links at the edge: closing, revoking and expiry, through the real HTTP stack."""

from __future__ import annotations

import datetime as dt

import httpx
import sqlalchemy as sa

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services import consultations
from bot.services.links import LinkError, revoke_links
from storage.tables import contacts_table, invitations_table
from tests.bot.web.edge_support import Serve, opt_out_link, serve, web_link
from tests.scenario import municipality

__all__ = ["serve"]  # the fixture, used by name


def chat_codes(app: App, contact_id: int) -> set[str]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == contact_id))
        return set(rows.scalars())


def answer(url: str, value: str = "yes") -> httpx.Response:
    return httpx.post(url, data={"question_id": "affected", "answer": value, "lang": "sv"}, follow_redirects=True)


def test_a_link_of_a_closed_consultation_says_which_and_that_it_closed_without_personal_data(
    app: App, serve: Serve
) -> None:
    town = municipality(app)
    server = serve()
    url = web_link(app, server, town.contact_ids[0], town.consultation_id)
    assert answer(url).status_code == 200  # Anna has answered something: her page shows it while open
    with app.session() as session:
        consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="test")
        session.commit()

    for response in (httpx.get(url), httpx.get(url, params={"lang": "en"}), answer(url, "no")):
        assert response.status_code == 200
        page = response.text
        assert "Samrådet är avslutat" in page and "The consultation has closed" in page
        assert "Trafiken under byggtiden i Mörby centrum" in page  # which one, in Swedish
        assert "Traffic during the construction in Mörby centrum" in page  # and in English
        for personal in ("Anna", "Ek", "Bageri", "<form", "<input", "Ja</", "affected"):
            assert personal not in page, personal
    with app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM answers")).scalar_one() == 1  # the "no" was not taken
    opted_out = httpx.post(opt_out_link(app, server, town.contact_ids[0]))
    assert opted_out.status_code == 200, "opting out is always possible, also after closing"


def test_a_revoked_contacts_links_fail_as_unknown_and_new_ones_work(
    app: App, clock: FixedClock, serve: Serve
) -> None:
    town = municipality(app)
    anna, bo = town.contact_ids[0], town.contact_ids[1]
    server = serve()
    old_answer, old_opt_out = web_link(app, server, anna, town.consultation_id), opt_out_link(app, server, anna)
    bos_link = web_link(app, server, bo, town.consultation_id)
    codes_before = chat_codes(app, anna)
    clock.advance(dt.timedelta(minutes=5))

    with app.session() as session:
        assert revoke_links(session, anna, now=app.clock(), actor="test") == 1
        session.commit()

    for response in (httpx.get(old_answer), answer(old_answer), httpx.get(old_opt_out), httpx.post(old_opt_out)):
        assert response.status_code == 404
        assert "Länken fungerar inte" in response.text and "Anna" not in response.text
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(contacts_table.c.opted_out_at).where(contacts_table.c.id == anna)
                            ).scalar_one() is None
    assert chat_codes(app, anna).isdisjoint(codes_before), "the chat codes are links too"
    assert httpx.get(bos_link).status_code == 200, "only Anna's links are revoked"

    clock.advance(dt.timedelta(seconds=1))  # links made after the revocation work
    assert httpx.get(web_link(app, server, anna, town.consultation_id)).status_code == 200
    assert httpx.get(opt_out_link(app, server, anna)).status_code == 200


def test_revoking_an_unknown_contact_is_a_clear_error(app: App) -> None:
    with app.session() as session:
        for contact_id in (999, 0, 2**63):
            try:
                revoke_links(session, contact_id, now=app.clock(), actor="test")
            except LinkError as error:
                assert str(error) == f"there is no contact {contact_id}"
            else:
                raise AssertionError("no error")


def test_an_answer_link_expires_after_link_max_age_days_and_an_opt_out_link_does_not(
    app: App, clock: FixedClock, serve: Serve
) -> None:
    town = municipality(app, days_open=60)
    server = serve(link_max_age_days=30)
    url = web_link(app, server, town.contact_ids[0], town.consultation_id)
    opt_out = opt_out_link(app, server, town.contact_ids[0])

    clock.advance(dt.timedelta(days=30))
    assert httpx.get(url).status_code == 200
    clock.advance(dt.timedelta(seconds=1))
    expired = httpx.get(url)
    assert expired.status_code == 404 and "har gått ut" in expired.text
    assert answer(url).status_code == 404
    assert httpx.get(web_link(app, server, town.contact_ids[0], town.consultation_id)).status_code == 200
    assert httpx.get(opt_out).status_code == 200


def test_an_answer_link_made_up_from_ids_is_unknown(app: App, serve: Serve) -> None:
    """The old links were readable base64 of [contact, consultation]: such a token names nobody now."""
    town = municipality(app)
    server = serve()
    for token in ("WzEsMV0", "WzEsMV0.bm90LWEtc2lnbmF0dXJl", "MQ"):
        assert httpx.get(f"{server.url}/c/{token}").status_code == 404
        assert httpx.get(f"{server.url}/u/{token}").status_code == 404
    assert town.consultation_id == 1
