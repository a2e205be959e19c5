"""The channel registry's entry for Teams mentions: what `samrad doctor` says of it."""

from __future__ import annotations

import asyncio
import base64

from bot.channels import Probed, entry
from bot.settings import Settings

ONE = base64.b64encode(b"first team's token").decode("ascii")
TWO = base64.b64encode(b"second team's token").decode("ascii")


def probe(**values: str) -> Probed:
    teams_mention = entry("teams_mention")
    assert teams_mention is not None and teams_mention.replies_only and teams_mention.chat
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
    return asyncio.run(teams_mention.probe(settings))


def test_doctor_names_the_callback_url_and_how_many_teams() -> None:
    found = probe(teams_outgoing_secret=f"{ONE},{TWO}", public_url="https://samrad.danderyd.se/")
    assert found == Probed(found="2 teams' webhooks, callback URL https://samrad.danderyd.se/webhooks/teams")
    assert probe(teams_outgoing_secret=ONE, public_url="https://s.example").found.startswith("1 team's webhook,")


def test_doctor_says_teams_needs_an_https_callback() -> None:
    refused = probe(teams_outgoing_secret=ONE, public_url="http://127.0.0.1:8000")
    assert refused.problems == (
        "Teams calls only https callback URLs, and http://127.0.0.1:8000/webhooks/teams is not; set SAMRAD_PUBLIC_URL",
    )
    assert ONE not in str(refused)
