"""Officials' accounts: admin, official and representative (reads summaries, sees no personal data)."""

from __future__ import annotations

import datetime as dt
import re
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
    record(session, actor=actor, action="user.password", target=f"user:{user_id}", detail={}, now=now)


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.email)))


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def link_slack(
    session: Session, email: str, slack_user_id: str | None, *, now: dt.datetime, actor: str
) -> User:
    """Link the account `email` to its owner's Slack user id (None: unlink), so `/samrad status` in Slack
    answers them. A Slack user id belongs to one account."""
    user = find_user(session, email)
    if user is None:
        raise UserError(f"there is no account for {email.strip().lower()!r}")
    if slack_user_id is not None:
        slack_user_id = slack_user_id.strip()
        if not SLACK_USER_ID.match(slack_user_id):
            raise UserError(
                f"{slack_user_id[:40]!r} is not a Slack user id (like U012AB3CD: in Slack, the person's "
                "profile, ⋮, Copy member ID)"
            )
        holder = session.exec(select(User).where(User.slack_user_id == slack_user_id)).first()
        if holder is not None and holder.id != user.id:
            raise UserError(f"Slack user {slack_user_id} is already linked to {holder.email}")
    user.slack_user_id = slack_user_id
    session.add(user)
    record(
        session, actor=actor, action="user.link_slack", target=f"user:{user.id}",
        detail={"linked": slack_user_id is not None}, now=now,
    )
    return user
