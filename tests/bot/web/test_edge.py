"""The web edge against strangers: body caps, the link checked before the body, integer parameters,
security headers on every page, rate limits and the API token — through the live server."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from bot.bootstrap import App
from bot.services import consultations
from bot.web.answer_link import FORM_MAX_FIELDS
from tests.bot.web.edge_support import SQLITE_ONLY, Serve, opt_out_link, serve, web_link
from tests.live_server import LiveServer
from tests.scenario import municipality

__all__ = ["serve"]  # the fixture, used by name

pytestmark = SQLITE_ONLY  # nothing here depends on the database's kind


def raw_request(server: LiveServer, head: str, body: bytes = b"", *, timeout: float = 5) -> tuple[int, float]:
    """Send a request by hand (headers promising more than is sent, say); the status and seconds taken."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        reply = connection.recv(4096)
    return int(reply.split(b" ", 2)[1]), time.monotonic() - started


# --- bodies ------------------------------------------------------------------------------------------


def test_a_made_up_link_is_refused_before_its_body_is_read(app: App, serve: Serve) -> None:
    server = serve()
    # A promised body that never comes: answering at all shows the body was not waited for.
    head = "POST /c/not-a-token HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 60000\n"
    status, seconds = raw_request(server, head)
    assert status == 404 and seconds < 2


def test_the_reported_flood_is_refused_at_once(app: App, serve: Serve) -> None:
    """200 fields of 1 MB to a made-up link took 7.6 s and ~300 MB before its 404."""
    server = serve()
    head = ("POST /c/not-a-token HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\n"
            f"Content-Length: {200 * (2**20 + 3)}\n")
    status, seconds = raw_request(server, head, b"a=" + b"x" * 65_000)
    assert status == 413 and seconds < 2


def test_a_body_over_its_routes_cap_is_413_declared_or_streamed(app: App, serve: Serve) -> None:
    town = municipality(app)
    server = serve()
    url = web_link(app, server, town.contact_ids[0], town.consultation_id)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    big = b"question_id=comments&answer=" + b"x" * 70_000

    assert httpx.post(url, content=big, headers=form).status_code == 413

    # Streamed, the body is refused by its size, not by a field's: seven fields of 10 KB each stay under
    # the form's cap for one field (which would be a 400 as soon as the parser met it) while the whole
    # passes the body's cap.
    streamed = b"question_id=comments&" + b"&".join(b"f%d=" % i + b"x" * 10_000 for i in range(7))

    def chunks() -> object:
        for start in range(0, len(streamed), 8_192):  # a generator is sent chunked, without Content-Length
            yield streamed[start:start + 8_192]

    assert httpx.post(url, content=chunks(), headers=form).status_code == 413  # type: ignore[arg-type]
    assert httpx.post(opt_out_link(app, server, town.contact_ids[0]), content=b"x" * 5_000,
                      headers=form).status_code == 413
    assert httpx.post(f"{server.url}/api/outbox", content=b"x" * 20_000).status_code == 413

    # Under the cap, a text answer of 4,000 Swedish letters still goes through the form parser.
    fine = httpx.post(url, data={"question_id": "affected", "answer": "å" * 4_000, "lang": "sv"})
    assert fine.status_code == 422  # refused as an answer to a yes/no question, not as a body


def test_a_form_with_too_many_fields_is_400_and_stores_nothing(app: App, serve: Serve) -> None:
    town = municipality(app)
    server = serve()
    url = web_link(app, server, town.contact_ids[0], town.consultation_id)
    fields = "&".join(["question_id=affected", "answer=yes"] + [f"f{i}=1" for i in range(FORM_MAX_FIELDS)])
    response = httpx.post(url, content=fields, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    with app.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM answers").scalar_one() == 0


# --- integer parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("consultation_id", ["99999999999999999999999", str(2**63), str(2**31), "0", "-1"])
def test_an_out_of_range_id_is_422_not_500(app: App, serve: Serve, consultation_id: str) -> None:
    server = serve(api_token="s3cret")
    response = httpx.post(f"{server.url}/api/consultations/{consultation_id}/broadcast",
                          headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 422


def test_the_largest_id_is_a_clear_404(app: App, serve: Serve) -> None:
    server = serve(api_token="s3cret")
    response = httpx.post(f"{server.url}/api/consultations/{2**31 - 1}/broadcast",
                          headers={"Authorization": "Bearer s3cret"})
    assert response.status_code == 404


# --- the API token -----------------------------------------------------------------------------------


def test_the_api_token_is_compared_as_utf8_bytes_and_refusals_ask_for_a_bearer(app: App, serve: Serve) -> None:
    server = serve(api_token="hemlig-nyckel-åäö")
    url = f"{server.url}/api/outbox"
    ok = httpx.get(url, headers={"Authorization": "Bearer hemlig-nyckel-åäö".encode()})
    assert ok.status_code == 200 and ok.json() == {"counts": {}}
    for headers in ({}, {"Authorization": "Bearer hemlig-nyckel-aao"}, {"Authorization": "Basic x"},
                    {"Authorization": "Bearer hemlig-nyckel-åäö".encode("latin-1")}):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"


# --- headers on every page ---------------------------------------------------------------------------

CSP_MUSTS = ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'")
# Every route of the app that serves HTML to a browser, with the pages each can show.
HTML_ROUTES = {"/c/{token}", "/u/{token}", "/api/docs"}


def assert_private_page(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["Content-Type"].startswith("text/html")
    assert all(must in headers["Content-Security-Policy"] for must in CSP_MUSTS)
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert '<meta name="referrer" content="no-referrer">' in response.text


def test_every_html_page_has_the_security_headers(app: App, serve: Serve) -> None:
    town = municipality(app)
    server = serve()
    web_app = server.app.target
    html_routes = {r.path for r in web_app.routes if "html" in str(getattr(r, "response_class", ""))}
    assert html_routes <= HTML_ROUTES, f"a new HTML route: add its pages here: {html_routes - HTML_ROUTES}"

    answer_url = web_link(app, server, town.contact_ids[0], town.consultation_id)
    pages = {
        "answer page": httpx.get(answer_url),
        "answer page, English": httpx.get(answer_url, params={"lang": "en"}),
        "answer page after an answer": httpx.post(answer_url, data={"question_id": "affected", "answer": "yes"}),
        "unknown link": httpx.get(f"{server.url}/c/not-a-token"),
        "opt-out question": httpx.get(opt_out_link(app, server, town.contact_ids[0])),
        "opt-out done": httpx.post(opt_out_link(app, server, town.contact_ids[0])),
        "unknown opt-out link": httpx.get(f"{server.url}/u/not-a-token"),
    }
    with app.session() as session:
        consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="test")
        session.commit()
    pages["closed consultation"] = httpx.get(answer_url)
    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        assert_private_page(response)
        assert "Strict-Transport-Security" not in response.headers, "http: no HSTS"

    assert httpx.get(f"{server.url}/api/docs").status_code == 404, "Swagger UI (a CDN's script) is off by default"
    assert httpx.get(f"{server.url}/openapi.json").headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in httpx.get(f"{server.url}/static/samrad.css").headers


def test_https_pages_get_hsts_and_docs_only_when_switched_on(app: App, serve: Serve) -> None:
    server = serve(public_url="https://samrad.example", api_docs=True)
    page = httpx.get(f"{server.url}/c/not-a-token")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    docs = httpx.get(f"{server.url}/api/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "https://cdn.jsdelivr.net" in docs.headers["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" not in page.headers["Content-Security-Policy"]


# --- rate limits -------------------------------------------------------------------------------------


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "För många försök" in response.text and "Too many requests" in response.text


def test_answer_posts_are_limited_per_link_and_per_client_address(app: App, serve: Serve) -> None:
    town = municipality(app)
    server = serve(rate_limit_answer_link="3/minute", rate_limit_answer_client="5/minute")
    anna = web_link(app, server, town.contact_ids[0], town.consultation_id)
    bo = web_link(app, server, town.contact_ids[1], town.consultation_id)
    form = {"question_id": "affected", "answer": "maybe", "lang": "sv"}

    assert [httpx.post(anna, data=form).status_code for _ in range(3)] == [422] * 3
    assert_too_many(httpx.post(anna, data=form))
    assert httpx.get(anna).status_code == 200, "reading the page is not limited"
    assert httpx.post(bo, data=form).status_code == 422  # another link: its own count …
    assert_too_many(httpx.post(bo, data=form))  # … but this address has sent 5 answers now
    assert httpx.post(f"{server.url}/c/not-a-token").status_code == 404, "made-up links are not counted"


def test_opt_out_posts_and_the_api_are_limited_per_client_address(app: App, serve: Serve) -> None:
    town = municipality(app)
    server = serve(rate_limit_opt_out="2/minute", rate_limit_api="2/minute", api_token="s3cret")
    opt_out = opt_out_link(app, server, town.contact_ids[0])
    assert [httpx.post(opt_out).status_code for _ in range(2)] == [200, 200]
    assert_too_many(httpx.post(opt_out))
    assert httpx.get(opt_out).status_code == 200

    auth = {"Authorization": "Bearer s3cret"}
    assert [httpx.get(f"{server.url}/api/outbox", headers=auth).status_code for _ in range(2)] == [200, 200]
    limited = httpx.get(f"{server.url}/api/outbox", headers=auth)
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert httpx.get(f"{server.url}/api/outbox", headers={"Authorization": "Bearer guess"}).status_code == 429
