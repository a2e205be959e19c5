"""An admin managing accounts in the browser, over real HTTP on both databases: roles, disabling (the
account's live sessions end at once), one-time passwords, the last admin kept, every change logged."""

from __future__ import annotations

import re
from contextlib import closing

import httpx
from sqlmodel import select

from bot.bootstrap import App
from bot.services import users
from storage.tables import AuditEntry, User
from tests.bot.web.admin.support import EMAILS, PASSWORD, add_accounts, client, log_in, signed_in
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
        for action in ("role", "disable", "enable", "password"):
            forged = admin.post(f"/admin/users/{target}/{action}", data={"csrf": "forged", "role": "admin"})
            assert forged.status_code == 403 and "Formuläret hade gått ut" in forged.text, action
            not_admin = official.post(f"/admin/users/{target}/{action}", data={"csrf": official_csrf, "role": "admin"})
            assert not_admin.status_code == 403, action
    account = _account(app, "representative")
    assert account.role == "representative" and account.disabled_at is None and not account.must_change_password
    assert log_in(web, EMAILS["representative"]).status_code == 303
