"""An anonymous consultation on the web answer page: the notice says it is anonymous, a sent response
offers no way to change it, and coming back says it was received. Through the real HTTP stack."""

from __future__ import annotations

import datetime as dt

import httpx

from bot.bootstrap import App
from bot.services import anonymous
from conversations.phrases import phrase
from tests import scenario
from tests.bot.web.test_answer import Visitor, answer_until, client, link  # noqa: F401  (client: a fixture)
from tests.live_server import LiveServer


def test_an_anonymous_consultation_on_the_web_page(app: App, web: LiveServer, client: httpx.Client) -> None:  # noqa: F811
    scenario.import_businesses(app)
    text = scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    consultation_id = scenario.open_consultation(
        app, text.replace("  reminders: [P3D, P6D]", "  reminders: [P3D, P6D]\n  anonymous: true"))
    anna = Visitor(client, link(app, web, scenario.invited_contacts(app, consultation_id)[0], consultation_id))

    page = anna.open()
    assert "Samrådet är anonymt." in page.text and "Vi sparar dina svar och kontaktuppgifter" not in page.text
    answer_until(anna, "comments")
    anna.answer("Inget mer.")
    page = anna.answer("yes")
    assert phrase("thanks_submitted_anonymous", "sv") in page.text
    assert [b.text for b in page.buttons if "Ändra" in b.text] == []

    page = anna.open()  # coming back later
    assert phrase("thanks_submitted_anonymous", "sv") in page.text
    assert [b.text for b in page.buttons if "Ändra" in b.text] == []
    with app.engine.connect() as conn:
        [response] = list(anonymous.responses(conn, consultation_id))
    assert (response.answers["comments"], response.answers["staff"], response.area) == ("Inget mer.", 1200, "Mörby")
