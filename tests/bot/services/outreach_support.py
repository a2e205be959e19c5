"""A municipality whose contacts are reached in different ways, for the broadcast, reminder and
lifecycle tests. Channels are fakes (tests/fakes/channel.py) registered under the names the services
choose between."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from bot.bootstrap import App
from conversations.org_numbers import luhn_check_digit
from storage.tables import (
    channel_identities_table,
    contacts_table,
    due_reminders_table,
    invitations_table,
    outbox_table,
)
from tests import scenario
from tests.fakes.channel import FakeChannel


def org_number(serial: int) -> str:
    digits = f"55{serial:07d}"
    return f"{digits[:6]}-{digits[6:]}{luhn_check_digit(digits)}"


HEADER = (
    "org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,"
    "slack_user_id,teams_webhook_url\n"
)


@dataclass(frozen=True)
class Town:
    consultation_id: int
    slack: int  # Anna: Slack and e-mail -> Slack
    email: int  # Bo: only e-mail, English -> e-mail
    nothing: int  # Cilla: no address at all -> web link only
    telegram: int  # Dan: a bound Telegram chat and e-mail -> Telegram
    outside: int  # Eva: not in the audience (another area)


def town(app: App, *, reminders: str = "[P3D, P6D]", days_open: int = 14, before_close: str | None = None) -> Town:
    """Five contacts in four businesses; the demo consultation for Mörby, open."""
    app.channels.update(
        telegram=FakeChannel(name="telegram"), slack=FakeChannel(name="slack"), email=FakeChannel(name="email")
    )
    csv_text = HEADER + "".join(
        [
            f"{org_number(1)},Mörby Bageri AB,10711,Mörby,livsmedel,Anna Ek,anna@bageri.example,,sv,U0ANNA1,\n",
            f"{org_number(1)},Mörby Bageri AB,10711,Mörby,livsmedel,Bo Ek,bo@bageri.example,,en,,\n",
            f"{org_number(2)},Café Torget,56100,Mörby,kafé,Cilla Ros,,08-111111,sv,,\n",
            f"{org_number(3)},Mörby Blommor,47761,Mörby,butik,Dan Ro,dan@blommor.example,,sv,,\n",
            f"{org_number(4)},Djursholms Bok,47610,Djursholm,butik,Eva Ny,eva@bok.example,,sv,,\n",
        ]
    )
    scenario.import_businesses(app, csv_text)
    with app.engine.connect() as conn:
        ids = dict(conn.execute(sa.select(contacts_table.c.name, contacts_table.c.id)).all())  # type: ignore[arg-type]
    bind(app, ids["Dan Ro"], "telegram", "4242")
    yaml_text = scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=days_open)).replace(
        "reminders: [P3D, P6D]", f"reminders: {reminders}"
        + (f"\n  remind_before_close: {before_close}" if before_close else "")
    )
    consultation_id = scenario.open_consultation(app, yaml_text)
    return Town(consultation_id, ids["Anna Ek"], ids["Bo Ek"], ids["Cilla Ros"], ids["Dan Ro"], ids["Eva Ny"])


def bind(app: App, contact_id: int, channel: str, address: str, *, seen: dt.datetime | None = None) -> None:
    with app.engine.begin() as conn:
        conn.execute(
            channel_identities_table.insert().values(
                contact_id=contact_id, channel=channel, address=address, created_at=app.clock(), last_seen_at=seen
            )
        )


def queued(app: App, *, kind: str | None = None) -> list[sa.Row]:  # type: ignore[type-arg]
    query = sa.select(outbox_table).order_by(outbox_table.c.id)
    if kind is not None:
        query = query.where(outbox_table.c.kind == kind)
    with app.engine.connect() as conn:
        return list(conn.execute(query).all())


def reminders_of(app: App, contact_id: int) -> list[sa.Row]:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(due_reminders_table)
                .where(due_reminders_table.c.contact_id == contact_id)
                .order_by(due_reminders_table.c.number)
            ).all()
        )


def invitation(app: App, consultation_id: int, contact_id: int) -> sa.Row:  # type: ignore[type-arg]
    with app.engine.connect() as conn:
        return conn.execute(
            sa.select(invitations_table).where(
                invitations_table.c.consultation_id == consultation_id, invitations_table.c.contact_id == contact_id
            )
        ).one()
