import datetime as dt

import pytest

from bot.links import answer_token, answer_url, opt_out_token, read_answer_token, read_opt_out_token

NOW = dt.datetime(2025, 2, 27, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def read(token: str, *, secret: str = "secret", now: dt.datetime = NOW, max_age: dt.timedelta = 90 * DAY
         ) -> tuple[int, int] | None:
    link = read_answer_token(secret, token, now=now, max_age=max_age)
    return None if link is None else (link.contact_id, link.consultation_id)


def test_a_token_names_its_contact_and_consultation_and_when_it_was_made() -> None:
    token = answer_token("secret", 12, 3, now=NOW)
    assert read(token) == (12, 3)
    link = read_answer_token("secret", token, now=NOW, max_age=DAY)
    assert link is not None and link.issued_at == NOW
    assert answer_url("http://x.example/", "secret", 12, 3, now=NOW) == f"http://x.example/c/{token}"
    assert answer_token("secret", 12, 3, now=NOW) == token, "the same link in the same second: one token"


def test_a_token_reveals_no_ids() -> None:
    """Neighbouring contacts' tokens share nothing a reader could count on: the ids are encrypted."""
    first, second = answer_token("secret", 1, 1, now=NOW), answer_token("secret", 2, 1, now=NOW)
    assert len(first) == len(second) == 48
    assert sum(a == b for a, b in zip(first, second, strict=True)) < 10
    for token in (first, second, opt_out_token("secret", 1, now=NOW)):
        assert not token.startswith(("WzE", "MQ"))  # the readable base64 of [1, …] and 1 the old links began with


def test_an_altered_or_foreign_token_is_refused() -> None:
    token = answer_token("secret", 12, 3, now=NOW)
    assert read(token, secret="other secret") is None
    for i in (0, 20, 47):
        flipped = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        assert read(flipped) is None
    for bad in ("nonsense", "", token + "A", token[:-1], "å" * 48, "x" * 10_000, token.replace("-", "+")):
        assert read(bad) is None


def test_an_answer_token_expires_and_one_from_the_future_is_refused() -> None:
    token = answer_token("secret", 12, 3, now=NOW)
    assert read(token, now=NOW + 90 * DAY) == (12, 3)
    assert read(token, now=NOW + 90 * DAY + dt.timedelta(seconds=1)) is None
    assert read(token, now=NOW - dt.timedelta(minutes=5)) is None


def test_opt_out_and_answer_tokens_are_not_interchangeable() -> None:
    opt_out = opt_out_token("secret", 12, now=NOW)
    link = read_opt_out_token("secret", opt_out)
    assert link is not None and link.contact_id == 12 and link.issued_at == NOW
    assert read(opt_out) is None
    assert read_opt_out_token("secret", answer_token("secret", 12, 3, now=NOW)) is None


@pytest.mark.parametrize("years", [0, 5])
def test_an_opt_out_token_never_expires(years: int) -> None:
    made = NOW - dt.timedelta(days=365 * years)
    link = read_opt_out_token("secret", opt_out_token("secret", 7, now=made))
    assert link is not None and link.contact_id == 7
