"""An official's status question from a chat: who is answered, in which language, and what with. On SQLite
and PostgreSQL."""

from __future__ import annotations

from bot.bootstrap import App
from bot.services import users
from bot.services.staff_status import status_answer
from tests.scenario import municipality


def linked(app: App, role: str, slack_user_id: str) -> None:
    with app.session() as session:
        users.add_user(session, f"{role}@danderyd.example", role, "ett långt lösenord", now=app.clock(), actor="test")
        users.link_slack(session, f"{role}@danderyd.example", slack_user_id, now=app.clock(), actor="test")
        session.commit()


def test_every_linked_role_gets_the_counts_in_the_server_s_language(app: App) -> None:
    town = municipality(app)
    linked(app, "representative", "U0REPR001")
    answer = status_answer(app.engine, link_column="slack_user_id", address="U0REPR001",
                           asked=f"#{town.consultation_id}", language="en")
    assert answer == (f"Consultation {town.consultation_id} – Traffic during the construction in Mörby centrum (open): "
                      "3 invited, 0 reached, 0 started, 0 answered (0 %), 0 declined, 0 opted out.")


def test_a_channel_without_a_staff_link_answers_nobody(app: App) -> None:
    town = municipality(app)
    linked(app, "admin", "U0ADMIN01")
    for column in (None, "no_such_column"):
        answer = status_answer(app.engine, link_column=column, address="U0ADMIN01",
                               asked=str(town.consultation_id), language="sv")
        assert answer.startswith("Tyvärr")
    assert status_answer(app.engine, link_column="slack_user_id", address="", asked="1", language="en").startswith("Sorry")
