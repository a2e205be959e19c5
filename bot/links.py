"""Personal links: the answer link /c/{token} (one contact, one consultation) and the opt-out link
/u/{token} (one contact).

A token is the link's ids and the moment it was made, encrypted and authenticated with AES-SIV (from
`cryptography`) under a key derived from the secret key, one key per kind of link. So a token is opaque
(it reveals neither ids nor how many contacts there are), cannot be altered or made up without the
secret key, and is short (48 characters). AES-SIV is deterministic: the same link made in the same
second is the same token, so a message rendered twice carries one link. The moment inside makes answer
links expire (`link_max_age_days`) and lets a contact's links be revoked: a link made before the contact's
`links_revoked_at` is refused (bot/services/links.py).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_ANSWER = b"samrad.answer-link.v2"
_OPT_OUT = b"samrad.opt-out-link.v2"
# Made at (seconds since 1970, unsigned 32 bits: until 2106), then the ids (unsigned 64 bits each).
_ANSWER_PAYLOAD = struct.Struct(">IQQ")
_OPT_OUT_PAYLOAD = struct.Struct(">IQ")
_SIV_TAG = 16
# Tokens are base64url without padding; anything else, or longer than any token, is refused unread.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class AnswerLink:
    contact_id: int
    consultation_id: int
    issued_at: dt.datetime


@dataclass(frozen=True)
class OptOutLink:
    contact_id: int
    issued_at: dt.datetime


@functools.lru_cache(maxsize=16)
def _cipher(secret_key: str, purpose: bytes) -> AESSIV:
    """One key per kind of link, derived from the secret key (HKDF), so an opt-out token never reads as
    an answer token. Built once per key: a broadcast makes thousands of links."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key.encode())
    return AESSIV(key)


def _seal(secret_key: str, purpose: bytes, payload: bytes) -> str:
    sealed = _cipher(secret_key, purpose).encrypt(payload, None)
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def _unseal(secret_key: str, purpose: bytes, token: str, size: int) -> bytes | None:
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(sealed) != _SIV_TAG + size:
        return None
    try:
        return _cipher(secret_key, purpose).decrypt(sealed, None)
    except InvalidTag:
        return None


def _seconds(moment: dt.datetime) -> int:
    return max(0, min(int(moment.timestamp()), 2**32 - 1))


def answer_token(secret_key: str, contact_id: int, consultation_id: int, *, now: dt.datetime) -> str:
    return _seal(secret_key, _ANSWER, _ANSWER_PAYLOAD.pack(_seconds(now), contact_id, consultation_id))


def read_answer_token(
    secret_key: str, token: str, *, now: dt.datetime, max_age: dt.timedelta
) -> AnswerLink | None:
    """Whom and what the link is for; None for a token that was altered, never issued, made with
    another key, made more than `max_age` ago, or (clocks apart) made more than a minute from now."""
    payload = _unseal(secret_key, _ANSWER, token, _ANSWER_PAYLOAD.size)
    if payload is None:
        return None
    issued, contact_id, consultation_id = _ANSWER_PAYLOAD.unpack(payload)
    issued_at = dt.datetime.fromtimestamp(issued, dt.UTC)
    if not (now - max_age <= issued_at <= now + dt.timedelta(minutes=1)):
        return None
    return AnswerLink(contact_id, consultation_id, issued_at)


def answer_url(public_url: str, secret_key: str, contact_id: int, consultation_id: int, *, now: dt.datetime) -> str:
    return f"{public_url.rstrip('/')}/c/{answer_token(secret_key, contact_id, consultation_id, now=now)}"


# --- one-click opt-out links (e-mail footers and the List-Unsubscribe header) ----------------------


def opt_out_token(secret_key: str, contact_id: int, *, now: dt.datetime) -> str:
    """Names one contact; opting out covers every channel, so no consultation is named."""
    return _seal(secret_key, _OPT_OUT, _OPT_OUT_PAYLOAD.pack(_seconds(now), contact_id))


def read_opt_out_token(secret_key: str, token: str) -> OptOutLink | None:
    """Opt-out links do not expire: opting out must always be possible, also from an old e-mail."""
    payload = _unseal(secret_key, _OPT_OUT, token, _OPT_OUT_PAYLOAD.size)
    if payload is None:
        return None
    issued, contact_id = _OPT_OUT_PAYLOAD.unpack(payload)
    return OptOutLink(contact_id, dt.datetime.fromtimestamp(issued, dt.UTC))


def opt_out_url(public_url: str, secret_key: str, contact_id: int, *, now: dt.datetime) -> str:
    return f"{public_url.rstrip('/')}/u/{opt_out_token(secret_key, contact_id, now=now)}"
