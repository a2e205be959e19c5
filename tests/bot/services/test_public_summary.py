"""The representatives' mask: every identity of an invited contact or business, whole or by its longer
parts, in any case, becomes a placeholder; the figures are the web tests' (tests/bot/web/admin/test_summary_pages.py)."""

from __future__ import annotations

from bot.services.public_summary import ORG_NUMBER_MASK, Mask


def test_a_name_an_address_a_phone_number_and_an_org_number_are_each_masked_as_what_they_are() -> None:
    mask = Mask(["Saga Lindqvist", "saga@lindqvist.example", "070-123 45 67", "556677-8899", "Lindqvists Måleri AB"])
    said = ("Skriv till SAGA@LINDQVIST.EXAMPLE eller ring 070-123 45 67; Lindqvists Måleri AB (556677-8899) "
            "och saga håller med, men inte Sagan om ringen.")
    assert mask(said) == (
        f"Skriv till [e-post] eller ring [telefon]; [namn] ({ORG_NUMBER_MASK}) "
        "och [namn] håller med, men inte Sagan om ringen."
    )


def test_a_short_part_of_a_name_and_an_empty_identity_are_left_alone() -> None:
    mask = Mask(["Bo Ek AB", "", "   "])
    assert mask("Bo Ek AB bor i en ek, AB är ett bolag.") == "[namn] bor i en ek, AB är ett bolag."
