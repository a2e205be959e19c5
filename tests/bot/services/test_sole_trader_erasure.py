"""A sole trader's business (enskild firma) goes with its owner: its organisation number is their personal
identity number, its name often theirs. When its last contact still un-erased is erased (on request or
by retention), the business keeps no name and a placeholder for a number, in every copy (audiences,
consultation files, the audit log); area and industry stay. A company keeps its name and number. On
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.services import audience_picker, consultations, contacts, directory, export, lifecycle, retention
from bot.services.chat import ChatRouter
from conversations.consultation_file import ConsultationFile, load_consultation_file
from conversations.messages import TextIn
from conversations.org_numbers import erased_org_number
from storage.tables import audit_log_table, businesses_table, consultations_table, contacts_table
from tests import scenario
from tests.bot.services.test_erasure import _text_values

SOLE, SOLE_DIGITS, SOLE_NAME = "811218-9876", "8112189876", "Erik Holms Snickeri"
OWNER = "Erik Holm"
PAIR = "811278-9873"  # a samordningsnummer: a sole trader with two contacts
COMPANY = "556036-0793"
CSV = f"""\
org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url
{SOLE},{SOLE_NAME},43320,Mörby,hantverk,{OWNER},erik@holm.example,070-1112233,sv,,
{PAIR},Sara Linds Frisörsalong,96021,Mörby,,Sara Lind,sara@lind.example,,sv,,
{PAIR},Sara Linds Frisörsalong,96021,Mörby,,Olle Lind,olle@lind.example,,sv,,
{COMPANY},Mörby Bygg AB,41200,Mörby,,Karl Berg,karl@bygg.example,,sv,,
"""


def _town(app: App) -> tuple[int, int, dict[str, int]]:
    """The businesses, an open consultation naming the sole trader (and Mörby), and a draft whose audience
    an official saved naming the sole trader and the company (so the audit log holds both numbers).
    Returns the open one's id, the draft's, and the contacts' ids by e-mail's first part."""
    scenario.import_businesses(app, CSV)
    opened = scenario.open_consultation(app, scenario.consultation_yaml(
        closes=app.clock() + dt.timedelta(days=14), areas=f"[Mörby], org_numbers: [{SOLE}]"
    ))
    with app.session() as session:
        draft = consultations.create_consultation(session, load_consultation_file(scenario.consultation_yaml(
            closes=app.clock() + dt.timedelta(days=30), reference="KS 2025/0099"
        )), now=app.clock(), actor="test")
        assert draft.id is not None
        draft_id = draft.id
        audience_picker.save_audience(session, draft_id, audience_picker.checked({"org_numbers": [SOLE, COMPANY]}),
                                      now=app.clock(), actor="official")
        session.commit()
    with app.engine.connect() as conn:
        ids = {email.split("@")[0]: contact_id for contact_id, email in conn.execute(
            sa.select(contacts_table.c.id, contacts_table.c.email))}
    return opened, draft_id, ids


def _business(app: App, contact_id: int) -> sa.Row[tuple[int, str, str, str, str]]:
    with app.engine.connect() as conn:
        return conn.execute(
            sa.select(businesses_table.c.id, businesses_table.c.org_number, businesses_table.c.name,
                      businesses_table.c.industry, businesses_table.c.area)
            .join(contacts_table, contacts_table.c.business_id == businesses_table.c.id)
            .where(contacts_table.c.id == contact_id)
        ).one()


def _erase(app: App, contact_id: int) -> None:
    with app.session() as session:
        contacts.erase_contact(session, contact_id, now=app.clock(), actor="official")
        session.commit()


def _everywhere(app: App, needle: str) -> list[str]:
    """The columns of any table holding `needle` in a text or JSON value."""
    return [column for column, values in _text_values(app).items() if any(needle in v for v in values)]


def test_erasing_a_sole_traders_only_contact_erases_the_business_and_every_copy_of_its_number(app: App) -> None:
    opened, draft, ids = _town(app)
    for needle in (SOLE, SOLE_NAME):  # the test looks where they really are
        assert _everywhere(app, needle)
    # The audit log is append-only: the audience saved names the sole trader by its id, never by number.
    assert set(_everywhere(app, SOLE)) == {"businesses.org_number", "consultations.audience", "consultations.spec"}

    _erase(app, ids["erik"])

    business = _business(app, ids["erik"])
    placeholder = erased_org_number(business.id)
    assert (business.org_number, business.name, business.industry, business.area) == (placeholder, "", "43320", "Mörby")
    for needle in (SOLE, SOLE_DIGITS, SOLE_NAME, OWNER):
        assert _everywhere(app, needle) == [], needle
    with app.engine.connect() as conn:
        audiences = dict(conn.execute(sa.select(consultations_table.c.id, consultations_table.c.audience)).tuples().all())
        saved = conn.execute(sa.select(audit_log_table.c.detail)
                             .where(audit_log_table.c.action == "consultation.audience")).scalar_one()
        specs = conn.execute(sa.select(consultations_table.c.spec)).scalars().all()
    # The audiences name the same business by its placeholder; the company's number is untouched.
    assert audiences[opened]["org_numbers"] == [placeholder]
    assert audiences[draft]["org_numbers"] == [placeholder, COMPANY]
    assert saved["audience"]["org_numbers"] == [f"business:{business.id}", COMPANY]
    for spec in specs:  # the consultation files still load (the draft's page, its YAML download)
        assert placeholder in ConsultationFile.model_validate(spec).to_yaml()
    assert audience_picker.named(app.engine.connect(), [placeholder, COMPANY]) == [(placeholder, ""), (COMPANY, "Mörby Bygg AB")]


def test_the_export_after_erasure_shows_the_business_as_erased_without_number_or_name(app: App) -> None:
    opened, _, ids = _town(app)
    _erase(app, ids["erik"])
    with app.session() as session:
        csv_text = export.export_csv(session, opened)
        json_text = export.export_json(session, opened)
        _, rows = export.response_rows(session, opened)
    for text in (csv_text, json_text):
        assert SOLE not in text and SOLE_DIGITS not in text and SOLE_NAME not in text and OWNER not in text
        assert "raderad-" not in text  # the placeholder is no one's business either
    erik = next(r for r in rows if r.contact_id == ids["erik"])
    assert (erik.org_number, erik.business_name, erik.contact_name, erik.business_erased) == (
        "", export.ERASED_NAME, export.ERASED_NAME, True)
    assert (erik.area, erik.industry) == ("Mörby", "43320")  # kept, for statistics
    karl = next(r for r in rows if r.contact_id == ids["karl"])
    assert (karl.org_number, karl.business_name, karl.business_erased) == (COMPANY, "Mörby Bygg AB", False)


def test_a_sole_trader_with_a_contact_left_keeps_its_identity_until_that_one_is_erased_too(app: App) -> None:
    _, _, ids = _town(app)
    _erase(app, ids["sara"])
    business = _business(app, ids["sara"])
    assert (business.org_number, business.name) == (PAIR, "Sara Linds Frisörsalong")  # Olle is still a contact

    _erase(app, ids["olle"])
    business = _business(app, ids["olle"])
    assert (business.org_number, business.name) == (erased_org_number(business.id), "")


def test_a_companys_business_keeps_its_name_and_number_when_its_only_contact_is_erased(app: App) -> None:
    _, draft, ids = _town(app)
    _erase(app, ids["karl"])
    business = _business(app, ids["karl"])
    assert (business.org_number, business.name) == (COMPANY, "Mörby Bygg AB")
    with app.engine.connect() as conn:
        audience = conn.execute(sa.select(consultations_table.c.audience)
                                .where(consultations_table.c.id == draft)).scalar_one()
    assert audience["org_numbers"] == [SOLE, COMPANY]


def test_retention_de_identifying_a_sole_trader_erases_the_business_too(app: App, clock: FixedClock) -> None:
    opened, _, ids = _town(app)
    router = ChatRouter(app.dialogues)
    with app.engine.begin() as conn:  # Erik answers the first question; the rest of Mörby does not
        router.start(conn, ids["erik"], channel="console", now=clock.now, consultation_id=opened)
        router.receive(conn, ids["erik"], TextIn("nej"), channel="console", now=clock.now)
    lifecycle.close(app, opened, actor="test")
    closed = clock.now

    clock.now = closed + dt.timedelta(days=91)  # the others are erased; Erik's company is Sara's and Olle's too
    retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")
    assert _business(app, ids["erik"]).org_number == SOLE  # Erik answered: kept 24 months
    pair = _business(app, ids["sara"])
    assert (pair.org_number, pair.name) == (erased_org_number(pair.id), "")  # both its contacts went
    assert _business(app, ids["karl"]).org_number == COMPANY

    clock.now = retention.add_months(closed, 24) + dt.timedelta(minutes=1)
    done = retention.apply(app.engine, app.settings, now=clock.now, actor="scheduler")
    assert [(c.kind, c.count) for c in done] == [("deidentified", 1)]
    business = _business(app, ids["erik"])
    assert (business.org_number, business.name, business.area) == (erased_org_number(business.id), "", "Mörby")
    for needle in (SOLE, SOLE_NAME, OWNER):
        assert _everywhere(app, needle) == [], needle


def test_importing_the_sole_trader_again_creates_a_new_business_and_the_erased_one_stays_erased(app: App) -> None:
    _, _, ids = _town(app)
    _erase(app, ids["erik"])
    erased = _business(app, ids["erik"])

    scenario.import_businesses(app, CSV)
    scenario.import_businesses(app, CSV)  # idempotent, as any import

    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(businesses_table.c.id, businesses_table.c.org_number, businesses_table.c.name)
                            .order_by(businesses_table.c.id)).all()
        owners = conn.execute(sa.select(contacts_table.c.business_id, contacts_table.c.name)
                              .where(contacts_table.c.email == "erik@holm.example")).all()
    assert [(r.org_number, r.name) for r in rows] == [
        (erased_org_number(erased.id), ""), (PAIR, "Sara Linds Frisörsalong"), (COMPANY, "Mörby Bygg AB"),
        (SOLE, SOLE_NAME),
    ]
    assert [(o.business_id, o.name) for o in owners] == [(rows[-1].id, OWNER)]


def test_the_directory_shows_an_erased_business_without_number_and_its_id_finds_nothing(app: App) -> None:
    _, _, ids = _town(app)
    _erase(app, ids["erik"])
    business_id = _business(app, ids["erik"]).id
    with app.engine.connect() as conn:
        everyone = directory.search_businesses(conn, directory.BusinessFilter(), limit=10)
        by_id = directory.search_businesses(conn, directory.BusinessFilter(text=str(business_id)), limit=10)
        detail = directory.contact_detail(conn, ids["erik"])
    line = next(b for b in everyone if b.id == business_id)
    assert (line.org_number, line.name, line.erased) == ("", "", True)
    assert [b.erased for b in everyone].count(True) == 1
    assert business_id not in [b.id for b in by_id]
    assert detail is not None and (detail.org_number, detail.business_name, detail.business_erased) == ("", "", True)



def test_the_audit_log_keeps_a_saved_audiences_personal_numbers_only_as_business_ids(app: App) -> None:
    _, _, ids = _town(app)
    unknown = "970101-0002"  # a personal identity number of no business here
    with app.engine.connect() as conn:
        audited = audience_picker.audited(conn, {"org_numbers": [COMPANY, SOLE, unknown], "areas": ["Mörby"]})
    sole_id = _business(app, ids["erik"]).id
    assert audited == {"org_numbers": [COMPANY, f"business:{sole_id}", audience_picker.PERSONAL_NUMBER], "areas": ["Mörby"]}
