import pytest

from conversations.org_numbers import OrgNumberError, luhn_check_digit, normalise_org_number


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
