"""Watching the SQL a piece of work runs: the hot path's statement count is part of its contract."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run meanwhile (whitespace folded), transaction control left out."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def shapes(seen: list[str]) -> list[str]:
    """Each statement as its verb and table: "INSERT outbox", "UPDATE dialogues", "SELECT"."""
    result = []
    for statement in seen:
        words = statement.split()
        verb = words[0]
        table = words[2] if verb in ("INSERT", "DELETE") else words[1] if verb == "UPDATE" else ""
        result.append(f"{verb} {table}".strip())
    return result
