"""The privacy page /integritet (GDPR art. 13) over real HTTP: the municipality's own facts from settings,
in Swedish and English, and the links to it from the web answer page and the dialogue's notice."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from bot.bootstrap import App
from tests import scenario
from tests.bot.web.test_answer import link
from tests.live_server import LiveServer

FACTS = {
    "municipality": "Ekby kommun",
    "privacy_controller": "Kommunstyrelsen i Ekby kommun",
    "municipality_contact": "Näringslivsenheten, 0123-456 78, naringsliv@ekby.example",
    "data_protection_officer": "Dataskyddsombudet, dso@ekby.example",
    "privacy_retention": "Kontaktuppgifterna gallras två år efter det senaste samrådet.",
}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def _by_id(page: str, element_id: str) -> str:
    found = re.search(rf'<p id="{element_id}">(.*?)</p>', page, re.S)
    assert found is not None, f"no #{element_id} on the page"
    return html.unescape(" ".join(found.group(1).split()))


def test_the_page_states_the_municipality_s_own_facts_in_swedish_and_english(
    app: App, web: LiveServer, client: httpx.Client
) -> None:
    app.settings = app.settings.model_copy(update=FACTS)
    sv = client.get(f"{web.url}/integritet")
    assert sv.status_code == 200 and '<html lang="sv">' in sv.text
    assert "Så hanterar vi dina personuppgifter – Ekby kommun" in html.unescape(sv.text)
    assert _by_id(sv.text, "controller") == "Kommunstyrelsen i Ekby kommun"
    assert _by_id(sv.text, "contact") == "Kontakt: " + FACTS["municipality_contact"]
    assert _by_id(sv.text, "dpo") == FACTS["data_protection_officer"]
    assert _by_id(sv.text, "retention") == FACTS["privacy_retention"]
    assert "uppgift av allmänt intresse (artikel 6.1 e" in _by_id(sv.text, "purpose")
    assert "Integritetsskyddsmyndigheten (IMY)" in _by_id(sv.text, "complain")

    en = client.get(f"{web.url}/integritet", params={"lang": "en"})
    assert en.status_code == 200 and '<html lang="en">' in en.text
    assert _by_id(en.text, "controller") == "Kommunstyrelsen i Ekby kommun"
    assert _by_id(en.text, "dpo") == FACTS["data_protection_officer"]
    assert "task carried out in the public interest" in _by_id(en.text, "purpose")
    assert "Integritetsskyddsmyndigheten, IMY" in _by_id(en.text, "complain")


def test_unset_facts_fall_back_to_the_municipality_and_default_texts(
    app: App, web: LiveServer, client: httpx.Client
) -> None:
    app.settings = app.settings.model_copy(update={"municipality": "Ekby kommun"})
    sv = client.get(f"{web.url}/integritet").text
    assert _by_id(sv, "controller") == "Ekby kommun"
    assert 'id="contact"' not in sv
    assert _by_id(sv, "dpo").startswith("Kontakta kommunen")
    assert "dokumenthanteringsplan" in _by_id(sv, "retention")
    assert "90 dagar efter att samrådet" in _by_id(sv, "retention") and "24 månader" in _by_id(sv, "retention")
    en = client.get(f"{web.url}/integritet", params={"lang": "en"}).text
    assert "records management plan" in _by_id(en, "retention")
    app.settings = app.settings.model_copy(update={"retention_unanswered_days": 45, "retention_answered_months": 36})
    en = client.get(f"{web.url}/integritet", params={"lang": "en"}).text
    assert "erase your contact details 45 days after" in _by_id(en, "retention")
    assert "36 months after the case's last consultation" in _by_id(en, "retention")


def test_the_answer_page_links_to_the_privacy_page_in_its_footer_and_notice(
    app: App, web: LiveServer, client: httpx.Client
) -> None:
    town = scenario.municipality(app)
    url = link(app, web, town.contact_ids[0], town.consultation_id)
    sv = client.get(url).text
    footer = sv[sv.index("<footer>"):sv.index("</footer>")]
    assert '<a href="/integritet">Så hanterar vi dina personuppgifter</a>' in footer
    assert "Så hanterar vi dina uppgifter: http://samrad.test/integritet" in html.unescape(sv)  # the notice
    en = client.get(url, params={"lang": "en"}).text
    assert '<a href="/integritet?lang=en">How we handle your personal data</a>' in en
    assert "How we handle your data: http://samrad.test/integritet?lang=en" in html.unescape(en)
    assert client.get(f"{web.url}/integritet", params={"lang": "en"}).status_code == 200
