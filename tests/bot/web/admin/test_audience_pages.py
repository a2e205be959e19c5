"""Choosing a draft's audience over real HTTP on both databases: areas, industries, tags and named
businesses, counted per channel against a register where every channel's number differs."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing

import sqlalchemy as sa
from sqlmodel import select

from bot.bootstrap import App
from bot.services import consultations
from conversations.consultation_file import load_consultation_file
from storage.tables import AuditEntry, Consultation, contacts_table
from tests.bot.web.admin.support import add_accounts, signed_in
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer
from tests.scenario import consultation_yaml, import_businesses

# In Mörby: the bakery (Anna on Slack and e-mail, Bo e-mail only), the café (Cilla on Slack and e-mail,
# Dora with only a phone), the kiosk (Erik, who opted out; Gus by e-mail). In Djursholm: the florist
# (Dan by e-mail) and the hardware store (Fia on Slack). With e-mail and Slack switched on, Mörby and
# the florist by name make 4 businesses and 7 contacts: 3 by e-mail, 2 on Slack, 1 by link only, 1 not.
REGISTER = """\
org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url
556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel,Anna Ek,anna@bageri.example,,sv,UANNA01,
556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel,Bo Ek,bo@bageri.example,,en,,
556703-7485,Café Torget,56100,Mörby,kafé;livsmedel,Cilla Ros,cilla@torget.example,,sv,UCILLA1,
556703-7485,Café Torget,56100,Mörby,kafé;livsmedel,Dora Ros,,08-555123,sv,,
556677-8899,Mörby Kiosk,47111,Mörby,butik,Erik Berg,erik@kiosk.example,,sv,,
556677-8899,Mörby Kiosk,47111,Mörby,butik,Gus Berg,gus@kiosk.example,,sv,,
559012-3450,Djursholms Blommor,47761,Djursholm,butik,Dan Ro,dan@blommor.example,,sv,,
556123-4567,Djursholms Järn,46900,Djursholm,bygg,Fia Lind,,,sv,UFIA001,
"""


def _draft(app: App) -> int:
    import_businesses(app, REGISTER)
    with app.engine.begin() as conn:
        conn.execute(contacts_table.update().where(contacts_table.c.name == "Erik Berg").values(opted_out_at=app.clock()))
    with app.session() as session:
        file = load_consultation_file(consultation_yaml(closes=app.clock() + dt.timedelta(days=10)))
        consultation = consultations.create_consultation(session, file, now=app.clock(), actor="test")
        session.commit()
        assert consultation.id is not None
        return consultation.id


def _switch_on(app: App) -> None:
    app.channels["email"] = FakeChannel(name="email")
    app.channels["slack"] = FakeChannel(name="slack")


def _by_channel(html: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html)}


def test_the_count_shows_businesses_contacts_and_each_channels_reach_without_javascript(app: App, web: LiveServer) -> None:
    consultation_id = _draft(app)
    _switch_on(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    with closing(official):
        page = official.get(f"/admin/consultations/{consultation_id}/audience")
        assert page.status_code == 200 and "3 företag, 6 kontakter" in page.text  # Mörby, as the file said
        found = official.post(f"/admin/consultations/{consultation_id}/audience",
                              data={"csrf": csrf, "area": "Mörby", "q": "blom", "do": "search"})
        assert "1 företag hittades." in found.text and 'value="559012-3450"' in found.text
        assert 'value="556123-4567"' not in found.text  # the hardware store does not match "blom"
        counted = official.post(f"/admin/consultations/{consultation_id}/audience",
                                data={"csrf": csrf, "area": "Mörby", "org": "559012-3450", "do": "count"})
        assert counted.status_code == 200 and "4 företag, 7 kontakter" in counted.text
        assert _by_channel(counted.text) == {
            "e-post": 3, "Slack": 2, "Bara via länk (ingen kanal)": 1,
            "Nås inte (har avböjt utskick eller går inte att nå)": 1,
        }
        # The script's fragment counts the same fields from the query string.
        fragment = official.get(f"/admin/consultations/{consultation_id}/audience/count",
                                params=[("tag", "livsmedel"), ("industries", "561")])
        assert fragment.status_code == 200 and "1 företag, 2 kontakter" in fragment.text  # the café only
        assert _by_channel(fragment.text) == {"Slack": 1, "Bara via länk (ingen kanal)": 1,
                                              "Nås inte (har avböjt utskick eller går inte att nå)": 0}
    with app.session() as session:  # counting changed nothing
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.audience["areas"] == ["Mörby"]


def test_a_saved_audience_is_the_drafts_and_its_files_and_is_logged(app: App, web: LiveServer) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    with closing(official):
        saved = official.post(f"/admin/consultations/{consultation_id}/audience", data={
            "csrf": csrf, "industries": "47, 561", "tag": "butik", "org": "556123-4567", "do": "save"})
        assert saved.status_code == 303
        assert saved.headers["location"] == f"/admin/consultations/{consultation_id}?done=audience"
        assert "Urvalet är sparat." in official.get(saved.headers["location"]).text
        yaml_text = official.get(f"/admin/consultations/{consultation_id}/consultation.yaml").text
    expected = {"all": False, "areas": [], "industries": ["47", "561"], "tags": ["butik"], "org_numbers": ["556123-4567"]}
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.audience == expected
        assert consultation.spec["consultation"]["audience"] == expected
        (entry,) = session.exec(select(AuditEntry).where(AuditEntry.action == "consultation.audience"))
        assert entry.target == f"consultation:{consultation_id}" and entry.detail == {"audience": expected}
        # The kiosk and the florist (butik, SNI 47…) and the hardware store by name: Erik, Gus, Dan, Fia.
        assert len(consultations.audience_contact_ids(session.connection(), consultation.audience)) == 4
    assert "556123-4567" in yaml_text and "561" in yaml_text


def test_a_wrong_audience_is_explained_at_its_field_and_nothing_is_saved(app: App, web: LiveServer) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    path = f"/admin/consultations/{consultation_id}/audience"
    with closing(official):
        bad_sni = official.post(path, data={"csrf": csrf, "industries": "47, 4x7", "do": "save"})
        assert bad_sni.status_code == 422 and "is not an SNI code or prefix" in bad_sni.text
        assert 'id="f-industries" name="industries" value="47, 4x7"' in bad_sni.text  # what was typed stays
        empty = official.post(path, data={"csrf": csrf, "do": "save"})
        assert empty.status_code == 422 and "minst ett område" in empty.text
        hostile = official.post(path, data={"csrf": csrf, "org": "'; drop table businesses; --", "do": "save"})
        assert hostile.status_code == 422 and "is not an organisation number" in hostile.text
        forged = official.post(path, data={"csrf": "forged", "all": "yes", "do": "save"})
        assert forged.status_code == 403
    with app.session() as session:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None and consultation.audience["areas"] == ["Mörby"]
        assert not list(session.exec(select(AuditEntry).where(AuditEntry.action == "consultation.audience")))
        assert session.connection().execute(sa.text("select count(*) from businesses")).scalar() == 5


def test_an_open_consultations_audience_cannot_change_and_a_representative_cannot_open_the_picker(
    app: App, web: LiveServer
) -> None:
    consultation_id = _draft(app)
    add_accounts(app)
    with app.session() as session:
        consultations.open_consultation(session, consultation_id, now=app.clock(), actor="test")
        session.commit()
    official, csrf = signed_in(web, "official")
    representative, _ = signed_in(web, "representative")
    path = f"/admin/consultations/{consultation_id}/audience"
    with closing(official), closing(representative):
        assert official.get(path).status_code == 409
        assert official.post(path, data={"csrf": csrf, "all": "yes", "do": "save"}).status_code == 409
        assert representative.get(path).status_code == 403
        assert representative.get(path + "/count").status_code == 403
