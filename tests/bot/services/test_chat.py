"""Chat routing: one active dialogue per contact, the next consultation offered when one ends."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.bootstrap import App
from bot.services.chat import ChatRouter, chat_at, chat_context
from conversations.messages import Outbound, QuestionOut, TextIn
from storage.tables import channel_identities_table, contacts_table, dialogues_table, outbox_table
from tests import scenario
from tests.bot.services.statements_support import statements

SECOND_CONSULTATION = scenario.consultation_yaml  # same questions, another case


def say(app: App, router: ChatRouter, contact_id: int, *texts: str) -> list[Outbound]:
    replies: list[Outbound] = []
    for text in texts:
        with app.engine.begin() as conn:
            replies = router.receive(
                conn, contact_id, TextIn(text), channel="console", now=app.clock()
            ).messages
    return replies


def start(
    app: App, router: ChatRouter, contact_id: int, consultation_id: int | None = None
) -> list[Outbound]:
    with app.engine.begin() as conn:
        return router.start(
            conn, contact_id, channel="console", now=app.clock(), consultation_id=consultation_id
        )


def asked(messages: list[Outbound]) -> str | None:
    questions = [m for m in messages if isinstance(m, QuestionOut)]
    return questions[-1].question_id if questions else None


def texts(messages: list[Outbound]) -> str:
    return "\n".join(m.text for m in messages)


ALL_ANSWERS = ("ja", "4", "1, 2", "morgon", "12", "hoppa över", "hoppa över", "ja")


def two_consultations(app: App) -> tuple[int, int, int]:
    town = scenario.municipality(app)
    closes = app.clock() + dt.timedelta(days=10)
    second = scenario.open_consultation(
        app,
        scenario.consultation_yaml(closes=closes, reference="KS 2025/0077")
        .replace("Ombyggnad av Mörby centrum", "Nya parkeringsregler")
        .replace("Trafiken under byggtiden i Mörby centrum", "Parkeringen på Mörby torg"),
    )
    return town.consultation_id, second, town.contact_ids[0]


def test_a_contact_comes_back_days_later_and_continues_where_they_left_off(app: App) -> None:
    town = scenario.municipality(app)
    router = ChatRouter(app.dialogues)
    contact = town.contact_ids[0]
    assert asked(start(app, router, contact)) == "affected"
    assert asked(say(app, router, contact, "ja", "4")) == "concerns"
    app.clock.advance(dt.timedelta(days=3))  # type: ignore[attr-defined]
    resumed = start(app, ChatRouter(app.dialogues), contact)  # a new process: nothing kept in memory
    assert asked(resumed) == "concerns"
    assert asked(say(app, router, contact, "leveranser")) == "best_time"


def test_when_one_dialogue_ends_the_next_consultation_is_offered(app: App) -> None:
    first, second, contact = two_consultations(app)
    router = ChatRouter(app.dialogues)
    start(app, router, contact)
    replies = say(app, router, contact, *ALL_ANSWERS)
    assert "Tack! Dina svar är inskickade" in texts(replies)
    assert "Parkeringen på Mörby torg" in texts(replies)
    assert asked(replies) == "affected"
    with app.engine.connect() as conn:
        active = conn.execute(
            sa.select(contacts_table.c.active_consultation_id).where(contacts_table.c.id == contact)
        ).scalar_one()
    assert active == second
    # Answers now go to the second consultation; the first stays complete.
    say(app, router, contact, "nej")
    with app.engine.connect() as conn:
        statuses = dict(
            conn.execute(
                sa.select(dialogues_table.c.consultation_id, dialogues_table.c.status).where(
                    dialogues_table.c.contact_id == contact
                )
            ).all()
        )
    assert statuses == {first: "complete", second: "partial"}


def test_an_invitation_to_a_second_consultation_never_interrupts_a_dialogue_in_progress(app: App) -> None:
    first, _second, contact = two_consultations(app)
    router = ChatRouter(app.dialogues)
    start(app, router, contact, first)
    say(app, router, contact, "ja")
    # The contact's next message still answers the first consultation's second question.
    say(app, router, contact, "5")
    with app.engine.connect() as conn:
        rows = conn.execute(
            sa.select(dialogues_table.c.consultation_id).where(dialogues_table.c.contact_id == contact)
        )
        assert [r.consultation_id for r in rows] == [first]


def test_declining_also_moves_on_to_the_next_consultation(app: App) -> None:
    _, _, contact = two_consultations(app)
    router = ChatRouter(app.dialogues)
    start(app, router, contact)
    replies = say(app, router, contact, "berör oss inte")
    assert "inte berör ditt företag" in texts(replies)
    assert "Parkeringen på Mörby torg" in texts(replies)


def test_nothing_open_is_said_plainly(app: App) -> None:
    scenario.import_businesses(app)
    router = ChatRouter(app.dialogues)
    assert "inget samråd" in texts(say(app, router, 1, "hej"))


def test_a_submitted_response_can_be_changed_while_the_consultation_is_open(app: App) -> None:
    town = scenario.municipality(app)
    router = ChatRouter(app.dialogues)
    contact = town.contact_ids[0]
    start(app, router, contact)
    say(app, router, contact, *ALL_ANSWERS)
    replies = say(app, router, contact, "ändra 4")
    assert asked(replies) == "best_time"
    replies = say(app, router, contact, "kväll", "ja")
    assert "inskickade" in texts(replies)
    with app.engine.connect() as conn:
        status = conn.execute(
            sa.select(dialogues_table.c.status).where(dialogues_table.c.contact_id == contact)
        )
        assert status.scalar_one() == "complete"


def test_stop_opts_out_drops_queued_messages_and_continue_opts_in_again(app: App) -> None:
    town = scenario.municipality(app)
    router = ChatRouter(app.dialogues)
    contact = town.contact_ids[0]
    start(app, router, contact)
    with app.engine.begin() as conn:
        conn.execute(
            outbox_table.insert().values(
                channel="telegram",
                address="42",
                contact_id=contact,
                kind="reminder",
                priority=10,
                payload={"type": "text", "text": "Påminnelse", "style": "plain"},
                idempotency_key="reminder-1",
                status="pending",
                attempts=0,
                due_at=app.clock(),
            )
        )
    replies = say(app, router, contact, "stopp")
    assert asked(replies) == "_stop"
    say(app, router, contact, "ja")
    with app.engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(contacts_table.c.opted_out_at).where(contacts_table.c.id == contact)
            ).scalar_one()
            is not None
        )
        assert conn.execute(sa.select(outbox_table.c.status)).scalar_one() == "dropped"
    say(app, router, contact, "fortsätt")
    with app.engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(contacts_table.c.opted_out_at).where(contacts_table.c.id == contact)
            ).scalar_one()
            is None
        )


# --- reading a chat's context -------------------------------------------------------------------------


def bind(app: App, contact_id: int, address: str) -> None:
    with app.engine.begin() as conn:
        conn.execute(
            channel_identities_table.insert().values(
                contact_id=contact_id, channel="telegram", address=address, created_at=app.clock()
            )
        )


def test_a_chat_context_holds_the_contact_its_active_consultation_and_dialogue(app: App) -> None:
    town = scenario.municipality(app)
    contact = town.contact_ids[0]
    bind(app, contact, "4711")
    with app.engine.connect() as conn:
        assert chat_at(conn, channel="telegram", address="4712") is None
        before = chat_at(conn, channel="telegram", address="4711")
    assert before is not None and before.contact.id == contact
    assert (before.consultation, before.dialogue_status, before.state) == (None, None, None)

    router = ChatRouter(app.dialogues)
    start(app, router, contact)
    say(app, router, contact, "ja")
    with app.engine.connect() as conn:
        context = chat_at(conn, channel="telegram", address="4711")
        by_id = chat_context(conn, contact)
    assert context is not None and context == by_id
    assert context.contact.active_consultation_id == town.consultation_id
    assert context.consultation is not None and context.consultation.id == town.consultation_id
    assert context.consultation.status == "open"
    assert context.dialogue_status == "partial"
    assert context.state is not None and context.state.answers == {"affected": True}


def test_a_chat_message_reads_everything_it_needs_in_one_statement(app: App) -> None:
    town = scenario.municipality(app)
    contact = town.contact_ids[0]
    router = ChatRouter(app.dialogues)
    start(app, router, contact)
    with statements(app.engine) as seen:
        assert asked(say(app, router, contact, "ja")) == "impact"
    assert len([s for s in seen if s.startswith("SELECT")]) == 1
    # No write that changes nothing: the active consultation is already this one.
    assert not [s for s in seen if s.startswith("UPDATE contacts")]


def test_a_context_read_beforehand_is_used_as_is(app: App) -> None:
    town = scenario.municipality(app)
    contact = town.contact_ids[0]
    bind(app, contact, "4711")
    router = ChatRouter(app.dialogues)
    start(app, router, contact)
    with app.engine.begin() as conn:
        context = chat_at(conn, channel="telegram", address="4711")
        assert context is not None
        with statements(app.engine) as seen:
            replies = router.receive(
                conn, context, TextIn("ja"), channel="telegram", now=app.clock()
            ).messages
    assert asked(replies) == "impact"
    assert not [s for s in seen if s.startswith("SELECT")]


def test_a_link_to_another_consultation_starts_it_and_makes_it_the_active_one(app: App) -> None:
    first, second, contact = two_consultations(app)
    router = ChatRouter(app.dialogues)
    start(app, router, contact, first)
    say(app, router, contact, "ja")
    with app.engine.begin() as conn:
        context = chat_context(conn, contact)
        assert context is not None and context.consultation is not None
        assert context.consultation.id == first
        replies = router.start(conn, context, channel="telegram", now=app.clock(), consultation_id=second)
    assert "Parkeringen på Mörby torg" in texts(replies) and asked(replies) == "affected"
    with app.engine.connect() as conn:
        context = chat_context(conn, contact)
    assert context is not None and context.consultation is not None and context.consultation.id == second
    assert context.dialogue_status == "invited" and context.state is not None  # the opening, stored
