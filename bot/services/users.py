"""Officials' accounts: admin, official and representative (reads summaries, sees no personal data)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlmodel import Session, select

from bot.services.audit import record
from storage.tables import User

Role = Literal["admin", "official", "representative"]
ROLES: tuple[Role, ...] = ("admin", "official", "representative")
MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


class UserError(ValueError):
    pass


def add_user(session: Session, email: str, role: str, password: str, *, now: dt.datetime, actor: str) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserError(f"there is already an account for {email}")
    user = User(email=email, password_hash=_hasher.hash(password), role=role, created_at=now)
    session.add(user)
    session.flush()
    record(session, actor=actor, action="user.add", target=f"user:{user.id}", detail={"role": role}, now=now)
    return user


def looks_like_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip().lower()))


def verify_password(user: User, password: str) -> bool:
    return verify_password_hash(user.password_hash, password)


def verify_password_hash(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def change_password(
    session: Session, user_id: int, current: str, new: str, *, now: dt.datetime, actor: str
) -> None:
    """Replace the password after checking the current one. The caller ends the user's other sessions."""
    user = session.get(User, user_id)
    if user is None:
        raise UserError(f"there is no account {user_id}")
    if not verify_password(user, current):
        raise UserError("the current password is wrong")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(new)
    user.must_change_password = False
    record(session, actor=actor, action="user.password", target=f"user:{user_id}", detail={}, now=now)


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def account_for(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise UserError(f"there is no account for {email.strip().lower()!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)))


# --- an admin managing accounts --------------------------------------------------------------------
# The caller ends the account's sessions after `disable` and `reset_password` (staff_sessions), and
# every change is in the audit log. The pages never leave the municipality without an active admin.


class LastAdmin(UserError):
    """The change would leave no active admin, or would take an admin's own admin rights away."""


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserError(f"there is no account {user_id}")
    return user


def _active_admins(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.role == "admin", User.disabled_at == None)))  # noqa: E711


def _keep_an_admin(session: Session, user: User, *, by: int | None) -> None:
    """Refuse to take `user` out of the active admins when they are the last one, or the one acting."""
    if user.role != "admin" or user.disabled_at is not None:
        return
    if [admin.id for admin in _active_admins(session)] == [user.id]:
        raise LastAdmin(f"{user.email} is the last active admin")
    if user.id == by:
        raise LastAdmin("an admin cannot take away their own admin rights")


def set_role(session: Session, user_id: int, role: str, *, by: int | None, now: dt.datetime, actor: str) -> User:
    """Give the account `role`. `by` is the acting admin's own account (None from the command line)."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    user = _account(session, user_id)
    if role == user.role:
        return user
    if role != "admin":
        _keep_an_admin(session, user, by=by)
    record(
        session, actor=actor, action="user.role", target=f"user:{user_id}", detail={"from": user.role, "to": role},
        now=now,
    )
    user.role = role
    return user


def disable(session: Session, user_id: int, *, by: int | None, now: dt.datetime, actor: str) -> User:
    """Disable the account: it can no longer sign in. The caller ends its sessions."""
    user = _account(session, user_id)
    if user.disabled_at is not None:
        return user
    if user.id == by:
        raise LastAdmin("you cannot disable your own account")
    _keep_an_admin(session, user, by=by)
    user.disabled_at = now
    record(session, actor=actor, action="user.disable", target=f"user:{user_id}", detail={}, now=now)
    return user


def enable(session: Session, user_id: int, *, now: dt.datetime, actor: str) -> User:
    user = _account(session, user_id)
    if user.disabled_at is None:
        return user
    user.disabled_at = None
    record(session, actor=actor, action="user.enable", target=f"user:{user_id}", detail={}, now=now)
    return user


def reset_password(session: Session, user_id: int, *, now: dt.datetime, actor: str) -> str:
    """A new one-time password for the account, returned once and stored only as a hash; the user must
    choose their own at the next sign-in. The caller ends the account's sessions."""
    user = _account(session, user_id)
    one_time = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
    user.password_hash = _hasher.hash(one_time)
    user.must_change_password = True
    record(session, actor=actor, action="user.password_reset", target=f"user:{user_id}", detail={}, now=now)
    return one_time


def set_language(session: Session, user_id: int, language: str) -> None:
    """Remember the pages' language the user chose, for every device they sign in on."""
    if language not in ("sv", "en"):
        raise UserError(f"language must be sv or en, not {language!r}")
    _account(session, user_id).language = language


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def slack_holder(session: Session, slack_user_id: str) -> User | None:
    """The account linked to this Slack user id, if one is."""
    return session.exec(select(User).where(User.slack_user_id == slack_user_id)).first()


def link_slack(
    session: Session, email: str, slack_user_id: str | None, *, now: dt.datetime, actor: str
) -> User:
    """Link the account `email` to its owner's Slack user id (None: unlink), so `/samrad status` in Slack
    answers them. A Slack user id belongs to one account."""
    user = account_for(session, email)
    if slack_user_id is not None:
        slack_user_id = slack_user_id.strip()
        if not SLACK_USER_ID.match(slack_user_id):
            raise UserError(
                f"{slack_user_id[:40]!r} is not a Slack user id (like U012AB3CD: in Slack, the person's "
                "profile, ⋮, Copy member ID)"
            )
        holder = slack_holder(session, slack_user_id)
        if holder is not None and holder.id != user.id:
            raise UserError(f"Slack user {slack_user_id} is already linked to {holder.email}")
    user.slack_user_id = slack_user_id
    session.add(user)
    record(
        session, actor=actor, action="user.link_slack", target=f"user:{user.id}",
        detail={"linked": slack_user_id is not None}, now=now,
    )
    return user
