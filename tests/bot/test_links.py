from bot.links import answer_token, answer_url, read_answer_token


def test_a_token_names_its_contact_and_consultation() -> None:
    token = answer_token("secret", 12, 3)
    assert read_answer_token("secret", token) == (12, 3)
    assert answer_url("http://x.example/", "secret", 12, 3) == f"http://x.example/c/{token}"


def test_an_altered_or_foreign_token_is_refused() -> None:
    token = answer_token("secret", 12, 3)
    assert read_answer_token("other secret", token) is None
    payload, signature = token.split(".")
    other_payload = answer_token("secret", 13, 3).split(".")[0]
    assert read_answer_token("secret", f"{other_payload}.{signature}") is None
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    assert read_answer_token("secret", f"{payload}.{flipped}") is None
    assert read_answer_token("secret", "nonsense") is None
    assert read_answer_token("secret", "") is None
