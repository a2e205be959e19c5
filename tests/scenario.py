"""Building blocks for tests that need a municipality: businesses, a case and an open consultation,
made through the same services an official uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot.bootstrap import App
from bot.services import business_file, businesses, consultations
from conversations.consultation_file import load_consultation_file
from storage.tables import invitations_table

DEMO_YAML = Path(__file__).resolve().parents[1] / "bot" / "cli" / "demo_data" / "consultation.yaml"

BUSINESSES_CSV = """\
org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url
556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel,Anna Ek,anna@bageri.example,08-123456,sv,,
556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel,Bo Ek,bo@bageri.example,,en,,
556703-7485,Café Torget,56100,Mörby,kafé,Cilla Ros,cilla@torget.example,,sv,,
559012-3450,Djursholms Blommor,47761,Djursholm,butik,Dan Ro,dan@blommor.example,,sv,,
"""


@dataclass(frozen=True)
class Municipality:
    consultation_id: int
    contact_ids: list[int]  # the invited contacts, in invitation order


def consultation_yaml(*, closes: dt.datetime, reference: str = "KS 2025/0042", areas: str = "[Mörby]") -> str:
    text = DEMO_YAML.read_text(encoding="utf-8").replace("{closes}", closes.isoformat())
    return text.replace('reference: "KS 2025/0042"', f'reference: "{reference}"').replace(
        "audience: {areas: [Mörby]}", f"audience: {{areas: {areas}}}"
    )


def import_businesses(app: App, csv_text: str = BUSINESSES_CSV) -> None:
    with app.session() as session:
        businesses.import_businesses(session, business_file.parse_businesses_csv(csv_text), now=app.clock())
        session.commit()


def open_consultation(app: App, yaml_text: str) -> int:
    file = load_consultation_file(yaml_text)
    with app.session() as session:
        consultation = consultations.create_consultation(session, file, now=app.clock(), actor="test")
        assert consultation.id is not None
        consultations.open_consultation(session, consultation.id, now=app.clock(), actor="test")
        session.commit()
        return consultation.id


def invited_contacts(app: App, consultation_id: int) -> list[int]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            sa.select(invitations_table.c.contact_id)
            .where(invitations_table.c.consultation_id == consultation_id)
            .order_by(invitations_table.c.id)
        )
        return [row.contact_id for row in rows]


def municipality(app: App, *, days_open: int = 14) -> Municipality:
    """Four businesses (three in Mörby, with three contacts there) and the demo consultation, open."""
    import_businesses(app)
    consultation_id = open_consultation(
        app, consultation_yaml(closes=app.clock() + dt.timedelta(days=days_open))
    )
    return Municipality(consultation_id, invited_contacts(app, consultation_id))
