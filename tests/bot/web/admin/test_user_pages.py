"""An admin managing accounts in the browser, over real HTTP on both databases: roles, disabling (the
account's live sessions end at once), one-time passwords, the last admin kept, every change logged."""

from __future__ import annotations

import re
from contextlib import closing

import httpx
import pytest
from sqlmodel import select

from bot.bootstrap import App
from bot.services import users
from storage.tables import AuditEntry, User
from tests.bot.web.admin.support import EMAILS, PASSWORD, add_accounts, client, log_in, signed_in
from tests.fakes.channel import FakeChannel
from tests.live_server import LiveServer


def _id(app: App, role: users.Role) -> int:
    with app.session() as session:
        user = users.find_user(session, EMAILS[role])
        assert user is not None and user.id is not None
        return user.id


def _account(app: App, role: users.Role) -> User:
    with app.session() as session:
        user = users.find_user(session, EMAILS[role])
        assert user is not None
        return user


def _logged(app: App, action: str) -> list[AuditEntry]:
    with app.session() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_admin_changes_a_role_and_it_holds_in_the_users_open_session(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, csrf = signed_in(web, "admin")
    representative, _ = signed_in(web, "representative")
    with closing(admin), closing(representative):
        assert representative.get("/admin/businesses").status_code == 403
        changed = admin.post(f"/admin/users/{_id(app, 'representative')}/role", data={"csrf": csrf, "role": "official"})
        assert changed.status_code == 200
        assert "representative@kommun.example har nu rollen handläggare." in changed.text
        assert representative.get("/admin/businesses").status_code == 200  # the same session, the new role
        unknown = admin.post(f"/admin/users/{_id(app, 'official')}/role", data={"csrf": csrf, "role": "owner"})
        assert unknown.status_code == 422 and _account(app, "official").role == "official"
    (entry,) = _logged(app, "user.role")
    assert entry.detail == {"from": "representative", "to": "official"}
    assert entry.actor.startswith("admin@kommun.example [") and entry.target == f"user:{_id(app, 'representative')}"


def test_a_disabled_account_is_signed_out_at_once_and_cannot_sign_in_until_enabled(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, csrf = signed_in(web, "admin")
    official, official_csrf = signed_in(web, "official")
    with closing(admin), closing(official):
        assert official.get("/admin/cases").status_code == 200
        done = admin.post(f"/admin/users/{_id(app, 'official')}/disable", data={"csrf": csrf})
        assert done.status_code == 200 and "official@kommun.example är avstängt" in done.text
        assert official.get("/admin/cases").status_code == 303  # the live session is refused at once
        refused = official.post("/admin/consultations/template", data={"csrf": official_csrf})
        assert refused.status_code == 303 and refused.headers["location"].startswith("/admin/login")
        assert log_in(web, EMAILS["official"]).status_code == 401  # the right password, refused all the same
        assert admin.post(f"/admin/users/{_id(app, 'official')}/enable", data={"csrf": csrf}).status_code == 200
    assert log_in(web, EMAILS["official"]).status_code == 303
    assert len(_logged(app, "user.disable")) == 1 and len(_logged(app, "user.enable")) == 1


def test_a_reset_password_is_shown_once_ends_the_sessions_and_must_be_changed_first(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, csrf = signed_in(web, "admin")
    official, _ = signed_in(web, "official")
    with closing(admin), closing(official):
        reset = admin.post(f"/admin/users/{_id(app, 'official')}/password", data={"csrf": csrf})
        assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
        found = re.search(r"<code>([^<]+)</code>", reset.text)
        assert found, reset.text
        one_time = found.group(1)
        assert len(one_time) >= users.MIN_PASSWORD_LENGTH
        assert one_time not in admin.get("/admin/users").text  # shown once
        assert official.get("/admin/").status_code == 303  # signed out everywhere
    assert log_in(web, EMAILS["official"]).status_code == 401  # the old password no longer works
    with closing(admin), closing(signed_in_with(web, EMAILS["official"], one_time)) as first:
        sent_on = first.get("/admin/cases")
        assert sent_on.status_code == 303 and sent_on.headers["location"] == "/admin/password?required=1"
        form = first.get("/admin/password")
        assert "Välj ett eget lösenord för att fortsätta." in form.text
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token
        changed = first.post("/admin/password", data={
            "csrf": token.group(1), "current": one_time, "new": "my own passphrase", "repeat": "my own passphrase"})
        assert changed.status_code == 200
        assert first.get("/admin/cases").status_code == 200
    (entry,) = _logged(app, "user.password_reset")
    assert one_time not in str(entry.detail)


def signed_in_with(web: LiveServer, email: str, password: str) -> httpx.Client:
    browser = client(web)
    assert log_in(web, email, password, into=browser).status_code == 303
    return browser


def test_an_admin_cannot_demote_or_disable_themselves_nor_the_last_active_admin(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, csrf = signed_in(web, "admin")
    me = _id(app, "admin")
    with closing(admin):
        for path, data in ((f"/admin/users/{me}/role", {"role": "official"}), (f"/admin/users/{me}/disable", {})):
            refused = admin.post(path, data={"csrf": csrf, **data})
            assert refused.status_code == 409 and "minst en aktiv administratör" in refused.text
        assert _account(app, "admin").role == "admin" and _account(app, "admin").disabled_at is None
        # With a second admin, the first may be demoted by the second, but still not by themselves.
        admin.post(f"/admin/users/{_id(app, 'official')}/role", data={"csrf": csrf, "role": "admin"})
        assert admin.post(f"/admin/users/{me}/role", data={"csrf": csrf, "role": "official"}).status_code == 409
    second, second_csrf = signed_in(web, "official")  # now an admin
    with closing(second):
        assert second.post(f"/admin/users/{me}/role", data={"csrf": second_csrf, "role": "official"}).status_code == 200
    assert _account(app, "admin").role == "official"
    assert not _logged(app, "user.disable")


def test_the_last_active_admin_is_kept_whoever_asks(app: App) -> None:
    """From the command line (no acting account) too: a disabled admin does not count as one."""
    add_accounts(app)
    with app.session() as session:
        other = users.add_user(session, "second@kommun.example", "admin", PASSWORD, now=app.clock(), actor="cli")
        assert other.id is not None
        users.disable(session, other.id, by=None, now=app.clock(), actor="cli")
        admin = users.find_user(session, EMAILS["admin"])
        assert admin is not None and admin.id is not None
        for change in (
            lambda: users.set_role(session, admin.id or 0, "representative", by=None, now=app.clock(), actor="cli"),
            lambda: users.disable(session, admin.id or 0, by=None, now=app.clock(), actor="cli"),
        ):
            try:
                change()
            except users.LastAdmin as error:
                assert "last active admin" in str(error)
            else:
                raise AssertionError("the last active admin was taken away")
        users.enable(session, other.id, now=app.clock(), actor="cli")
        users.set_role(session, admin.id, "representative", by=None, now=app.clock(), actor="cli")
        assert admin.role == "representative"


def test_account_changes_need_the_sessions_token_and_an_admin(app: App, web: LiveServer) -> None:
    add_accounts(app)
    target = _id(app, "representative")
    admin, _ = signed_in(web, "admin")
    official, official_csrf = signed_in(web, "official")
    with closing(admin), closing(official):
        for action in ("role", "disable", "enable", "password", "slack"):
            forged = admin.post(f"/admin/users/{target}/{action}", data={"csrf": "forged", "role": "admin",
                                                                          "slack_user_id": "U0FORGED1"})
            assert forged.status_code == 403 and "Formuläret hade gått ut" in forged.text, action
            not_admin = official.post(f"/admin/users/{target}/{action}",
                                      data={"csrf": official_csrf, "role": "admin", "slack_user_id": "U0FORGED1"})
            assert not_admin.status_code == 403, action
    account = _account(app, "representative")
    assert account.role == "representative" and account.disabled_at is None and not account.must_change_password
    assert account.slack_user_id is None
    assert log_in(web, EMAILS["representative"]).status_code == 303


# --- the link to Slack, for `/samrad status` in Slack ---------------------------------------------------


def _slack_on(app: App) -> None:
    app.channels["slack"] = FakeChannel(name="slack")  # the page asks only whether Slack is switched on


def test_an_admin_links_an_account_to_its_owners_slack_user_and_unlinks_it(app: App, web: LiveServer) -> None:
    add_accounts(app)
    _slack_on(app)
    official = _id(app, "official")
    admin, csrf = signed_in(web, "admin")
    with closing(admin):
        page = admin.get("/admin/users").text
        assert f'action="/admin/users/{official}/slack"' in page and "Slack-medlems-id för official@kommun.example" in page
        linked = admin.post(f"/admin/users/{official}/slack", data={"csrf": csrf, "slack_user_id": "  U07QWE12RT "})
        assert linked.status_code == 200
        assert "official@kommun.example är kopplat till Slack-användaren U07QWE12RT." in linked.text
        assert _account(app, "official").slack_user_id == "U07QWE12RT"
        assert 'value="U07QWE12RT"' in linked.text  # the list shows the link at once
        unlinked = admin.post(f"/admin/users/{official}/slack", data={"csrf": csrf, "slack_user_id": ""})
        assert unlinked.status_code == 200 and "official@kommun.example är inte längre kopplat till Slack." in unlinked.text
    assert _account(app, "official").slack_user_id is None
    assert [entry.detail for entry in _logged(app, "user.link_slack")] == [{"linked": True}, {"linked": False}]


def test_a_slack_id_that_is_not_one_or_is_anothers_is_refused_and_nothing_changes(app: App, web: LiveServer) -> None:
    add_accounts(app)
    _slack_on(app)
    official, representative = _id(app, "official"), _id(app, "representative")
    admin, csrf = signed_in(web, "admin")
    with closing(admin):
        assert admin.post(f"/admin/users/{official}/slack", data={"csrf": csrf, "slack_user_id": "U07QWE12RT"}).status_code == 200
        for bad in ("u07qwe12rt", "C0CHANNEL1", "U0<script>", "@anna"):
            refused = admin.post(f"/admin/users/{representative}/slack", data={"csrf": csrf, "slack_user_id": bad})
            assert refused.status_code == 422 and "är inget Slack-medlems-id" in refused.text, bad
            assert "<script>" not in refused.text
        taken = admin.post(f"/admin/users/{representative}/slack", data={"csrf": csrf, "slack_user_id": "U07QWE12RT"})
        assert taken.status_code == 409
        assert "Slack-användaren U07QWE12RT är redan kopplad till official@kommun.example." in taken.text
        too_long = admin.post(f"/admin/users/{representative}/slack", data={"csrf": csrf, "slack_user_id": "U" * 31})
        assert too_long.status_code == 422 and "inget sparades" in too_long.text  # past the form's maxlength
        missing = admin.post("/admin/users/999999/slack", data={"csrf": csrf, "slack_user_id": "U0NOBODY1"})
        assert missing.status_code == 404
    assert _account(app, "official").slack_user_id == "U07QWE12RT"
    assert _account(app, "representative").slack_user_id is None
    assert len(_logged(app, "user.link_slack")) == 1


def test_without_slack_the_users_page_asks_for_no_slack_id(app: App, web: LiveServer) -> None:
    add_accounts(app)
    admin, _ = signed_in(web, "admin")
    with closing(admin):
        page = admin.get("/admin/users").text
    assert "/slack" not in page and "Slack" not in page


def test_a_slack_id_linked_elsewhere_between_the_check_and_the_commit_is_refused_not_an_error(
    app: App, web: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_accounts(app)
    _slack_on(app)
    admin, csrf = signed_in(web, "admin")
    with closing(admin):
        assert admin.post(f"/admin/users/{_id(app, 'official')}/slack",
                          data={"csrf": csrf, "slack_user_id": "U07QWE12RT"}).status_code == 200
        # Another admin's request links it in the moment between this one's check and its commit.
        monkeypatch.setattr(users, "slack_holder", lambda session, slack_user_id: None)
        raced = admin.post(f"/admin/users/{_id(app, 'representative')}/slack",
                           data={"csrf": csrf, "slack_user_id": "U07QWE12RT"})
    assert raced.status_code == 409 and "Slack-användaren U07QWE12RT är redan kopplad" in raced.text
    assert _account(app, "representative").slack_user_id is None
    assert len(_logged(app, "user.link_slack")) == 1  # the refused link's audit entry went with its rollback
