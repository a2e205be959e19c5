"""The businesses' search on both databases: read a page at a time in a stable order, counted with the
same filter, and with no cap on how far the pages reach."""

from __future__ import annotations

import random

from sqlmodel import Session

from bot.services import directory
from bot.services.directory import BusinessFilter
from storage.tables import Business, Contact
from tests.bench_support import org_number

MANY = 230  # more than the 200 the list once stopped at


def _directory(session: Session) -> list[tuple[str, int]]:
    """MANY businesses added in a shuffled order, two of each name ("Bageri 000" twice, "Firma 001"
    twice, …; a bakery every fifth pair), so that only the id tells a pair apart; every third in Djursholm with the tag "kafe" and SNI 56100, the rest in
    Morby with 47110. Each has one contact. Returns (name, id) in the order the list shows them."""
    indexes = list(range(MANY))
    random.Random(7).shuffle(indexes)
    added = []
    for i in indexes:
        third = i % 3 == 0
        business = Business(
            org_number=org_number(i), name=f"{'Bageri' if i // 2 % 5 == 0 else 'Firma'} {i // 2:03d}", industry="56100" if third else "47110",
            area="Djursholm" if third else "Morby", tags="kafe;uteservering" if third else "butik",
        )
        session.add(business)
        session.flush()
        assert business.id is not None
        session.add(Contact(business_id=business.id, name=f"Person {i:03d}"))
        added.append((business.name, business.id))
    session.commit()
    return sorted(added)


def _all_pages(session: Session, wanted: BusinessFilter, size: int) -> list[list[directory.BusinessLine]]:
    conn = session.connection()
    total = directory.count_businesses(conn, wanted)
    return [directory.search_businesses(conn, wanted, limit=size, offset=start) for start in range(0, total, size)]


def test_the_pages_follow_name_then_id_and_together_hold_every_business_once(db_session: Session) -> None:
    expected = _directory(db_session)
    pages = _all_pages(db_session, BusinessFilter(), 50)
    assert [len(page) for page in pages] == [50, 50, 50, 50, 30]
    shown = [(line.name, line.id) for page in pages for line in page]
    assert shown == expected  # so none twice, none missing, and the 230th after the first 200
    assert all(len(line.contacts) == 1 for page in pages for line in page)
    assert directory.search_businesses(db_session.connection(), BusinessFilter(), limit=50, offset=MANY) == []


def test_the_count_takes_the_same_businesses_as_the_search(db_session: Session) -> None:
    _directory(db_session)
    conn = db_session.connection()
    djursholm = -(-MANY // 3)  # 0, 3, …, 228
    for wanted, count in [
        (BusinessFilter(area="Djursholm"), djursholm),
        (BusinessFilter(tag="KAFE"), djursholm),
        (BusinessFilter(industry="47.1"), MANY - djursholm),
        (BusinessFilter(text=" bAGERI "), 46),  # Bageri 000, 005, …, 110, two of each
        (BusinessFilter(text=org_number(5)), 1),
        (BusinessFilter(text="bageri", area="Djursholm"), 15),
    ]:
        found = [line for page in _all_pages(db_session, wanted, 7) for line in page]
        assert directory.count_businesses(conn, wanted) == len(found) == count, wanted
        assert len({line.id for line in found}) == count
