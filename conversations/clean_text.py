"""Text from outside, made safe to parse and store: the one place every channel's input passes.

What people send can hold characters no database stores as text: NUL (PostgreSQL refuses it), lone
UTF-16 surrogates (not encodable as UTF-8, so SQLite's driver fails on them), and other control
characters that only confuse. They are never meaningful in an answer, so they are dropped (surrogates
become U+FFFD, showing that something was there); tabs and line breaks stay.
"""

from __future__ import annotations

import re
from typing import Final

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without control characters (tab, CR and LF aside) and with lone surrogates replaced."""
    if text.isascii() and text.isprintable():  # nearly every message: nothing to do
        return text
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
