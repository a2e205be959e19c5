"""Officials' accounts: `samrad user add`, `list`, `role`, `disable`, `enable`, `reset-password` and
`link-slack`. The operator's way in when the officials' pages cannot be used (the only admin is locked
out) or cannot wait (an account must stop working now)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.cli.context import open_app, reading, service_errors
from bot.cli.errors import UserFacingError
from bot.services import staff_sessions, users
from storage.tables import User

T = TypeVar("T")


def user_add(email: str, role: str, password: str) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        user = users.add_user(session, email, role, password, now=app.clock(), actor="cli")
        session.commit()
    return f"created {user.role} account {user.email}"


def user_list() -> str:
    app = open_app()
    with reading(app) as session:
        accounts = users.list_users(session)
    if not accounts:
        return "no accounts yet: samrad user add EMAIL --role admin"
    zone = ZoneInfo(app.settings.timezone)
    width = max(len("e-mail"), *(len(user.email) for user in accounts))

    def row(email: str, role: str, status: str, password: str, last: str, slack: str) -> str:
        return f"{email:<{width}}  {role:<14}  {status:<8}  {password:<11}  {last:<22}  {slack}".rstrip()

    lines = [row("e-mail", "role", "status", "password", "last sign-in", "slack")]
    for user in accounts:
        seen = user.last_login_at
        last = seen.astimezone(zone).isoformat(sep=" ", timespec="minutes") if seen else "never"
        status = "disabled" if user.disabled_at else "active"
        password = "must change" if user.must_change_password else "set"
        lines.append(row(user.email, user.role, status, password, last, user.slack_user_id or "—"))
    return "\n".join(lines)


def _id(user: User) -> int:
    assert user.id is not None  # read from the database
    return user.id


def _change(
    email: str, change: Callable[[Session, User, dt.datetime], T], *, sign_out: bool = False
) -> tuple[T, int]:
    """Make `change` to the account `email` names (the service audit-logs it). `sign_out` ends every
    session of the account in the same transaction: it is signed out the moment the change is made.
    Returns what `change` returned and how many sessions ended."""
    app = open_app()
    with service_errors(), app.session() as session:
        user = users.account_for(session, email)
        try:
            made = change(session, user, app.clock())
        except users.LastAdmin as error:
            raise UserFacingError(
                f"refused: {error}, and without one nobody can manage the accounts; first make another "
                "account admin (samrad user role EMAIL admin)"
            ) from None
        session.flush()
        ended = staff_sessions.end_all_sessions(session.connection(), _id(user)) if sign_out else 0
        session.commit()
    return made, ended


def _sessions(ended: int) -> str:
    return f"ended {ended} sign-in session{'' if ended == 1 else 's'}"


def user_role(email: str, role: str) -> str:
    def give(session: Session, user: User, now: dt.datetime) -> tuple[User, str]:
        before = user.role
        return users.set_role(session, _id(user), role, by=None, now=now, actor="cli"), before

    (user, before), _ = _change(email, give)
    if before == user.role:
        return f"{user.email} is already {user.role}"
    return f"{user.email} is now {user.role} (was {before})"


def user_disable(email: str) -> str:
    def switch_off(session: Session, user: User, now: dt.datetime) -> tuple[User, bool]:
        was_active = user.disabled_at is None
        return users.disable(session, _id(user), by=None, now=now, actor="cli"), was_active

    (user, was_active), ended = _change(email, switch_off, sign_out=True)
    done = "disabled" if was_active else "was already disabled"
    return f"{user.email} {done}: it cannot sign in; {_sessions(ended)}"


def user_enable(email: str) -> str:
    def switch_on(session: Session, user: User, now: dt.datetime) -> tuple[User, bool]:
        was_disabled = user.disabled_at is not None
        return users.enable(session, _id(user), now=now, actor="cli"), was_disabled

    (user, was_disabled), _ = _change(email, switch_on)
    return f"{user.email} {'enabled' if was_disabled else 'was not disabled'}: it can sign in"


def user_reset_password(email: str) -> tuple[str, str]:
    """The one-time password and, apart from it (a script captures the password alone), what was done."""

    def new_password(session: Session, user: User, now: dt.datetime) -> tuple[str, User]:
        return users.reset_password(session, _id(user), now=now, actor="cli"), user

    (password, user), ended = _change(email, new_password, sign_out=True)
    note = (
        f"a one-time password for {user.email}, shown only now: they choose their own at the next sign-in; "
        f"{_sessions(ended)}"
    )
    if user.disabled_at is not None:
        note += f"\nthe account is disabled: samrad user enable {user.email} lets it sign in"
    return password, note


def user_link_slack(email: str, slack_user_id: str | None) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        user = users.link_slack(session, email, slack_user_id, now=app.clock(), actor="cli")
        session.commit()
    if slack_user_id is None:
        return f"{user.email} is no longer linked to a Slack user"
    return f"{user.email} is linked to Slack user {user.slack_user_id}: /samrad status answers them in Slack"
