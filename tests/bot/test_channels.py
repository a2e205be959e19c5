"""The channel registry's optional capabilities: which channels can find people by e-mail, and which
users column links an official to a channel — asked without naming a platform."""

from __future__ import annotations

from adapters.base import FoundPeople, PeopleFinder
from adapters.slack import SlackChannel
from bot.channels import people_finders, staff_link
from tests.fakes.channel import FakeChannel


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
