"""Account administration from the command line: an operator lists the accounts, changes a role,
disables and enables an account, and gives a one-time password; the database shows each change, its
audit entry and the sessions it ended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.services import staff_sessions, users
from storage.db import make_engine
from storage.tables import audit_log_table, staff_sessions_table, users_table
from tests.bot.cli.test_cli import Run

ADMIN, OFFICIAL = "anna@danderyd.example", "karin@danderyd.example"
PASSWORD = "ett långt lösenord"


@pytest.fixture
def samrad_with_accounts(samrad: Run) -> Run:
    assert samrad("db", "upgrade").exit_code == 0
    for email, role in ((ADMIN, "admin"), (OFFICIAL, "official")):
        assert samrad("user", "add", email, "--role", role, input=f"{PASSWORD}\n").exit_code == 0
    return samrad


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    yield engine
    engine.dispose()


def account(db: Engine, email: str) -> Any:
    with db.connect() as conn:
        return conn.execute(sa.select(users_table).where(users_table.c.email == email)).one()


def signed_in(db: Engine, email: str, *, times: int = 1) -> None:
    user_id = account(db, email).id
    with db.begin() as conn:
        for _ in range(times):
            staff_sessions.start_session(conn, user_id, now=dt.datetime.now(dt.UTC))


def sessions_of(db: Engine, email: str) -> int:
    query = sa.select(sa.func.count()).where(staff_sessions_table.c.user_id == account(db, email).id)
    with db.connect() as conn:
        return int(conn.execute(query).scalar_one())


def audited(db: Engine, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    with db.connect() as conn:
        query = sa.select(audit_log_table.c.actor, audit_log_table.c.target, audit_log_table.c.detail)
        return [tuple(row) for row in conn.execute(query.where(audit_log_table.c.action == action))]


def test_the_list_shows_every_account_one_a_line_in_a_stable_order(samrad_with_accounts: Run, db: Engine) -> None:
    samrad = samrad_with_accounts
    added = samrad("user", "add", "bo@danderyd.example", "--role", "representative", input=f"{PASSWORD}\n")
    assert added.exit_code == 0
    samrad("user", "link-slack", OFFICIAL, "U012AB3CD")
    samrad("user", "disable", "bo@danderyd.example")
    with db.begin() as conn:  # signed in on 15 January at 09:30 UTC: 10:30 in Stockholm
        conn.execute(
            users_table.update()
            .where(users_table.c.email == ADMIN)
            .values(last_login_at=dt.datetime(2025, 1, 15, 9, 30, tzinfo=dt.UTC))
        )
    samrad("user", "reset-password", OFFICIAL)

    listed = samrad("user", "list")

    assert listed.exit_code == 0
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["e-mail", "role", "status", "password", "last", "sign-in", "slack"],
        [ADMIN, "admin", "active", "set", "2025-01-15", "10:30+01:00", "—"],
        ["bo@danderyd.example", "representative", "disabled", "set", "never", "—"],
        [OFFICIAL, "official", "active", "must", "change", "never", "U012AB3CD"],
    ]
    assert samrad("user", "list").stdout == listed.stdout


def test_the_list_of_no_accounts_says_how_to_make_the_first(samrad: Run) -> None:
    samrad("db", "upgrade")
    listed = samrad("user", "list")
    assert (listed.exit_code, listed.stdout.strip()) == (0, "no accounts yet: samrad user add EMAIL --role admin")


def test_an_account_is_given_another_role(samrad_with_accounts: Run, db: Engine) -> None:
    done = samrad_with_accounts("user", "role", "Karin@Danderyd.example", "admin")
    assert (done.exit_code, done.stdout.strip()) == (0, f"{OFFICIAL} is now admin (was official)")
    assert account(db, OFFICIAL).role == "admin"
    changed = ("cli", f"user:{account(db, OFFICIAL).id}", {"from": "official", "to": "admin"})
    assert audited(db, "user.role") == [changed]

    again = samrad_with_accounts("user", "role", OFFICIAL, "admin")
    assert (again.exit_code, again.stdout.strip()) == (0, f"{OFFICIAL} is already admin")
    assert len(audited(db, "user.role")) == 1

    # With a second active admin, the first may become an official.
    demoted = samrad_with_accounts("user", "role", ADMIN, "official")
    assert demoted.exit_code == 0 and account(db, ADMIN).role == "official"


def test_disabling_an_account_ends_its_sessions_at_once_and_enabling_lets_it_back(
    samrad_with_accounts: Run, db: Engine
) -> None:
    signed_in(db, OFFICIAL, times=2)
    signed_in(db, ADMIN)

    done = samrad_with_accounts("user", "disable", OFFICIAL)

    assert done.exit_code == 0
    assert done.stdout.strip() == f"{OFFICIAL} disabled: it cannot sign in; ended 2 sign-in sessions"
    assert account(db, OFFICIAL).disabled_at is not None
    assert (sessions_of(db, OFFICIAL), sessions_of(db, ADMIN)) == (0, 1)
    assert audited(db, "user.disable") == [("cli", f"user:{account(db, OFFICIAL).id}", {})]
    again = samrad_with_accounts("user", "disable", OFFICIAL)
    assert again.stdout.strip() == f"{OFFICIAL} was already disabled: it cannot sign in; ended 0 sign-in sessions"
    assert len(audited(db, "user.disable")) == 1

    enabled = samrad_with_accounts("user", "enable", OFFICIAL)

    assert (enabled.exit_code, enabled.stdout.strip()) == (0, f"{OFFICIAL} enabled: it can sign in")
    assert account(db, OFFICIAL).disabled_at is None
    assert audited(db, "user.enable") == [("cli", f"user:{account(db, OFFICIAL).id}", {})]
    not_disabled = samrad_with_accounts("user", "enable", OFFICIAL)
    assert not_disabled.stdout.strip() == f"{OFFICIAL} was not disabled: it can sign in"
    assert len(audited(db, "user.enable")) == 1


def test_a_reset_prints_only_the_one_time_password_on_stdout(samrad_with_accounts: Run, db: Engine) -> None:
    signed_in(db, OFFICIAL)

    done = samrad_with_accounts("user", "reset-password", OFFICIAL)

    assert done.exit_code == 0
    one_time = done.stdout.removesuffix("\n")
    assert "\n" not in one_time and len(one_time) >= users.MIN_PASSWORD_LENGTH
    assert done.stderr.strip() == (
        f"a one-time password for {OFFICIAL}, shown only now: they choose their own at the next sign-in; "
        "ended 1 sign-in session"
    )
    reset = account(db, OFFICIAL)
    assert users.verify_password_hash(reset.password_hash, one_time)
    assert not users.verify_password_hash(reset.password_hash, PASSWORD)
    assert reset.must_change_password
    assert sessions_of(db, OFFICIAL) == 0
    assert audited(db, "user.password_reset") == [("cli", f"user:{reset.id}", {})]
    assert one_time not in str(audited(db, "user.password_reset"))

    second = samrad_with_accounts("user", "reset-password", OFFICIAL)
    assert second.stdout.strip() != one_time


def test_a_reset_of_a_disabled_account_says_it_is_still_disabled(samrad_with_accounts: Run, db: Engine) -> None:
    samrad_with_accounts("user", "disable", OFFICIAL)
    done = samrad_with_accounts("user", "reset-password", OFFICIAL)
    assert done.exit_code == 0 and len(done.stdout.splitlines()) == 1
    assert f"the account is disabled: samrad user enable {OFFICIAL} lets it sign in" in done.stderr
    assert account(db, OFFICIAL).disabled_at is not None


LAST_ADMIN = (
    f"samrad: refused: {ADMIN} is the last active admin, and without one nobody can manage the accounts; "
    "first make another account admin (samrad user role EMAIL admin)"
)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("role", "nobody@danderyd.example", "admin"), "samrad: there is no account for 'nobody@danderyd.example'"),
        (("disable", "nobody@danderyd.example"), "samrad: there is no account for 'nobody@danderyd.example'"),
        (("enable", "nobody@danderyd.example"), "samrad: there is no account for 'nobody@danderyd.example'"),
        (("reset-password", "nobody@danderyd.example"), "samrad: there is no account for 'nobody@danderyd.example'"),
        (("role", OFFICIAL, "boss"), "samrad: role must be one of admin, official, representative, not 'boss'"),
        (("role", ADMIN, "official"), LAST_ADMIN),
        (("role", ADMIN, "representative"), LAST_ADMIN),
        (("disable", ADMIN), LAST_ADMIN),
    ],
)
def test_a_refused_change_is_one_line_and_changes_nothing(
    samrad_with_accounts: Run, db: Engine, args: tuple[str, ...], error: str
) -> None:
    signed_in(db, ADMIN)
    before = [account(db, email) for email in (ADMIN, OFFICIAL)]

    result = samrad_with_accounts("user", *args)

    assert (result.exit_code, result.stdout, result.stderr.strip()) == (1, "", error)
    assert [account(db, email) for email in (ADMIN, OFFICIAL)] == before
    assert sessions_of(db, ADMIN) == 1
    with db.connect() as conn:
        actions = set(conn.execute(sa.select(audit_log_table.c.action)).scalars())
    assert actions == {"user.add"}


def test_the_last_active_admin_is_counted_among_active_accounts_only(samrad_with_accounts: Run, db: Engine) -> None:
    samrad_with_accounts("user", "role", OFFICIAL, "admin")
    samrad_with_accounts("user", "disable", OFFICIAL)  # an admin, but disabled: Anna is the last active one
    assert samrad_with_accounts("user", "disable", ADMIN).stderr.strip() == LAST_ADMIN
    assert samrad_with_accounts("user", "enable", OFFICIAL).exit_code == 0
    assert samrad_with_accounts("user", "disable", ADMIN).exit_code == 0
    assert account(db, ADMIN).disabled_at is not None


def test_the_help_names_the_roles(samrad: Run) -> None:
    helped = samrad("user", "role", "--help")
    assert helped.exit_code == 0
    assert "one of admin, official, representative" in helped.stdout
