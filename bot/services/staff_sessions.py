"""Sign-in sessions of the officials' pages: started at sign-in, ended at sign-out, expired when idle or
old. The browser holds a random token; the table holds only its SHA-256, so reading the database (or a
backup) signs nobody in."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.tables import staff_sessions_table as sessions_t
from storage.tables import users_table as users_t

# A session's last_seen_at is written at most this often: every page view need not be a write.
_TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Lifetimes:
    idle: dt.timedelta
    absolute: dt.timedelta


@dataclass(frozen=True)
class SignedInSession:
    """Who is signed in, read once per request."""

    id: str
    user_id: int
    email: str
    role: str
    csrf_token: str
    must_change_password: bool = False
    language: str | None = None


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, user_id: int, *, now: dt.datetime) -> str:
    """A new session for the user; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sessions_t.insert().values(
            id=_key(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now
        )
    )
    return token


def load_session(conn: Connection, token: str, *, now: dt.datetime, lifetimes: Lifetimes) -> SignedInSession | None:
    """The live session this token names, its idle clock restarted; None when unknown or expired (an
    expired one is deleted)."""
    key = _key(token)
    row = conn.execute(
        sa.select(
            sessions_t.c.user_id,
            sessions_t.c.csrf_token,
            sessions_t.c.created_at,
            sessions_t.c.last_seen_at,
            users_t.c.email,
            users_t.c.role,
            users_t.c.must_change_password,
            users_t.c.language,
        )
        .join(users_t, users_t.c.id == sessions_t.c.user_id)
        # A disabled account's sessions are deleted when it is disabled; this refuses any left over.
        .where(sessions_t.c.id == key, users_t.c.disabled_at.is_(None))
    ).first()
    if row is None:
        return None
    if now - row.last_seen_at >= lifetimes.idle or now - row.created_at >= lifetimes.absolute:
        conn.execute(sessions_t.delete().where(sessions_t.c.id == key))
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        conn.execute(sessions_t.update().where(sessions_t.c.id == key).values(last_seen_at=now))
    return SignedInSession(
        key, row.user_id, row.email, row.role, row.csrf_token, bool(row.must_change_password), row.language
    )


def end_session(conn: Connection, session_id: str) -> None:
    conn.execute(sessions_t.delete().where(sessions_t.c.id == session_id))


def end_all_sessions(conn: Connection, user_id: int) -> int:
    """Sign the user out everywhere (disabled, or their password reset). Returns how many sessions ended."""
    return conn.execute(sessions_t.delete().where(sessions_t.c.user_id == user_id)).rowcount


def end_other_sessions(conn: Connection, user_id: int, *, keep: str) -> int:
    """Sign the user out everywhere else (after a password change). Returns how many sessions ended."""
    result = conn.execute(sessions_t.delete().where(sessions_t.c.user_id == user_id, sessions_t.c.id != keep))
    return result.rowcount
