"""`samrad consultation themes`: the themes with their counts, and the suggestions a script can read."""

from __future__ import annotations

from bot.bootstrap import build
from bot.services import themes
from bot.settings import get_settings
from tests.bot.cli.test_cli import Run
from tests.bot.services.free_text_support import EVENING, PARKING, ROADWORKS, with_free_text


def test_themes_are_listed_with_their_counts_and_suggestions_printed_without_storing_them(samrad: Run) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    app = build(get_settings())
    town = with_free_text(app)
    cid = town.consultation_id
    assert samrad("consultation", "themes", str(cid)).stdout == f"consultation {cid} has no themes yet\n"

    suggested = samrad("consultation", "themes", str(cid), "--suggest")
    assert suggested.exit_code == 0
    lines = [line.split("\t") for line in suggested.stdout.splitlines()]
    groups = {frozenset(line[2].split()) for line in lines}
    assert groups == {
        frozenset(f"{town.contact_ids[i]}:comments" for i in positions) for positions in (PARKING, EVENING, ROADWORKS)
    }
    assert [line[0] for line in lines] == ["4", "4", "4"] and lines[0][1].startswith("Parkering")
    with app.session() as session:
        assert themes.list_themes(session, cid) == []  # printed, not stored
        parking = themes.create_theme(session, cid, "Parkering", actor="test", now=app.clock())
        assert parking.id is not None
        themes.create_theme(session, cid, "Övrigt", actor="test", now=app.clock())
        for i in PARKING[:3]:
            themes.tag(session, cid, (town.contact_ids[i], "comments"), parking.id, actor="test", now=app.clock())
        session.commit()
    assert samrad("consultation", "themes", str(cid)).stdout == "3\taccepted\tParkering\n0\taccepted\tÖvrigt\n"


def test_an_unknown_consultation_is_one_line_on_stderr(samrad: Run) -> None:
    assert samrad("db", "upgrade").exit_code == 0
    for args in (("999",), ("999", "--suggest")):
        result = samrad("consultation", "themes", *args)
        assert (result.exit_code, result.stderr) == (1, "samrad: there is no consultation 999\n")
