"""Swedish organisation numbers (organisationsnummer): NNNNNN-NNNN with a Luhn check digit.

Sole traders (enskild firma) use the owner's personal identity number as organisation number, so a
number is not refused for looking like one: only its shape and check digit are checked. Such a number is
personal data, though: `is_personal_identity_number` tells it from a legal person's, and when the owner's
data is erased the business's number is replaced by `erased_org_number` (bot/services/contacts.py).
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^(\d{6})-?(\d{4})$")
_NORMALISED = re.compile(r"^\d{2}(\d{2})\d{2}-\d{4}$")
# What an erased sole trader's business holds in place of the owner's personal identity number: never
# the shape of a number (so never a real one), and unique, as it ends in the business's id.
ERASED_PREFIX = "raderad-"


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


def is_personal_identity_number(org_number: str) -> bool:
    """Whether a normalised number ("NNNNNN-NNNN") is a person's: a personnummer or samordningsnummer, as a
    sole trader uses, has a month (01–12) in digits 3–4; a legal person's number has 20 or more there."""
    match = _NORMALISED.match(org_number)
    return match is not None and 1 <= int(match.group(1)) <= 12


def erased_org_number(business_id: int) -> str:
    """The placeholder of an erased sole trader's business: no real number has letters, no two ids are equal."""
    return f"{ERASED_PREFIX}{business_id}"


def is_erased_org_number(org_number: str) -> bool:
    return org_number.startswith(ERASED_PREFIX)
