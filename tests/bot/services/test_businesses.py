"""Importing the businesses CSV's rows: a re-import updates instead of duplicating."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.services.business_file import parse_businesses_csv
from bot.services.businesses import import_businesses
from storage.tables import Business, ChannelIdentity, Contact
from tests.bot.services.test_business_file import GOOD

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_import_creates_then_a_reimport_updates_instead_of_duplicating(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        first = import_businesses(session, parse_businesses_csv(GOOD), now=NOW)
        session.commit()
    assert (first.businesses_created, first.contacts_created) == (2, 3)

    renamed = GOOD.replace("Anna Ek,anna@", "Anna Eklund,anna@")
    with Session(db_engine) as session:
        again = import_businesses(session, parse_businesses_csv(renamed), now=NOW)
        session.commit()
        assert (again.businesses_created, again.contacts_created) == (0, 0)
        assert again.contacts_updated == 1
        assert len(session.exec(select(Business)).all()) == 2
        names = sorted(c.name for c in session.exec(select(Contact)))
        assert names == ["Anna Eklund", "Bo Ek", "Cilla Ros"]
        identities = {(i.channel, i.address) for i in session.exec(select(ChannelIdentity))}
        assert ("slack", "U012AB3CD") in identities
        assert any(channel == "teams" for channel, _ in identities)
