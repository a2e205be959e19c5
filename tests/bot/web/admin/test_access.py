"""Who may open which page: every route of the officials' pages × every role, walked over real HTTP.

The table says what each role gets: 200 (or the status the action itself gives), 403 for a role below
the route's, 303 to the sign-in page without a session. Forms are posted with the session's own CSRF
token, so a 403 here is the role's refusal, not the token's. Each backend runs it (the `app` fixture).
"""

from __future__ import annotations

import httpx
import pytest

from bot.bootstrap import App
from bot.services import users
from tests.bot.web.admin.support import add_accounts, client, signed_in
from tests.live_server import LiveServer
from tests.scenario import municipality

ROLES = ("anonymous", "representative", "official", "admin")

# (method, path, expected status for representative, official, admin). Anonymous always gets 303.
# POSTs aim at what makes no change (an unknown id, an empty form), except opening an open consultation.
ROUTES: list[tuple[str, str, int, int, int]] = [
    ("GET", "/admin/", 200, 200, 200),
    ("GET", "/admin/cases", 200, 200, 200),
    ("GET", "/admin/cases/1", 200, 200, 200),
    ("GET", "/admin/cases/999", 404, 404, 404),
    ("GET", "/admin/consultations/1", 200, 200, 200),
    ("GET", "/admin/consultations/1/progress", 200, 200, 200),
    ("GET", "/admin/consultations/1/summary", 200, 200, 200),
    ("GET", "/admin/consultations/999/summary", 404, 404, 404),
    ("GET", "/admin/password", 200, 200, 200),
    ("GET", "/admin/consultations/new", 403, 200, 200),
    ("GET", "/admin/consultations/1/consultation.yaml", 403, 200, 200),
    ("GET", "/admin/consultations/1/answers.csv", 403, 200, 200),
    ("GET", "/admin/consultations/1/preview", 403, 200, 200),
    ("GET", "/admin/consultations/1/results", 403, 200, 200),
    ("GET", "/admin/consultations/1/results/1", 403, 200, 200),
    ("GET", "/admin/consultations/1/results/999", 403, 404, 404),
    ("GET", "/admin/consultations/1/answers.json", 403, 200, 200),
    ("GET", "/admin/consultations/1/answers.xlsx", 403, 200, 200),
    ("GET", "/admin/consultations/1/report", 403, 200, 200),
    ("GET", "/admin/consultations/1/report.pdf", 403, 200, 200),
    ("GET", "/admin/consultations/1/edit", 403, 409, 409),  # open: its questions are frozen
    ("GET", "/admin/consultations/1/audience", 403, 409, 409),  # open: its audience is fixed
    ("GET", "/admin/consultations/1/audience/count", 403, 409, 409),
    ("POST", "/admin/consultations/1/audience", 403, 409, 409),
    ("GET", "/admin/consultations/1/schedule", 403, 409, 409),  # open: its times are fixed
    ("POST", "/admin/consultations/1/schedule", 403, 409, 409),
    ("GET", "/admin/businesses", 403, 200, 200),
    ("GET", "/admin/businesses/import", 403, 200, 200),
    ("GET", "/admin/contacts/1", 403, 200, 200),
    ("GET", "/admin/contacts/1/erase", 403, 200, 200),
    ("GET", "/admin/delivery", 403, 200, 200),
    ("GET", "/admin/no-such-page", 404, 404, 404),  # any other address: the readable 404 page
    ("GET", "/admin/audit", 403, 403, 200),
    ("GET", "/admin/users", 403, 403, 200),
    ("POST", "/admin/password", 422, 422, 422),
    ("POST", "/admin/consultations/template", 403, 422, 422),
    ("POST", "/admin/consultations/upload", 403, 422, 422),
    ("POST", "/admin/consultations/1/open", 403, 409, 409),
    ("POST", "/admin/consultations/1/edit", 403, 409, 409),
    ("POST", "/admin/consultations/999/broadcast", 403, 404, 404),
    ("GET", "/admin/consultations/1/close", 403, 200, 200),  # asks first
    ("GET", "/admin/consultations/999/close", 403, 404, 404),
    ("POST", "/admin/consultations/999/close", 403, 404, 404),
    ("POST", "/admin/businesses/import", 403, 422, 422),
    ("POST", "/admin/contacts/999/erase", 403, 404, 404),
    ("POST", "/admin/cases/999/stage", 403, 404, 404),
    ("POST", "/admin/cases/999/consultation", 403, 404, 404),
    ("POST", "/admin/users", 403, 403, 422),
    ("GET", "/admin/consultations/1/free-text", 403, 200, 200),
    ("POST", "/admin/consultations/1/free-text/suggest", 403, 303, 303),  # no answers: no suggestions
    ("POST", "/admin/consultations/1/free-text/themes", 403, 409, 409),  # no name
    ("POST", "/admin/consultations/1/free-text/themes/999", 403, 409, 409),
    ("POST", "/admin/consultations/1/free-text/answers/999", 403, 409, 409),
    ("POST", "/admin/users/999/role", 403, 403, 422),  # no role chosen
    ("POST", "/admin/users/999/disable", 403, 403, 404),
    ("POST", "/admin/users/999/enable", 403, 403, 404),
    ("POST", "/admin/users/999/password", 403, 403, 404),
    ("POST", "/admin/logout", 303, 303, 303),  # last: it ends the session
]


def _request(browser: httpx.Client, method: str, path: str, csrf: str) -> httpx.Response:
    if method == "GET":
        return browser.get(path, timeout=60)  # the report's PDF takes seconds on a busy machine
    return browser.post(path, data={"csrf": csrf})


@pytest.mark.parametrize("role", ROLES)
def test_every_route_refuses_every_role_what_it_may_not_do(app: App, web: LiveServer, role: str) -> None:
    municipality(app)
    add_accounts(app)
    if role == "anonymous":
        browser, csrf = client(web), "no session, no token"
    else:
        browser, csrf = signed_in(web, role)
    wrong = []
    try:
        for method, path, *by_role in ROUTES:
            expected = 303 if role == "anonymous" else by_role[ROLES.index(role) - 1]
            response = _request(browser, method, path, csrf)
            if response.status_code != expected:
                wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
            elif expected == 303 and role == "anonymous":
                assert response.headers["location"].startswith("/admin/login"), (method, path)
            elif expected in (403, 404):
                assert "text/html" in response.headers["content-type"], (method, path)  # a readable page
    finally:
        browser.close()
    assert not wrong, "\n".join(wrong)


def test_the_table_names_every_route_of_the_officials_pages(app: App) -> None:
    """A new route must be added to the table above, with what each role may do there."""
    from bot.web.admin import router

    declared = {(method, path) for route in router.routes for method in getattr(route, "methods", ())
                for path in [getattr(route, "path", "")]}
    declared -= {("GET", "/admin/login"), ("POST", "/admin/login"), ("GET", "/admin/language/{code}"),
                 ("POST", "/admin/language/{code}"),
                 ("GET", "/admin/static/{name}"), ("HEAD", "/admin/static/{name}"),
                 ("GET", "/admin/{unknown:path}")}  # tested as /admin/no-such-page
    tested = {(method, path.replace("/999", "/{id}").replace("/1/", "/{id}/").replace("/1", "/{id}"))
              for method, path, *_ in ROUTES}
    normalised = {(method, path.replace("{case_id}", "{id}").replace("{consultation_id}", "{id}")
                   .replace("{contact_id}", "{id}").replace("{theme_id}", "{id}").replace("{user_id}", "{id}")) for method, path in declared}
    assert normalised <= tested, sorted(normalised - tested)


def test_a_form_field_past_its_limit_gets_a_readable_422_and_nothing_is_saved(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, csrf = signed_in(web, "admin")
    try:
        long_address = "a" * 330 + "@kommun.example"  # the field takes 320 characters, as an e-mail address may have
        refused = admin.post("/admin/users", data={"csrf": csrf, "email": long_address, "role": "official",
                                                   "password": "a-long-enough-password"})
    finally:
        admin.close()
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]
    assert "Ett fält i formuläret var för långt eller ogiltigt, så inget sparades." in refused.text
    with app.session() as session:
        assert users.find_user(session, long_address) is None


def test_a_malformed_address_gets_a_readable_page_and_the_api_keeps_its_json(app: App, web: LiveServer) -> None:
    add_accounts(app)
    browser, _ = signed_in(web, "official")
    try:
        for path in ("/admin/cases/abc", "/admin/consultations/1?n=many", "/admin/contacts/1x",
                     "/admin/consultation/1", "/admin/consultations/1/resultat"):  # mistyped: no such page
            response = browser.get(path)
            assert response.status_code == 404, path
            assert "text/html" in response.headers["content-type"] and "Sidan finns inte" in response.text
    finally:
        browser.close()
    app.settings = app.settings.model_copy(update={"api_token": "api-token"})
    api = httpx.post(f"{web.url}/api/consultations/abc/broadcast", headers={"Authorization": "Bearer api-token"})
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"
