"""Fuzzing the web edge, bounded to a few seconds in the normal run: schemathesis against the API's own
description, and Hypothesis posting arbitrary forms and bodies to the answer and opt-out links."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from bot.bootstrap import App
from bot.services import consultations
from tests.bot.web.edge_support import SQLITE_ONLY, Serve, opt_out_link, serve, web_link
from tests.live_server import LiveServer
from tests.scenario import municipality

__all__ = ["serve"]  # the fixture, used by name

API_TOKEN = "fuzz-token"
NO_LIMITS = {"rate_limit_api": "100000/minute", "rate_limit_answer_link": "100000/minute",
             "rate_limit_answer_client": "100000/minute", "rate_limit_opt_out": "100000/minute"}


@pytest.fixture
def served(app: App, serve: Serve) -> Iterator[LiveServer]:
    municipality(app)
    yield serve(api_token=API_TOKEN, **NO_LIMITS)


@SQLITE_ONLY
def test_the_api_never_fails_and_answers_as_described(served: LiveServer) -> None:
    """Every operation of /openapi.json, with and without the token: never a 5xx, and every response
    documented there matches its schema."""
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/consultations/{consultation_id}/broadcast", "/api/outbox"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            for headers in ({"Authorization": f"Bearer {API_TOKEN}"}, None):
                case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        call()


field_names = st.sampled_from(["question_id", "answer", "command", "lang", "List-Unsubscribe"]) | st.text(max_size=20)
field_values = st.text(max_size=200) | st.sampled_from(["affected", "yes", "no", "change:1", "change:99999999999999999999",
                                                        "back", "skip", "decline", "resume", "en", "sv"])
forms = st.lists(st.tuples(field_names, field_values), max_size=12)
bodies = st.binary(max_size=2_000)
content_types = st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                 "multipart/form-data", "text/plain", "application/json", ""])


@SQLITE_ONLY
def test_arbitrary_forms_and_bodies_never_make_a_5xx(app: App, served: LiveServer) -> None:
    links = [web_link(app, served, 1, 1), opt_out_link(app, served, 1), f"{served.url}/c/x", f"{served.url}/u/x"]
    with httpx.Client(timeout=10) as client:

        @given(st.sampled_from(links), forms, bodies, content_types, st.booleans())
        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
        def post(url: str, form: list[tuple[str, str]], body: bytes, content_type: str, as_form: bool) -> None:
            if as_form:
                response = client.post(url, data=dict(form))
            else:
                response = client.post(url, content=body, headers={"Content-Type": content_type} if content_type else {})
            assert response.status_code < 500, response.text[:300]

        post()
        with app.session() as session:  # and once the consultation has closed
            consultations.close_consultation(session, 1, now=app.clock(), actor="test")
            session.commit()
        post()
        assert client.get(links[0]).status_code == 200, "the server keeps serving"
        assert client.get(f"{served.url}/healthz").status_code == 200
