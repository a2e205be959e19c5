import pytest

from conversations.org_numbers import (
    OrgNumberError,
    erased_org_number,
    is_erased_org_number,
    is_personal_identity_number,
    luhn_check_digit,
    normalise_org_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("556016-0680", "556016-0680"),  # Ericsson
        ("5560160680", "556016-0680"),
        (" 556016-0680 ", "556016-0680"),
        ("16556016-0680", "556016-0680"),  # the 12-digit form with the "16" prefix
        ("202100-5489", "202100-5489"),  # a public authority (third digit 2)
    ],
)
def test_valid_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_org_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("556016-0681", "wrong check digit"),
        ("55601-60680", "must have the form"),
        ("abc", "must have the form"),
        ("", "must have the form"),
        ("556016-068", "must have the form"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(OrgNumberError, match=reason):
        normalise_org_number(raw)


def test_luhn_digit_matches_a_known_number() -> None:
    assert luhn_check_digit("556016068") == 0


# Real-shaped numbers, each with a valid check digit (the normaliser refuses any other).
@pytest.mark.parametrize(
    ("number", "personal"),
    [
        ("556036-0793", False),  # a limited company (digits 3–4: 60)
        ("556016-0680", False),
        ("202100-5489", False),  # a public authority (21)
        ("811218-9876", True),  # a personnummer: born 18 December 1981
        ("811278-9873", True),  # a samordningsnummer: day 18 + 60
        ("970101-0002", True),  # January, the first month
        ("851230-0008", True),  # December, the last
        ("850030-0002", False),  # month 00: no person's number
        ("851330-0007", False),  # month 13: no person's number
        ("raderad-12", False),  # an erased business's placeholder
    ],
)
def test_a_personal_identity_number_is_told_from_a_legal_persons(number: str, personal: bool) -> None:
    if not number.startswith("raderad"):
        assert normalise_org_number(number) == number  # the examples are real-shaped, check digit and all
    assert is_personal_identity_number(number) is personal


def test_the_erased_placeholder_is_unique_per_business_and_never_a_number() -> None:
    assert erased_org_number(7) != erased_org_number(17)
    assert is_erased_org_number(erased_org_number(7))
    assert not is_erased_org_number("811218-9876")
    with pytest.raises(OrgNumberError):
        normalise_org_number(erased_org_number(7))
