"""Reading the businesses CSV: every problem named by line and column, the Teams hosts from the caller."""

from __future__ import annotations

import pytest

from bot.services.business_file import COLUMNS, BusinessFileError, parse_businesses_csv

HEADER = ",".join(COLUMNS)


def csv_of(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = csv_of(
    "556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel;kafé,Anna Ek,anna@bageri.example,08-123456,sv,,",
    "556016-0680,Mörby Bageri AB,10711,Mörby,livsmedel;kafé,Bo Ek,bo@bageri.example,,en,U012AB3CD,",
    "5567037485,Café Torget,56100,Djursholm,,Cilla Ros,,,sv,,https://prod-00.westeurope.logic.azure.com/x",
)


def test_one_row_per_contact_groups_contacts_under_their_business() -> None:
    rows = parse_businesses_csv(GOOD)
    assert [(r.org_number, len(r.contacts)) for r in rows] == [("556016-0680", 2), ("556703-7485", 1)]
    assert rows[0].tags == "kafé;livsmedel"
    assert rows[0].contacts[1].language == "en"


def test_excel_byte_order_mark_is_accepted() -> None:
    assert len(parse_businesses_csv("\ufeff" + GOOD)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        (HEADER + ",fax\n", "line 1: unknown column(s) fax"),
        ("name\nx\n", "line 1: missing column(s) org_number"),
        (
            csv_of("556016-0681,Bageri,,,,,,,,,"),
            "line 2, column org_number: organisation number '556016-0681' has a wrong check digit",
        ),
        (csv_of("556016-0680,,,,,,,,,,"), "line 2, column name: the business needs a name"),
        (
            csv_of("556016-0680,Bageri,restaurang,,,,,,,,"),
            "line 2, column industry: 'restaurang' is not an SNI code",
        ),
        (csv_of("556016-0680,Bageri,,,,Anna,anna-at-example,,,,"), "line 2, column contact_email"),
        (csv_of("556016-0680,Bageri,,,,Anna,,,de,,"), "line 2, column language: 'de' must be sv or en"),
        (csv_of("556016-0680,Bageri,,,,Anna,,,,slack-anna,"), "line 2, column slack_user_id"),
        (csv_of("556016-0680,Bageri,,,,Anna,,,,,http://x.example"), "line 2, column teams_webhook_url"),
        (csv_of("556016-0680,Bageri"), "line 2: 2 values but the header has 11 columns"),
        (csv_of("556016-0680,Bageri,,,,,,,,,", "556016-0680,Bakery,,,,,,,,,"), "line 3, column name"),
    ],
)
def test_bad_files_are_refused_naming_line_and_column(text: str, message: str) -> None:
    with pytest.raises(BusinessFileError) as caught:
        parse_businesses_csv(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://prod-00.westeurope.logic.azure.com/x", "a Teams webhook URL must start with https://"),
        ("https://evil.example/workflows/x?sig=SECRET", "evil.example is not an allowed Workflows host"),
        ("https://169.254.169.254/latest?sig=SECRET", "169.254.169.254 is a private or local address"),
        ("https://u:p@prod-00.westeurope.logic.azure.com/x", "a Teams webhook URL must not contain a user name or password"),
    ],
)
def test_a_teams_webhook_url_samrad_would_not_post_to_is_refused_at_import(url: str, reason: str) -> None:
    with pytest.raises(BusinessFileError) as caught:
        parse_businesses_csv(csv_of(f"556016-0680,Bageri,,,,Anna,,,,,{url}"))
    [problem] = caught.value.problems
    assert problem.startswith(f"line 2, column teams_webhook_url: {reason}")
    assert "SECRET" not in str(caught.value)


def test_the_allowed_teams_hosts_come_from_the_caller() -> None:
    local = csv_of("556016-0680,Bageri,,,,Anna,,,,,https://127.0.0.1:8443/hook?sig=x")
    with pytest.raises(BusinessFileError):
        parse_businesses_csv(local)
    [row] = parse_businesses_csv(local, teams_hosts=("127.0.0.1",))
    assert row.contacts[0].teams_webhook_url == "https://127.0.0.1:8443/hook?sig=x"


def test_every_problem_is_reported() -> None:
    text = csv_of(
        "556016-0680,Bageri,,,,,,,,,",
        "556016-0681,Kafé,,,,,,,,,",
        "556703-7485,,,,,,,,,,",
    )
    with pytest.raises(BusinessFileError) as caught:
        parse_businesses_csv(text)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "line 3, column org_number",
        "line 4, column name",
    ]
