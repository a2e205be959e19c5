"""The officials see which businesses' Teams webhooks no longer answer: on the consultation's page and on
the contact's page, in plain words instead of an HTTP status."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from adapters.teams import outcome
from bot.bootstrap import App
from storage.outbox import mark_unreachable
from storage.tables import channel_identities_table, contacts_table
from tests import scenario
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.live_server import LiveServer

URL = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRET-SIG"


def test_a_broken_teams_webhook_is_named_on_the_consultation_and_contact_pages(app: App, web: LiveServer) -> None:
    csv_text = scenario.BUSINESSES_CSV.replace("anna@bageri.example,08-123456,sv,,", f"anna@bageri.example,08-123456,sv,,{URL}")
    scenario.import_businesses(app, csv_text)
    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14)))
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    try:
        with app.engine.begin() as conn:
            anna = conn.execute(sa.select(contacts_table.c.id).where(contacts_table.c.name == "Anna Ek")).scalar_one()
        page = browser.get(f"/admin/consultations/{consultation_id}")
        assert page.status_code == 200 and "Teams-webhooken svarar inte längre" not in page.text

        gone = outcome(410, "", None, now=0.0)  # what the Teams channel says of a deleted flow
        with app.engine.begin() as conn:
            mark_unreachable(conn, contact_id=anna, channel="teams", reason=gone.reason, now=app.clock())  # type: ignore[union-attr]

        page = browser.get(f"/admin/consultations/{consultation_id}")
        assert page.status_code == 200
        assert '<h2 id="broken-webhooks-heading">Teams-webhooken svarar inte längre</h2>' in page.text
        assert f'<a href="/admin/contacts/{anna}">Mörby Bageri AB</a>' in page.text
        assert "Anna Ek" not in page.text and "SECRET-SIG" not in page.text
        contact = browser.get(f"/admin/contacts/{anna}")
        assert "Teams-webhooken svarar inte längre" in contact.text and "HTTP 410" not in contact.text
    finally:
        browser.close()


def test_an_uploaded_file_s_teams_webhooks_are_checked_against_the_configured_hosts(app: App, web: LiveServer) -> None:
    """SAMRAD_TEAMS_WEBHOOK_HOSTS holds on the page as on the command line: a municipality whose flows run on
    a host of its own lists it, and then only it."""
    own = "https://flows.kommun.example/workflows/abc/invoke?sig=SECRET-SIG"
    app.settings = app.settings.model_copy(update={"teams_webhook_hosts": ("flows.kommun.example",)})
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    try:
        def upload(url: str) -> str:
            csv_text = scenario.BUSINESSES_CSV.replace("anna@bageri.example,08-123456,sv,,",
                                                       f"anna@bageri.example,08-123456,sv,,{url}")
            response = browser.post("/admin/businesses/import", data={"csrf": csrf},
                                    files={"file": ("foretag.csv", csv_text.encode(), "text/csv")})
            return f"{response.status_code} {response.text}"

        refused = upload(URL)  # Microsoft's own host, not on this installation's list
        assert refused.startswith("422") and "prod-00.westeurope.logic.azure.com is not an allowed Workflows host" in refused
        assert "SECRET-SIG" not in refused
        assert upload(own).startswith("200")
    finally:
        browser.close()
    with app.engine.begin() as conn:
        kept = conn.execute(
            sa.select(channel_identities_table.c.address)
            .join(contacts_table, contacts_table.c.id == channel_identities_table.c.contact_id)
            .where(contacts_table.c.name == "Anna Ek", channel_identities_table.c.channel == "teams")
        )
        assert kept.scalar_one() == own
