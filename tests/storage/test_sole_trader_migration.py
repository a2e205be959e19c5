"""Migration 0011: sole traders whose contacts were all erased before erasure took the business too lose
their name and number now, in every copy; a company, or a sole trader with a contact left, keeps them;
a saved audience in the audit log keeps a personal identity number only as a business id. On SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from alembic import command

from bot.bootstrap import App
from conversations.consultation_file import ConsultationFile
from conversations.org_numbers import erased_org_number, is_personal_identity_number
from storage.migrate import alembic_config, current_revision, head_revision, upgrade
from storage.tables import audit_log_table, businesses_table, consultations_table, contacts_table
from tests import scenario
from tests.bot.services.test_sole_trader_erasure import COMPANY, CSV, PAIR, SOLE, SOLE_NAME

BEFORE = "0010_anonymous_review"


def _migration() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "storage" / "migrations" / "versions" / "0011_erased_sole_traders.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("number", ["811218-9876", "811278-9873", "970101-0002", "851230-0008", "556036-0793",
                                    "202100-5489", "850030-0002", "851330-0007", "raderad-3"])
def test_the_migrations_rule_is_the_applications(number: str) -> None:
    migration = _migration()
    assert bool(migration._PERSONAL.match(number)) is is_personal_identity_number(number)
    assert f"{migration.ERASED_PREFIX}5" == erased_org_number(5)


def test_upgrading_erases_the_sole_traders_whose_contacts_were_all_erased_before(app: App) -> None:
    scenario.import_businesses(app, CSV)
    consultation_id = scenario.open_consultation(app, scenario.consultation_yaml(
        closes=app.clock() + dt.timedelta(days=14), areas=f"[Mörby], org_numbers: [{SOLE}, {PAIR}, {COMPANY}]"
    ))
    with app.engine.begin() as conn:
        ids = {email.split("@")[0]: (contact_id, business_id) for contact_id, email, business_id in conn.execute(
            sa.select(contacts_table.c.id, contacts_table.c.email, contacts_table.c.business_id))}
        # Erased as before this change: the contacts only (Sara's business still has Olle).
        conn.execute(contacts_table.update().where(contacts_table.c.id.in_(
            [ids["erik"][0], ids["sara"][0], ids["karl"][0]])).values(erased_at=app.clock()))
        # An audience saved as before: the numbers as chosen.
        conn.execute(audit_log_table.insert().values(
            at=app.clock(), actor="official", action="consultation.audience", target=f"consultation:{consultation_id}",
            detail={"audience": {"org_numbers": [SOLE, PAIR, COMPANY, "970101-0002"]}},
        ))
    config = alembic_config()
    with app.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE)

    upgrade(app.engine)

    assert current_revision(app.engine) == head_revision() == "0011_erased_sole_traders"
    sole_id, pair_id = ids["erik"][1], ids["sara"][1]
    placeholder = erased_org_number(sole_id)
    with app.engine.connect() as conn:
        rows = {r.id: (r.org_number, r.name, r.area) for r in conn.execute(sa.select(businesses_table))}
        audience, spec = conn.execute(sa.select(consultations_table.c.audience, consultations_table.c.spec)
                                      .where(consultations_table.c.id == consultation_id)).one()
        detail = conn.execute(sa.select(audit_log_table.c.detail)
                              .where(audit_log_table.c.action == "consultation.audience")).scalar_one()
        redacted = conn.execute(sa.select(audit_log_table.c.actor, audit_log_table.c.target, audit_log_table.c.detail)
                                .where(audit_log_table.c.action == "audit.redact")).one()
    assert rows[sole_id] == (placeholder, "", "Mörby")
    assert rows[pair_id][:2] == (PAIR, "Sara Linds Frisörsalong")  # Olle is still a contact
    assert rows[ids["karl"][1]][:2] == (COMPANY, "Mörby Bygg AB")  # a company is no one's personal data
    assert audience["org_numbers"] == [placeholder, PAIR, COMPANY]
    assert SOLE not in str(spec) and SOLE_NAME not in str(rows)
    assert placeholder in ConsultationFile.model_validate(spec).to_yaml()  # the file still loads
    assert detail == {"audience": {"org_numbers": [f"business:{sole_id}", f"business:{pair_id}", COMPANY,
                                                   "(personnummer)"]}}
    assert redacted == ("migration", "audit_log", {"entries": 1, "revision": "0011_erased_sole_traders",
                                                    "why": _migration().REDACTED_BECAUSE})
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), app.engine.begin() as conn:
        conn.execute(audit_log_table.update().values(actor="x"))  # the log is append-only again
