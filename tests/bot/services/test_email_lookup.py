"""Finding contacts by e-mail before a broadcast, through the real Slack adapter against the fake Slack
Web API: who is asked (once per address per run), who is found and then invited in Slack, and that a
miss, a rate limit or a refusal never stops the broadcast. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from adapters.slack import SlackChannel
from bot.bootstrap import App
from bot.services.broadcast import broadcast
from bot.services.email_lookup import find_contacts_by_email
from storage.tables import audit_log_table, channel_identities_table, contacts_table
from tests import scenario
from tests.bot.services.outreach_support import HEADER, Town, org_number, queued, town
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack_town(app: App, slack_api: FakeSlack) -> Iterator[Town]:
    """The town of the broadcast tests, with the real Slack channel on the fake Slack."""
    t = town(app)
    app.channels["slack"] = SlackChannel(slack_api.token, slack_api.signing_secret, api_url=slack_api.api_url)
    yield t


def asked(slack: FakeSlack) -> list[str]:
    return [str(call.params["email"]) for call in slack.calls_to("users.lookupByEmail")]


def identities(app: App, channel: str) -> dict[int, str]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            sa.select(channel_identities_table.c.contact_id, channel_identities_table.c.address).where(
                channel_identities_table.c.channel == channel
            )
        ).all()
    return {row.contact_id: row.address for row in rows}


def test_a_contact_found_by_e_mail_is_invited_in_slack_and_remembered(
    app: App, slack_api: FakeSlack, slack_town: Town
) -> None:
    bo = slack_api.person("Bo@Bageri.example")  # Slack keeps the case the person typed
    slack_api.person("eva@bok.example")  # Eva is in Slack but not in this consultation's audience

    report = broadcast(app, slack_town.consultation_id, actor="test")

    # Anna has a Slack id already; Cilla has no e-mail; Eva is outside the audience: only Bo and Dan asked.
    assert sorted(asked(slack_api)) == ["bo@bageri.example", "dan@blommor.example"]
    assert dict(report.queued) == {"slack": 2, "telegram": 1}
    rows = {row.contact_id: (row.channel, row.address) for row in queued(app, kind="invitation")}
    assert rows[slack_town.email] == ("slack", bo.id)
    assert identities(app, "slack") == {slack_town.slack: "U0ANNA1", slack_town.email: bo.id}
    assert "  found by e-mail on slack: 1 of 2 addresses asked" in report.lines()
    with app.engine.connect() as conn:
        audited = conn.execute(sa.select(audit_log_table.c.actor, audit_log_table.c.detail).where(
            audit_log_table.c.action == "contacts.found_by_email")).all()
    assert [(row.actor, row.detail) for row in audited] == [("test", {"channel": "slack", "contacts": [slack_town.email]})]


def test_each_address_is_asked_once_per_run_and_a_miss_again_at_the_next(
    app: App, slack_api: FakeSlack, slack_town: Town
) -> None:
    # A second contact with Bo's address, in another business in the audience.
    scenario.import_businesses(app, HEADER + f"{org_number(7)},Mörby Kiosk,47111,Mörby,,Bosse Ek,BO@bageri.example,,sv,,\n")
    with app.engine.connect() as conn:
        bosse = conn.execute(sa.select(contacts_table.c.id).where(contacts_table.c.name == "Bosse Ek")).scalar_one()
    bo = slack_api.person("bo@bageri.example")

    first = find_contacts_by_email(app, slack_town.consultation_id, actor="test")
    assert sorted(asked(slack_api)) == ["bo@bageri.example", "dan@blommor.example"]
    assert first.found["slack"] == 1 and first.asked["slack"] == 2
    # One Slack user is one contact's identity: the first contact with the address gets it.
    assert identities(app, "slack")[slack_town.email] == bo.id and bosse not in identities(app, "slack")

    slack_api.calls.clear()
    find_contacts_by_email(app, slack_town.consultation_id, actor="test")
    # Bo is known now; Dan (a miss) and Bosse (whose address is taken) are asked again next time.
    assert sorted(asked(slack_api)) == ["bo@bageri.example", "dan@blommor.example"]


def test_a_rate_limit_is_waited_out_and_a_refusal_leaves_the_broadcast_on_e_mail(
    app: App, slack_api: FakeSlack, slack_town: Town
) -> None:
    bo = slack_api.person("bo@bageri.example")
    slack_api.fail_next("users.lookupByEmail", "ratelimited", status=429, retry_after=1)
    limited = find_contacts_by_email(app, slack_town.consultation_id, actor="test")
    assert limited.found["slack"] == 1 and limited.problems == []
    assert identities(app, "slack")[slack_town.email] == bo.id

    with app.engine.begin() as conn:
        conn.execute(channel_identities_table.delete().where(channel_identities_table.c.address == bo.id))
    slack_api.fail_next("users.lookupByEmail", "missing_scope", times=5)
    report = broadcast(app, slack_town.consultation_id, actor="test")
    assert dict(report.queued) == {"slack": 1, "email": 1, "telegram": 1}  # Bo by e-mail, as before
    assert "  not looked up by e-mail: slack: users.lookupByEmail: missing_scope" in report.lines()


def test_no_channel_that_finds_people_means_no_lookup(app: App, slack_api: FakeSlack) -> None:
    t = town(app)  # every channel a fake that cannot find people
    report = broadcast(app, t.consultation_id, actor="test")
    assert slack_api.calls == [] and report.by_email.lines() == []


def test_a_closed_consultation_is_not_looked_up(app: App, slack_api: FakeSlack, slack_town: Town) -> None:
    from bot.services import lifecycle

    lifecycle.close(app, slack_town.consultation_id, actor="test")
    slack_api.person("bo@bageri.example")
    assert find_contacts_by_email(app, slack_town.consultation_id, actor="test").asked == {}
    assert asked(slack_api) == []
