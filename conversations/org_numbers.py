"""Swedish organisation numbers (organisationsnummer): NNNNNN-NNNN with a Luhn check digit.

Sole traders (enskild firma) use the owner's personal identity number as organisation number, so a
number is not refused for looking like one: only its shape and check digit are checked.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^(\d{6})-?(\d{4})$")


class OrgNumberError(ValueError):
    pass


def luhn_check_digit(first_nine: str) -> int:
    """The Luhn digit for nine digits (weights 2,1,2,1,… from the left, as Bolagsverket uses)."""
    total = 0
    for index, char in enumerate(first_nine):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise_org_number(raw: str) -> str:
    """Return "NNNNNN-NNNN" or raise OrgNumberError saying what is wrong."""
    text = raw.strip().replace(" ", "")
    if text.startswith("16") and len(text.replace("-", "")) == 12:
        text = text[2:]  # the 12-digit form some registers print ("16" + the number)
    match = _SHAPE.match(text)
    if not match:
        raise OrgNumberError(f"organisation number {raw!r} must have the form NNNNNN-NNNN")
    digits = match.group(1) + match.group(2)
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise OrgNumberError(f"organisation number {raw!r} has a wrong check digit")
    return f"{match.group(1)}-{match.group(2)}"
