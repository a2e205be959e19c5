"""The one error type of the command line: a message for the user, printed as one line."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised with a one-line message for the user."""
