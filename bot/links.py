"""Signed answer links: /c/{token} names one contact and one consultation, signed with the secret key."""

from __future__ import annotations

import functools

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "samrad.answer-link.v1"


@functools.lru_cache(maxsize=8)
def _serializer(secret_key: str, salt: str) -> URLSafeSerializer:
    """Built once per key: deriving the signing key costs more than signing (a broadcast signs 10,000)."""
    return URLSafeSerializer(secret_key, salt=salt)


def answer_token(secret_key: str, contact_id: int, consultation_id: int) -> str:
    return str(_serializer(secret_key, _SALT).dumps([contact_id, consultation_id]))


def read_answer_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(contact_id, consultation_id), or None for a token that was altered or never issued."""
    try:
        data = _serializer(secret_key, _SALT).loads(token)
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


# --- one-click opt-out links (e-mail footers and the List-Unsubscribe header) ----------------------

_OPT_OUT_SALT = "samrad.opt-out.v1"


def opt_out_token(secret_key: str, contact_id: int) -> str:
    """Names one contact, signed; opting out covers every channel, so no consultation is named."""
    return str(_serializer(secret_key, _OPT_OUT_SALT).dumps(contact_id))


def read_opt_out_token(secret_key: str, token: str) -> int | None:
    try:
        data = _serializer(secret_key, _OPT_OUT_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, int) or isinstance(data, bool):
        return None
    return data


def opt_out_url(public_url: str, secret_key: str, contact_id: int) -> str:
    return f"{public_url.rstrip('/')}/u/{opt_out_token(secret_key, contact_id)}"
