"""POST /webhooks/telegram on a live server: the secret, repeated and malformed deliveries, updates the
dialogue cannot use, joining with good and bad codes, stale buttons, blocked users — and polling instead
of a webhook, and `samrad telegram set-webhook`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot.bootstrap import App, build
from bot.cli.app import app as cli_app
from bot.clock import FixedClock
from bot.services import consultations
from bot.settings import get_settings
from storage.tables import (
    answers_table,
    channel_identities_table,
    contacts_table,
    invitations_table,
    outbox_table,
    processed_events_table,
)
from tests.fakes.telegram_api import FakeTelegram, FakeUser, group_message_update
from tests.live_server import LiveServer
from tests.scenario import BUSINESSES_CSV, municipality
from tests.telegram_support import WEBHOOK_SECRET, Postman, telegram_settings

NEED_LINK_SV = "För att svara behöver du din personliga länk"
NEED_LINK_EN = "To answer, you need your personal link"


def code_of(app: App, contact_id: int) -> str:
    with app.engine.connect() as conn:
        return str(conn.execute(
            sa.select(invitations_table.c.code).where(invitations_table.c.contact_id == contact_id)
        ).scalar_one())


def count(app: App, table: sa.Table) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


async def joined(app: App, telegram: FakeTelegram, postman: Postman, name: str = "Anna") -> FakeUser:
    """A business owner who tapped their link: the opening has arrived and the first question waits."""
    town = municipality(app)
    person = telegram.person(name)
    await person.send(f"/start {code_of(app, town.contact_ids[0])}")
    await postman()
    assert person.last.text.startswith("1/7")
    return person


# --- the secret -------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET[:-1]])
async def test_a_missing_or_wrong_secret_is_401_and_the_body_is_never_read(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, header: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = header
    anna = telegram.person("Anna")
    refused = await telegram.post(json.dumps(anna.message_update("/start")).encode(), headers)
    assert refused.status == 401
    garbage = await telegram.post(b"\x00 not even json", headers)
    assert garbage.status == 401  # refused before the body is parsed: 401, not 400
    assert count(telegram_app, processed_events_table) == 0 and count(telegram_app, outbox_table) == 0


async def test_without_a_configured_secret_every_update_is_refused(
    telegram: FakeTelegram, sqlite_engine: sa.Engine, clock: FixedClock, live_server: LiveServer
) -> None:
    """Chat ids are not secret: without a secret to check, an update could answer or opt out as anyone."""
    from bot.web.app import create_web_app

    app = build(telegram_settings(telegram, telegram_webhook_secret=None), clock=clock, engine=sqlite_engine)
    town = municipality(app)
    web = create_web_app(app)
    live_server.app.target = web
    try:
        anna = telegram.person("Anna")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}, {"X-Telegram-Bot-Api-Secret-Token": "x"}):
            call = await telegram.post(json.dumps(anna.message_update(f"/start {code_of(app, town.contact_ids[0])}")).encode(),
                                       headers, url=f"{live_server.url}/webhooks/telegram")
            assert call.status == 401
        assert count(app, processed_events_table) == 0 and count(app, channel_identities_table) == 0
    finally:
        live_server.app.target = None
        web.state.writer.stop()


async def test_with_the_channel_off_there_is_no_telegram_webhook(web: LiveServer, telegram: FakeTelegram) -> None:
    call = await telegram.post(b"{}", {}, url=f"{web.url}/webhooks/telegram")
    assert call.status == 404


async def test_the_webhook_takes_only_posts_and_stays_out_of_the_api_schema(telegram_web: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=telegram_web.url) as client:
        got = await client.get("/webhooks/telegram")
        schema = (await client.get("/openapi.json")).json()
    assert got.status_code == 405 and got.headers["allow"] == "POST"
    assert "/webhooks/telegram" not in schema["paths"]


# --- delivery: duplicates and malformed bodies --------------------------------------------------------


async def test_a_repeated_update_is_acknowledged_and_ignored(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    answer = anna.message_update("ja")
    first = await telegram.deliver(answer)
    again = await telegram.deliver(answer)  # Telegram retries when it missed our 200
    assert first is not None and again is not None and (first.status, again.status) == (200, 200)
    await postman()
    assert anna.last.text.startswith("2/7")
    assert anna.texts().count(anna.last.text) == 1, "the reply was queued once"
    assert count(telegram_app, answers_table) == 1

    # A repeated button press is still answered (the first answer may be what got lost).
    press = anna.press_update(anna.last, "4")
    await telegram.deliver(press)
    repeat = await telegram.deliver(press)
    assert repeat is not None and repeat.json()["callback_query_id"] == press["callback_query"]["id"]
    await postman()
    assert count(telegram_app, answers_table) == 2


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"update_id": "7"}', b'{"message": {"text": "hej"}}',
                                 b'{"update_id": 7, "message": {"text": "hej"}}'])
async def test_a_body_that_is_not_a_telegram_update_is_400_and_changes_nothing(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, raw: bytes
) -> None:
    call = await telegram.post(raw, {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert call.status == 400
    assert count(telegram_app, processed_events_table) == 0 and count(telegram_app, outbox_table) == 0


# --- updates the dialogue cannot use ------------------------------------------------------------------


async def test_stickers_photos_and_edits_get_a_polite_hint_and_lose_nothing(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    assert (await anna.send_sticker()).status == 200  # type: ignore[union-attr]
    await postman()
    assert anna.last.text == "Jag kan bara läsa text. Skriv ditt svar eller tryck på en knapp."
    await anna.send_photo(caption="ja")
    await postman()
    assert anna.last.text.startswith("Jag kan bara läsa text.")
    sent = anna.message_update("nej")
    await telegram.deliver(sent)
    await postman()
    assert "När stör arbetet er minst?" in anna.last.text  # "nej" answered: no questions about the impact
    await anna.edit(sent, "ja")
    await postman()
    assert anna.last.text.startswith("Jag läser inte ändrade meddelanden.")
    with telegram_app.engine.connect() as conn:
        assert conn.execute(sa.select(answers_table.c.value)).scalars().all() == [False]


async def test_group_messages_are_ignored_and_a_button_there_is_still_answered(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram
) -> None:
    call = await telegram.deliver(group_message_update(telegram, "/start hej"))
    assert call is not None and call.status == 200 and call.body == b""
    group_message = group_message_update(telegram, "Välj")["message"]
    query = telegram.new_callback()
    press = {"update_id": telegram.next_update_id(), "callback_query": {
        "id": query, "from": {"id": 77, "is_bot": False, "first_name": "G"}, "message": group_message,
        "chat_instance": "1", "data": "a:affected:yes"}}
    answered = await telegram.deliver(press)
    assert answered is not None and answered.status == 200
    assert telegram.answered(query) is not None
    assert count(telegram_app, outbox_table) == 0


# --- joining ----------------------------------------------------------------------------------------


async def test_start_without_a_code_or_with_a_bad_one_explains_how_to_get_a_link_in_both_languages(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    town = municipality(telegram_app, days_open=14)
    closed_code = code_of(telegram_app, town.contact_ids[1])
    with telegram_app.session() as session:
        consultations.close_consultation(session, town.consultation_id, now=telegram_app.clock(), actor="test")
        session.commit()
    replies = []
    for text in ("/start", "/start nonexistent-code-0000", f"/start {closed_code}", "/start <script>", "hej"):
        stranger = telegram.person("Okänd")
        await stranger.send(text)
        await postman()
        (reply,) = stranger.inbox
        replies.append(reply.text)
    assert NEED_LINK_SV in replies[0] and NEED_LINK_EN in replies[0]
    assert len(set(replies)) == 1, "an expired code is answered exactly like one that never existed"
    assert count(telegram_app, channel_identities_table) == 0


async def test_start_in_a_known_chat_resumes_where_the_person_left_off(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    await anna.send("ja")
    await postman()
    question = anna.last.text
    await anna.send("/start")
    await postman()
    assert anna.last.text == question
    await anna.send("/start not-a-real-code-1234")
    await postman()
    assert NEED_LINK_SV in anna.inbox[-2].text and anna.last.text == question


async def test_a_new_code_moves_a_chat_to_another_contact(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    town = municipality(telegram_app)
    phone = telegram.person("Anna och Cilla")
    for contact_id in (town.contact_ids[0], town.contact_ids[2]):
        await phone.send(f"/start {code_of(telegram_app, contact_id)}")
        await postman()
    with telegram_app.engine.connect() as conn:
        bound = conn.execute(sa.select(channel_identities_table.c.contact_id)).scalars().all()
    assert bound == [town.contact_ids[2]]


# --- buttons ----------------------------------------------------------------------------------------


async def test_a_stale_or_answered_button_gets_a_short_notice_and_changes_nothing(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    first = anna.last
    await anna.press(first, "Ja")
    await postman()
    inbox = len(anna.inbox)
    for label in ("✓ Ja",):  # the answered keyboard's one button
        call = await anna.press(first, label)
        assert call is not None and call.json()["text"] == "Den knappen gäller inte längre."
    await anna.press(anna.last, "3")
    await postman()
    scale = anna.inbox[-2]
    assert scale.buttons() == ["✓ 3"]
    stale = anna.press_update(scale, "✓ 3")
    stale["callback_query"]["data"] = "a:impact:5"  # an old keyboard's button, still pressable
    call = await telegram.deliver(stale)
    assert call is not None and call.json()["text"] == "Den knappen gäller inte längre."
    await postman()
    assert len(anna.inbox) == inbox + 1
    with telegram_app.engine.connect() as conn:
        values = dict(conn.execute(sa.select(answers_table.c.question_id, answers_table.c.value)).all())
    assert values == {"affected": True, "impact": 3}
    assert telegram.unanswered_callbacks() == []


async def test_a_button_on_a_message_older_than_the_dialogue_is_stale_even_for_the_same_question(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman, clock: FixedClock
) -> None:
    """A keyboard left over from an earlier consultation whose first question had the same id as the one
    asked now: its message was sent before this dialogue began, so a press on it answers nothing."""
    anna = await joined(telegram_app, telegram, postman)
    question = anna.last
    question.date = int((clock.now - dt.timedelta(minutes=5)).timestamp())  # as Telegram dated the old one
    call = await anna.press(question, "Ja")
    assert call is not None and call.json()["text"] == "Den knappen gäller inte längre."
    assert count(telegram_app, answers_table) == 0

    # Within the clocks' tolerance the message counts as this dialogue's own.
    question.date = int((clock.now - dt.timedelta(seconds=30)).timestamp())
    call = await anna.press(question, "Ja")
    assert call is not None and call.json() == {"method": "answerCallbackQuery", "callback_query_id": call.update["callback_query"]["id"]}
    await postman()
    assert count(telegram_app, answers_table) == 1


async def test_a_press_from_a_chat_nobody_is_bound_to_is_answered_as_stale(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    with telegram_app.engine.begin() as conn:
        conn.execute(channel_identities_table.delete())  # as when the contact is erased
    call = await anna.press(anna.last, "Ja")
    assert call is not None and call.json()["text"] == "Den knappen gäller inte längre."
    assert count(telegram_app, answers_table) == 0


# --- blocked users ----------------------------------------------------------------------------------


async def test_blocking_the_bot_marks_the_contact_unreachable_and_unblocking_undoes_it(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)

    def reachability() -> tuple[object, object]:
        with telegram_app.engine.connect() as conn:
            row = conn.execute(sa.select(contacts_table.c.unreachable_at, contacts_table.c.unreachable_reason)
                               .join(channel_identities_table,
                                     channel_identities_table.c.contact_id == contacts_table.c.id)).one()
        return row.unreachable_at, row.unreachable_reason

    assert (await anna.block()).status == 200  # type: ignore[union-attr]
    assert reachability() == (telegram_app.clock(), "telegram: blocked the bot")
    assert (await anna.unblock()).status == 200  # type: ignore[union-attr]
    assert reachability() == (None, None)


async def test_a_reply_to_someone_who_blocked_the_bot_meanwhile_fails_as_unreachable(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    anna.chat.blocked = True  # blocked, and the my_chat_member update has not arrived yet
    await anna.send("ja")
    await postman()
    with telegram_app.engine.connect() as conn:
        status, error = conn.execute(sa.select(outbox_table.c.status, outbox_table.c.last_error)
                                     .order_by(outbox_table.c.id.desc()).limit(1)).one()
        unreachable = conn.execute(sa.select(contacts_table.c.unreachable_at)
                                   .where(contacts_table.c.unreachable_at.is_not(None))).scalars().all()
    assert status == "failed" and "blocked" in (error or "")
    assert len(unreachable) == 1


# --- polling instead of a webhook ---------------------------------------------------------------------


async def test_polling_mode_fetches_updates_and_answers_presses_itself(
    telegram: FakeTelegram, sqlite_engine: sa.Engine, clock: FixedClock
) -> None:
    app = build(telegram_settings(telegram, telegram_mode="polling"), clock=clock, engine=sqlite_engine)
    telegram.webhook_url = "https://old.example/webhooks/telegram"  # polling replaces it
    from adapters.telegram import TelegramChannel
    from bot.web.app import create_web_app
    from tests.telegram_support import Postman as Carrier

    carrier = Carrier(app, TelegramChannel(telegram.token, api_url=telegram.url))
    carrier.worker.start()
    try:
        web = create_web_app(app)  # its lifespan runs the polling loop, as in `samrad serve`
        async with web.router.lifespan_context(web):
            await _until(lambda: telegram.webhook_url is None)  # getUpdates works only without a webhook
            town = municipality(app)
            anna = telegram.person("Anna")
            await anna.send(f"/start {code_of(app, town.contact_ids[0])}")  # waits for getUpdates
            await _until(lambda: len(anna.inbox) == 3)
            query = anna.press_update(anna.last, "Ja")
            await telegram.deliver(query)
            await _until(lambda: anna.inbox[2].buttons() == ["✓ Ja"] and len(anna.inbox) == 4)
            assert telegram.answered(query["callback_query"]["id"]) is not None
            assert not any(c.via_webhook_response for c in telegram.calls_to("answerCallbackQuery"))
    finally:
        await carrier.worker.stop()
        await carrier.channel.aclose()


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
    return True


# --- the command line --------------------------------------------------------------------------------


@pytest.fixture
def samrad_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, telegram: FakeTelegram) -> Iterator[CliRunner]:
    monkeypatch.setenv("SAMRAD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAMRAD_SECRET_KEY", "cli-secret")
    monkeypatch.setenv("SAMRAD_PUBLIC_URL", "https://samrad.example")
    monkeypatch.setenv("SAMRAD_TELEGRAM_TOKEN", telegram.token)
    monkeypatch.setenv("SAMRAD_TELEGRAM_API_URL", telegram.url)
    monkeypatch.setenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.delenv("SAMRAD_TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    yield runner
    get_settings.cache_clear()


def test_set_webhook_registers_the_url_secret_update_types_and_command_menu(
    samrad_env: CliRunner, telegram: FakeTelegram
) -> None:
    result = samrad_env.invoke(cli_app, ["telegram", "set-webhook"])
    assert result.exit_code == 0, result.stderr
    assert "https://samrad.example/webhooks/telegram" in result.stdout
    assert (telegram.webhook_url, telegram.webhook_secret) == ("https://samrad.example/webhooks/telegram",
                                                               WEBHOOK_SECRET)
    assert telegram.allowed_updates == ["message", "edited_message", "callback_query", "my_chat_member"]
    assert [c["command"] for c in telegram.commands[""]] == ["help", "skip", "back", "stop"]
    assert telegram.commands[""][0]["description"] == "Hjälp och kommandon"
    assert telegram.commands["en"][0]["description"] == "Help and commands"


def test_set_webhook_refuses_without_a_secret_or_a_token(
    samrad_env: CliRunner, monkeypatch: pytest.MonkeyPatch, telegram: FakeTelegram
) -> None:
    monkeypatch.delenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET")
    get_settings.cache_clear()
    result = samrad_env.invoke(cli_app, ["telegram", "set-webhook"])
    assert result.exit_code == 1 and "SAMRAD_TELEGRAM_WEBHOOK_SECRET" in result.stderr
    monkeypatch.delenv("SAMRAD_TELEGRAM_TOKEN")
    get_settings.cache_clear()
    result = samrad_env.invoke(cli_app, ["telegram", "set-webhook"])
    assert result.exit_code == 1 and "SAMRAD_TELEGRAM_TOKEN" in result.stderr
    assert telegram.webhook_url is None
    telegram.fail_next("setWebhook", 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    monkeypatch.setenv("SAMRAD_TELEGRAM_TOKEN", telegram.token)
    monkeypatch.setenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    result = samrad_env.invoke(cli_app, ["telegram", "set-webhook", "--url", "http://insecure.example/hook"])
    assert result.exit_code == 1 and "an https url must be provided" in result.stderr.lower()


def test_invites_ask_telegram_for_the_bot_s_name_when_it_is_not_configured(
    samrad_env: CliRunner, tmp_path: Path, telegram: FakeTelegram
) -> None:
    import datetime as dt

    from tests.scenario import consultation_yaml

    (tmp_path / "b.csv").write_text(BUSINESSES_CSV, encoding="utf-8")
    yaml = consultation_yaml(closes=dt.datetime.now(dt.UTC) + dt.timedelta(days=14))
    (tmp_path / "c.yaml").write_text(yaml, encoding="utf-8")
    assert samrad_env.invoke(cli_app, ["business", "import", "b.csv"]).exit_code == 0
    created = samrad_env.invoke(cli_app, ["consultation", "create", "c.yaml"])
    consultation_id = created.stdout.strip().splitlines()[-1]
    samrad_env.invoke(cli_app, ["consultation", "open", consultation_id])
    invites = samrad_env.invoke(cli_app, ["consultation", "invites", consultation_id])
    assert invites.exit_code == 0, invites.stderr
    links = [line.split(",")[7] for line in invites.stdout.splitlines()[1:]]
    assert links and all(link.startswith(f"https://t.me/{telegram.username}?start=") for link in links)
    assert telegram.calls_to("getMe")


async def test_the_healthy_app_still_starts_without_a_token(web: LiveServer) -> None:
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{web.url}/healthz")).status_code == 200


# --- hostile updates: 400 or stored cleaned, never a 5xx ------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"update_id": ' + b"7" * 5_000 + b"}", b"\xff\xfe not utf-8"],
    ids=["deep nesting", "5000-digit integer", "not UTF-8"],
)
async def test_a_hostile_body_with_the_right_secret_is_a_400(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, raw: bytes
) -> None:
    call = await telegram.post(raw, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert call.status == 400
    assert count(telegram_app, processed_events_table) == 0


async def test_a_body_larger_than_any_update_is_refused_unread(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram
) -> None:
    call = await telegram.post(b" " * (2 << 20), {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert call.status == 413


async def test_a_lone_surrogate_and_nul_in_a_message_are_stored_cleaned(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    anna = await joined(telegram_app, telegram, postman)
    update = anna.message_update("x")
    update["message"]["text"] = "ja\ud800\x00"
    raw = json.dumps(update).encode()  # JSON carries the lone surrogate as \ud800
    call = await telegram.post(raw, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"})
    assert call.status == 200
    await postman()
    assert anna.last.text.startswith("1/7")  # not an answer: the hint and the question came again
    assert count(telegram_app, processed_events_table) == 2


def test_samrad_serve_refuses_to_start_a_webhook_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMRAD_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("SAMRAD_TELEGRAM_TOKEN", "4242:a-token")
    monkeypatch.delenv("SAMRAD_TELEGRAM_WEBHOOK_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    refused = runner.invoke(cli_app, ["serve", "--port", "1"])
    get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "SAMRAD_TELEGRAM_WEBHOOK_SECRET is not set" in refused.output
    assert "4242:a-token" not in refused.output
