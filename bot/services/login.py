"""Signing in to the officials' pages, with throttling against password guessing.

Failed tries are counted per account and per client address over a window. Past the limit, tries are
refused until the oldest counted failure leaves the window, without checking the password, and the
refusal is the same whether the account exists or not: the page says only when to try again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from bot.services.users import verify_password_hash
from storage.tables import audit_log_table as audit_t
from storage.tables import login_failures_table as failures_t
from storage.tables import users_table as users_t


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so both cases take an argon2 hash's time."""
    return PasswordHasher().hash("not a password anyone has")


@dataclass(frozen=True)
class Throttle:
    per_account: int
    per_address: int
    window: dt.timedelta


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    email: str
    role: str


@dataclass(frozen=True)
class Refused:
    """Wrong e-mail or password (which of them is not told)."""


@dataclass(frozen=True)
class Throttled:
    retry_at: dt.datetime


LoginOutcome = SignedIn | Refused | Throttled


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def attempt_login(
    conn: Connection, email: str, password: str, *, address: str, now: dt.datetime, throttle: Throttle
) -> LoginOutcome:
    email = email.strip().lower()
    account_key, address_key = _key("account", email), _key("address", address)
    since = now - throttle.window
    conn.execute(failures_t.delete().where(failures_t.c.at <= since))
    for key, limit in ((account_key, throttle.per_account), (address_key, throttle.per_address)):
        failures = conn.execute(
            sa.select(failures_t.c.at).where(failures_t.c.key == key).order_by(failures_t.c.at.desc()).limit(limit)
        ).scalars().all()
        if len(failures) >= limit:
            # Allowed again when the oldest failure that keeps the count at the limit leaves the window.
            return Throttled(retry_at=failures[-1] + throttle.window)
    user = conn.execute(
        sa.select(users_t.c.id, users_t.c.email, users_t.c.role, users_t.c.password_hash).where(
            users_t.c.email == email
        )
    ).first()
    if user is not None and not _may_sign_in(conn, user.id):
        user = None  # a disabled account gets the same answer as an unknown one
    if user is None or not verify_password_hash(user.password_hash, password):
        if user is None:
            verify_password_hash(_dummy_hash(), password)
        conn.execute(failures_t.insert(), [{"key": account_key, "at": now}, {"key": address_key, "at": now}])
        return Refused()
    conn.execute(failures_t.delete().where(failures_t.c.key == account_key))
    conn.execute(users_t.update().where(users_t.c.id == user.id).values(last_login_at=now))
    conn.execute(
        audit_t.insert().values(
            at=now, actor=actor_name(user.email, address), action="user.login", target=f"user:{user.id}", detail={}
        )
    )
    return SignedIn(user.id, user.email, user.role)


def _may_sign_in(conn: Connection, user_id: int) -> bool:
    disabled = conn.execute(sa.select(users_t.c.disabled_at).where(users_t.c.id == user_id)).scalar()
    return disabled is None


def actor_name(email: str, address: str) -> str:
    """How the audit log names a person on the officials' pages: who, and from where."""
    return f"{email} [{address}]"
