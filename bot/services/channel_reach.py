"""Which channels reach an audience, and which channels its contacts have but that are switched off.

An official who sees "not reachable by any channel: 17" needs to know why: usually a channel their
contacts have (an e-mail address, a chat) is switched off on this server, and one setting fixes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from bot import channels as channel_registry
from bot.services.outreach import EMAIL, Reach, choose_channel, load_reach

NO_CHANNEL = "web link only"


def channels_of(reach: Reach) -> set[str]:
    """The channels this contact has an address on, switched on or not."""
    had = {identity.channel for identity in reach.identities}
    if reach.email:
        had.add(EMAIL)
    return had


def switched_off(reach: Reach, enabled: Iterable[str]) -> list[str]:
    """The channels this contact has but that are off here, in a stable order. A channel that can only
    answer (a Teams mention) is never the way to reach anyone, on or off, so it is not named."""
    return sorted(c for c in channels_of(reach) - set(enabled) if not channel_registry.replies_only(c))


@dataclass
class AudienceReach:
    """Per channel, how many contacts it would reach; and per switched-off channel, how many contacts
    no channel reaches who have an address on it."""

    by_channel: Counter[str] = field(default_factory=Counter)
    off: Counter[str] = field(default_factory=Counter)


def audience_reach(conn: Connection, contact_ids: Sequence[int], enabled: Iterable[str]) -> AudienceReach:
    """How the channels switched on here would reach these contacts now (opted-out and unreachable
    contacts are left out: nothing is sent to them)."""
    on = set(enabled)
    result = AudienceReach()
    for reach in load_reach(conn, contact_ids).values():
        if reach.erased or reach.opted_out or reach.unreachable:
            continue
        chosen = choose_channel(reach, on)
        if chosen is not None:
            result.by_channel[chosen[0]] += 1
            continue
        result.by_channel[NO_CHANNEL] += 1
        result.off.update(switched_off(reach, on))
    return result


def off_lines(off: Counter[str], *, indent: str = "  ") -> list[str]:
    """One line per switched-off channel that would reach someone, with the settings that switch it on."""
    lines = []
    for channel, count in sorted(off.items()):
        declared = channel_registry.entry(channel)
        title = declared.title if declared is not None else channel
        settings = declared.switched_on_by if declared is not None else "its settings"
        lines.append(f"{indent}{count} of them have {title}, which is switched off here; set {settings} to switch it on")
    return lines
