"""Officials' accounts: `samrad user add` and `samrad user link-slack`."""

from __future__ import annotations

from bot.cli.context import open_app, service_errors
from bot.services import users


def user_add(email: str, role: str, password: str) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        user = users.add_user(session, email, role, password, now=app.clock(), actor="cli")
        session.commit()
    return f"created {user.role} account {user.email}"


def user_link_slack(email: str, slack_user_id: str | None) -> str:
    app = open_app()
    with service_errors(), app.session() as session:
        user = users.link_slack(session, email, slack_user_id, now=app.clock(), actor="cli")
        session.commit()
    if slack_user_id is None:
        return f"{user.email} is no longer linked to a Slack user"
    return f"{user.email} is linked to Slack user {user.slack_user_id}: /samrad status answers them in Slack"
