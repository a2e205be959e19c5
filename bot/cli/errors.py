"""The command line's one error type: what a user can fix, said in one line on stderr (exit code 1)."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised with a one-line message for the user."""
