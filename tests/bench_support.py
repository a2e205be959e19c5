"""A businesses CSV of any size, shared by tests and bench/business_import.py."""

from __future__ import annotations

from conversations.org_numbers import luhn_check_digit

HEADER = ("org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,"
          "slack_user_id,teams_webhook_url")


def org_number(index: int) -> str:
    first_nine = f"55{index:07d}"
    return f"{first_nine[:6]}-{first_nine[6:]}{luhn_check_digit(first_nine)}"


def business_row(index: int) -> str:
    """One business with one contact, every column filled; a Slack id on every tenth."""
    slack = f"U{index:08d}" if index % 10 == 0 else ""
    return (f"{org_number(index)},Företag {index} AB,{56100 + index % 50},Område {index % 20},"
            f"tagg{index % 7};kafé,Person {index},person{index}@foretag{index}.example,08-{100000 + index},"
            f"sv,{slack},")


def business_csv(rows: int) -> str:
    return "\n".join([HEADER, *(business_row(i) for i in range(rows))]) + "\n"
