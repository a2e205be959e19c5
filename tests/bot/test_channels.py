"""The channel registry: what `samrad doctor` says of Teams mentions, and the optional capabilities
(which channels can find people by e-mail, which users column links an official to a channel) —
asked without naming a platform."""

from __future__ import annotations

import asyncio
import base64

from adapters.base import FoundPeople, PeopleFinder
from adapters.slack import SlackChannel
from bot.channels import Probed, entry, people_finders, staff_link
from bot.settings import Settings
from tests.fakes.channel import FakeChannel

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



class Finder(FakeChannel):
    """A channel the registry does not know that can find people (as a test would plug in)."""

    async def find_by_email(self, emails: list[str]) -> FoundPeople:
        return FoundPeople({email: None for email in emails})


def test_only_channels_that_can_find_people_are_asked() -> None:
    slack = SlackChannel("xoxb-unused", "secret")
    finder = Finder(name="directory")
    channels = {"slack": slack, "telegram": FakeChannel(name="telegram"), "directory": finder,
                "email": FakeChannel(name="email")}
    assert isinstance(slack, PeopleFinder) and not isinstance(channels["telegram"], PeopleFinder)
    assert people_finders(channels) == {"slack": slack, "directory": finder}


def test_a_registered_channel_that_does_not_declare_the_capability_is_not_asked() -> None:
    # Telegram's entry does not declare finding people: a finder built under its name is not used.
    assert people_finders({"telegram": Finder(name="telegram")}) == {}


def test_only_slack_links_officials() -> None:
    assert staff_link("slack") == "slack_user_id"
    assert staff_link("telegram") is None and staff_link("no-such-channel") is None
