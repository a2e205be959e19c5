"""Persistence: the SQL schema (storage.tables), engines and sessions (storage.db), migrations
(storage.migrate). Imports nothing from bot/, adapters/ or conversations/."""

from storage.db import deferred, make_engine, session_factory

__all__ = ["deferred", "make_engine", "session_factory"]
