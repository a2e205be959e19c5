"""The officials' pages show an erased sole trader's business as erased, without its number or name, in
Swedish and English; the audience page still lists it where a draft named it."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import contacts_table
from tests import scenario
from tests.bot.services.test_sole_trader_erasure import CSV, OWNER, SOLE, SOLE_NAME
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer


def test_an_erased_sole_traders_business_is_shown_as_erased_on_every_page(app: App, web: LiveServer) -> None:
    scenario.import_businesses(app, CSV)
    opened = scenario.open_consultation(app, scenario.consultation_yaml(
        closes=app.clock() + dt.timedelta(days=14), areas=f"[Mörby], org_numbers: [{SOLE}]"))
    with app.engine.connect() as conn:
        erik = conn.execute(sa.select(contacts_table.c.id)
                            .where(contacts_table.c.email == "erik@holm.example")).scalar_one()
    add_accounts(app)
    browser, csrf = signed_in(web, "official")
    with closing(browser):
        assert SOLE_NAME in browser.get("/admin/businesses").text  # the test looks where it really is
        assert browser.post(f"/admin/contacts/{erik}/erase", data={"csrf": csrf}).status_code == 303
        pages = {
            "businesses": browser.get("/admin/businesses"),
            "contact": browser.get(f"/admin/contacts/{erik}"),
            "results": browser.get(f"/admin/consultations/{opened}/results"),
            "sheet": browser.get(f"/admin/consultations/{opened}/results/{erik}"),
            "consultation": browser.get(f"/admin/consultations/{opened}"),
            "csv": browser.get(f"/admin/consultations/{opened}/answers.csv"),
        }
        for name, page in pages.items():
            assert page.status_code == 200, name
            assert SOLE not in page.text and SOLE_NAME not in page.text and OWNER not in page.text, name
        for name in ("businesses", "contact", "sheet"):
            assert "(raderad)" in pages[name].text, name
        assert "(raderad)" in pages["csv"].text
        assert "(raderad)" not in browser.get("/admin/businesses?q=1").text  # its id is no number to find it by
        switch_language(browser, "en", csrf=csrf)
        assert "(erased)" in browser.get("/admin/businesses").text
        assert "(erased)" in browser.get(f"/admin/contacts/{erik}").text
