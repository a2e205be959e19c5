"""Signed answer links: /c/{token} names one contact and one consultation, signed with the secret key."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "samrad.answer-link.v1"


def answer_token(secret_key: str, contact_id: int, consultation_id: int) -> str:
    return str(URLSafeSerializer(secret_key, salt=_SALT).dumps([contact_id, consultation_id]))


def read_answer_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(contact_id, consultation_id), or None for a token that was altered or never issued."""
    try:
        data = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(part, int) and not isinstance(part, bool) for part in data)
    ):
        return None
    return data[0], data[1]


def answer_url(public_url: str, secret_key: str, contact_id: int, consultation_id: int) -> str:
    return f"{public_url.rstrip('/')}/c/{answer_token(secret_key, contact_id, consultation_id)}"
