"""A consultation with answers chosen so that each figure of the results tells a right count from a
wrong one: eight invited contacts in two areas and five industries, on three channels and none, with
every response status, answers that make uneven shares, and times on both sides of midnight in
Stockholm. The expected figures are worked out by hand in the tests that use it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import answers_table, contacts_table, dialogues_table, invitations_table
from tests import scenario

BUSINESSES_CSV = """\
org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url
556016-0680,Mörby Bageri AB,10.711,Mörby,,Anna Ek,anna@bageri.example,,sv,,
556703-7485,Café Torget,56.100,Mörby,,Cilla Ros,cilla@torget.example,,sv,,
556111-1112,Pizzeria Roma,56.101,Djursholm,,Eva Lund,eva@roma.example,,sv,,
559012-3450,Djursholms Blommor,47.761,Djursholm,,Dan Ro,dan@blommor.example,,sv,,
556222-2223,Krogen Åkersberga,56.210,Mörby,,Filip Berg,filip@krogen.example,,sv,,
556333-3334,Frisör Ek,96.021,Mörby,,Gun Ek,gun@frisor.example,,sv,,
556444-4445,Hotell Nord,55.101,Djursholm,,Hans Nord,hans@hotell.example,,sv,,
556555-5553,Kiosken,47.260,Mörby,,Ivan Kiosk,,,sv,,
"""

SENT = dt.datetime(2025, 2, 20, 9, 13, tzinfo=dt.UTC)


def _at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2025, 2, day, hour, minute, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Response:
    channel: str
    status: str  # the dialogue's status
    started: dt.datetime
    ended: dt.datetime | None
    answers: dict[str, Any]


# By contact name. Cilla submits at 23:30 UTC on the 20th: 00:30 on the 21st in Stockholm.
RESPONSES: dict[str, Response] = {
    "Anna Ek": Response("email", "complete", _at(20, 10, 41), _at(21, 7, 5), {
        "affected": True, "impact": 4, "concerns": ["deliveries", "noise"], "best_time": "evening",
        "staff": 12, "start": "2025-03-15", "comments": "Leveranser före 7 är viktiga, säger Anna Ek.",
    }),
    "Cilla Ros": Response("telegram", "complete", _at(20, 22, 47), _at(20, 23, 30), {
        "affected": True, "impact": 5, "concerns": ["parking"], "best_time": "morning", "staff": 3,
        "start": "2025-03-17", "comments": "",
    }),
    "Eva Lund": Response("telegram", "complete", _at(22, 12, 0), _at(22, 12, 20), {
        "affected": True, "impact": 2, "concerns": ["deliveries", "parking", "access"], "best_time": "evening",
        "staff": 40, "comments": "=HYPERLINK(\"http://x.example\")",
    }),
    "Dan Ro": Response("email", "declined", _at(21, 9, 0), _at(21, 9, 1), {}),
    "Filip Berg": Response("web", "complete", _at(24, 13, 37), _at(24, 13, 37), {
        "affected": False, "best_time": "night", "staff": 7,
    }),
    "Gun Ek": Response("email", "partial", _at(23, 8, 0), None, {"affected": True}),
}
EMAIL_ONLY = ("Hans Nord",)  # sent by e-mail, then opted out by the e-mail's link (no dialogue)
NEVER_SENT = ("Ivan Kiosk",)  # no address: unreachable


@dataclass(frozen=True)
class Town:
    consultation_id: int
    contact_ids: dict[str, int]  # by name


def answered_town(app: App) -> Town:
    scenario.import_businesses(app, BUSINESSES_CSV)
    closes = app.clock() + dt.timedelta(days=14)
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=closes, areas="[Mörby, Djursholm]")
    )
    with app.engine.begin() as conn:
        ids = {
            row.name: row.id
            for row in conn.execute(sa.select(contacts_table.c.id, contacts_table.c.name))
        }
        for name, contact_id in ids.items():
            response = RESPONSES.get(name)
            if name in NEVER_SENT:
                conn.execute(contacts_table.update().where(contacts_table.c.id == contact_id).values(
                    unreachable_at=SENT, unreachable_reason="no address"))
                continue
            conn.execute(
                invitations_table.update()
                .where(invitations_table.c.contact_id == contact_id, invitations_table.c.consultation_id == consultation_id)
                .values(channel=response.channel if response else "email", invited_at=SENT)
            )
            if name in EMAIL_ONLY:
                conn.execute(contacts_table.update().where(contacts_table.c.id == contact_id).values(
                    opted_out_at=_at(21, 18, 0)))
            if response is None:
                continue
            conn.execute(dialogues_table.insert().values(
                contact_id=contact_id, consultation_id=consultation_id, state={}, status=response.status,
                channel=response.channel, started_at=response.started, updated_at=response.ended or response.started,
                completed_at=response.ended,
            ))
            for question_id, value in response.answers.items():
                conn.execute(answers_table.insert().values(
                    consultation_id=consultation_id, contact_id=contact_id, question_id=question_id, value=value,
                    channel=response.channel, answered_at=response.started,
                ))
    return Town(consultation_id, ids)
