"""Text no database stores (NUL, a lone surrogate) sent through the web answer page is stored cleaned,
on SQLite and PostgreSQL: never a 5xx, and the rest of the answer is kept."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from storage.tables import answers_table, dialogues_table, outbox_table
from tests import scenario
from tests.bot.web.test_answer import Visitor, answer_until, link
from tests.live_server import LiveServer


@pytest.fixture
def visitor(app: App, web: LiveServer) -> Iterator[Visitor]:
    town = scenario.municipality(app)
    with httpx.Client(timeout=10) as client:
        yield Visitor(client, link(app, web, town.contact_ids[0], town.consultation_id))


def _comment(app: App) -> object:
    with app.engine.connect() as conn:
        return conn.execute(sa.select(answers_table.c.value)
                            .where(answers_table.c.question_id == "comments")).scalar_one_or_none()


def test_a_nul_in_a_free_text_answer_is_dropped_and_the_answer_stored(app: App, visitor: Visitor) -> None:
    page = answer_until(visitor, "comments")
    page = visitor.answer("Leveranser\x00 före\x1b kl. 7\r\nTack")
    assert page.status == 200
    assert _comment(app) == "Leveranser före kl. 7\r\nTack"


def test_a_lone_surrogate_in_a_form_field_is_replaced_and_the_answer_stored(
    app: App, visitor: Visitor
) -> None:
    answer_until(visitor, "comments")
    fields = {**visitor._form(), "answer": "Hej +2AA- igen"}  # UTF-7 for a lone surrogate
    boundary = "samradboundary"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in fields.items()) + f"--{boundary}--\r\n"
    response = visitor.client.post(visitor.url, content=body.encode(), headers={
        "Content-Type": f"multipart/form-data; charset=utf-7; boundary={boundary}"})
    assert response.status_code == 200, response.text[:300]
    assert _comment(app) == "Hej \ufffd igen"
    # A chat's command text goes through the same cleaning (a reply may echo it).
    visitor.page = None
    with app.engine.connect() as conn:
        texts = [str(v) for v in conn.execute(sa.select(dialogues_table.c.state)).scalars()]
        texts += [str(v) for v in conn.execute(sa.select(outbox_table.c.payload)).scalars()]
    assert not any("\ud800" in text or "\x00" in text for text in texts)
