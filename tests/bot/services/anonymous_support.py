"""An anonymous consultation three people have answered in a chat, from businesses in two areas and three
industries (tests/bot/services/results_support.py's businesses): their answers are only in
`anonymous_responses`, as after any sent anonymous response. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import contacts_table
from tests import scenario
from tests.bot.services.results_support import BUSINESSES_CSV
from tests.bot.services.test_anonymous import chat

# By contact name: the answers typed, in the questionnaire's order, then "ja" sends them.
# Mörby Bageri (Mörby, 10.711), Café Torget (Mörby, 56.100), Pizzeria Roma (Djursholm, 56.101).
TYPED: dict[str, tuple[str, ...]] = {
    "Anna Ek": ("ja", "4", "1, 4", "kväll", "12", "15/3", "Parkeringen vid torget räcker inte, säger Anna Ek"),
    "Cilla Ros": ("ja", "5", "2", "kväll", "3", "17/3", "Parkeringen är full varje morgon"),
    "Eva Lund": ("ja", "2", "1, 2, 3", "kväll", "40", "17/3", "Ring mig på 070-123 45 67 om leveranserna"),
}


@dataclass(frozen=True)
class AnsweredTown:
    consultation_id: int
    contact_ids: dict[str, int]  # by name


def anonymous_answered_town(app: App) -> AnsweredTown:
    scenario.import_businesses(app, BUSINESSES_CSV)
    text = scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14), areas="[Mörby, Djursholm]")
    consultation_id = scenario.open_consultation(
        app, text.replace("  reminders: [P3D, P6D]", "  reminders: [P3D, P6D]\n  anonymous: true"))
    with app.engine.connect() as conn:
        ids = {row.name: row.id for row in conn.execute(sa.select(contacts_table.c.id, contacts_table.c.name))}
    for name, typed in TYPED.items():
        chat(app, ids[name], consultation_id, *typed, "ja")
    return AnsweredTown(consultation_id, ids)
