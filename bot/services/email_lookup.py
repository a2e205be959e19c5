"""Finding contacts by e-mail on the chat channels that can (adapters/base.py's PeopleFinder).

Before a broadcast, each contact in the consultation's audience who has an e-mail address and no
identity on such a channel is looked up there; a person found is remembered as the contact's identity
on that channel, so the invitation reaches them in the chat without a code (the outreach's channel
choice prefers a chat identity to e-mail). Each distinct address is asked once per run (two contacts
sharing one address are one question; the first contact gets the identity, as an address belongs to
one contact per channel). A miss is no error: the contact is asked again at the next broadcast. When a
channel cannot be asked (a missing permission, rate limited for too long) the broadcast goes on and the
report says why.

The channel's calls run on an event loop of their own, in a thread of their own, outside any
transaction: the callers (the command line, an officials' page, both synchronous) hold no lock while
the platform answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

from adapters.base import FoundPeople, PeopleFinder
from bot.channels import people_finders
from bot.services.consultations import audience_contact_ids
from bot.services.needs import HasChannels, HasClock, HasDatabase
from bot.services.outreach import load_reach
from storage.tables import audit_log_table as audit_t
from storage.tables import channel_identities_table as identities_t
from storage.tables import consultations_table as consultations_t


class LookupNeeds(HasDatabase, HasClock, HasChannels, Protocol):
    """What looking people up by e-mail reads of the application."""


log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class EmailLookup:
    """What one run found: contacts given an identity, by channel; addresses asked; why a channel stopped."""

    found: Counter[str] = field(default_factory=Counter)
    asked: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"  found by e-mail on {channel}: {self.found[channel]} of {asked} addresses asked"
            for channel, asked in sorted(self.asked.items())
        ]
        return lines + [f"  not looked up by e-mail: {problem}" for problem in self.problems]


def find_contacts_by_email(app: LookupNeeds, consultation_id: int, *, actor: str) -> EmailLookup:
    """Look up the audience's contacts without an identity on each channel that can find people by
    e-mail, and remember those found. Does nothing for a consultation that is not open or a draft."""
    lookup = EmailLookup()
    finders = people_finders(app.channels)
    if not finders:
        return lookup
    with app.engine.connect() as conn:
        row = conn.execute(
            sa.select(consultations_t.c.status, consultations_t.c.audience).where(consultations_t.c.id == consultation_id)
        ).first()
        if row is None or row.status not in ("draft", "open"):
            return lookup
        reach = load_reach(conn, audience_contact_ids(conn, row.audience))
    for name, finder in sorted(finders.items()):
        wanted: dict[str, int] = {}  # address (lower case) -> the first contact with it
        for contact in reach.values():
            if contact.erased or contact.opted_out or contact.unreachable or not contact.email:
                continue
            if any(identity.channel == name for identity in contact.identities):
                continue
            wanted.setdefault(contact.email.strip().lower(), contact.contact_id)
        if not wanted:
            continue
        result = _run_apart(_ask(finder, list(wanted)))
        lookup.asked[name] = len(result.found)
        if result.problem is not None:
            lookup.problems.append(f"{name}: {result.problem}")
            log.warning("%s: the search by e-mail stopped: %s", name, result.problem)
        found = {wanted[email]: address for email, address in result.found.items() if address is not None}
        lookup.found[name] = _remember(app, name, found, consultation_id=consultation_id, actor=actor)
    return lookup


async def _ask(finder: PeopleFinder, emails: list[str]) -> FoundPeople:
    return await finder.find_by_email(emails)


def _run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end on a new event loop in a new thread: safe from synchronous code,
    whether or not its own thread runs an event loop."""
    with ThreadPoolExecutor(1, thread_name_prefix="email-lookup") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _remember(app: LookupNeeds, channel: str, found: Mapping[int, str], *, consultation_id: int, actor: str) -> int:
    """Record the identities found (and, in the audit log, which contacts got one); an identity already
    held (by another contact, or added meanwhile) is kept."""
    if not found:
        return 0
    now = app.clock()
    with app.engine.begin() as conn:
        taken = set(
            conn.execute(
                sa.select(identities_t.c.address).where(
                    identities_t.c.channel == channel, identities_t.c.address.in_(list(found.values()))
                )
            ).scalars()
        )
        has_one = set(
            conn.execute(
                sa.select(identities_t.c.contact_id).where(
                    identities_t.c.channel == channel, identities_t.c.contact_id.in_(list(found))
                )
            ).scalars()
        )
        rows = []
        for contact_id, address in found.items():
            if address in taken or contact_id in has_one:
                continue
            taken.add(address)
            rows.append({"contact_id": contact_id, "channel": channel, "address": address, "created_at": now})
        if rows:
            conn.execute(identities_t.insert(), rows)
            conn.execute(audit_t.insert().values(
                at=now, actor=actor, action="contacts.found_by_email", target=f"consultation:{consultation_id}",
                detail={"channel": channel, "contacts": [row["contact_id"] for row in rows]},
            ))
    return len(rows)
