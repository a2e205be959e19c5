"""End to end in Telegram: a business owner taps the consultation's Telegram link and answers every
question kind — with buttons and by typing, with a wrong answer, a stale button and a multi-choice
selection built up with toggles — and the answers are in the export.

Everything real except Telegram itself: the app on a live uvicorn server receives webhook POSTs shaped
like Telegram's, python-telegram-bot talks to the fake Bot API over HTTP, the outbox worker delivers.
"""

from __future__ import annotations

import csv
import io

from bot.bootstrap import App
from bot.services.export import export_csv
from bot.services.invites import invite_rows
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import LiveServer
from tests.scenario import municipality
from tests.telegram_support import Postman


def telegram_links(app: App, consultation_id: int) -> dict[str, str]:
    """Contact name -> Telegram deep link, from the invitation list an official hands out."""
    with app.session() as session:
        template = f"https://t.me/{app.settings.telegram_bot_username}?start={{code}}"
        rows = invite_rows(session, app, consultation_id, join_links={"telegram_link": template})
        session.commit()
    return {row[3]: row[7] for row in rows}


async def test_a_business_owner_answers_every_question_kind_in_telegram(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    town = municipality(telegram_app)
    link = telegram_links(telegram_app, town.consultation_id)["Anna Ek"]
    assert link.startswith(f"https://t.me/{telegram.username}?start=")
    code = link.split("?start=", 1)[1]
    assert 16 <= len(code) <= 64

    anna = telegram.person("Anna", language_code="sv")
    started = await anna.send(f"/start {code}")
    assert started is not None and started.status == 200
    await postman()
    intro, notice, affected = anna.inbox
    assert intro.text.startswith("Trafiken under byggtiden i Mörby centrum")
    assert "<b>Trafiken under byggtiden i Mörby centrum</b>" in intro.html
    assert "allmän handling" in notice.text
    assert affected.text.startswith("1/7\nPåverkas ert företag av ombyggnaden?")
    assert affected.buttons() == ["Ja", "Nej", "Berör oss inte"]

    # A wrong typed answer: a one-line hint, and the question again.
    await anna.send("kanske")
    await postman()
    hint, again = anna.inbox[-2:]
    assert hint.text.startswith("⚠️") and "ja eller nej" in hint.text
    assert again.text == affected.text and again.buttons() == affected.buttons()

    # Tapping "Ja" on the first copy answers; that keyboard becomes the answer, the next question comes.
    pressed = await anna.press(affected, "Ja")
    assert pressed is not None and pressed.json() == {
        "method": "answerCallbackQuery", "callback_query_id": pressed.update["callback_query"]["id"]}
    await postman()
    assert anna.inbox[2].buttons() == ["✓ Ja"]
    impact = anna.last
    assert impact.text.startswith("2/7\nHur mycket påverkas ni?")
    assert impact.buttons()[:5] == ["1", "2", "3", "4", "5"]

    # The copy sent after the wrong answer is stale now: a notice, and nothing changes.
    stale = await anna.press(again, "Nej")
    assert stale is not None and stale.json()["text"] == "Den knappen gäller inte längre."
    await postman()
    assert anna.last is impact and again.buttons() == ["Ja", "Nej", "Berör oss inte"]

    await anna.press(impact, "4")
    await postman()
    assert impact.buttons() == ["✓ 4"]
    concerns = anna.last
    assert concerns.text.startswith("3/7\nVad oroar er mest?")

    # Multi-choice: toggles update the same message in place; "Klar" records the selection.
    before = len(anna.inbox)
    for option in ("Leveranser", "Buller och damm", "✓ Leveranser", "Parkering för kunder"):
        await anna.press(concerns, option)
    await postman()
    assert len(anna.inbox) == before, "toggling sends no new messages"
    assert [b for b in concerns.buttons() if b.startswith("✓")] == ["✓ Parkering för kunder", "✓ Buller och damm"]
    assert concerns.edits == 4
    await anna.press(concerns, "Klar")
    await postman()
    assert concerns.buttons() == ["✓ Parkering för kunder, Buller och damm"]

    # Typing works for every kind: a choice by its text, a number with a space in it. A typed answer,
    # too, replaces its question's buttons with the answer.
    best_time = anna.last
    assert best_time.text.startswith("4/7\nNär stör arbetet er minst?")
    await anna.send("kväll")
    await postman()
    assert best_time.buttons() == ["✓ Kväll"]
    staff = anna.last
    assert staff.text.startswith("5/7\nHur många arbetar i verksamheten?")
    await anna.send("1 200")
    await postman()
    assert staff.buttons() == ["✓ 1 200"]
    start = anna.last
    assert start.text.startswith("6/7\nFrån vilket datum")
    await anna.press(start, "Hoppa över")
    await postman()
    assert start.buttons() == ["✓ Hoppa över"]
    assert anna.last.text.startswith("7/7\nNågot mer ni vill att kommunen ska veta?")
    comments = anna.last
    await anna.send("Tänk på <leveranser> & parkering före kl. 7")
    await postman()
    assert comments.buttons() == ["✓ Tänk på <leveranser> & parkering före kl. 7"]

    summary = anna.last
    assert summary.text.startswith("Här är dina svar:")
    assert "Tänk på <leveranser> & parkering före kl. 7" in summary.text
    assert "&lt;leveranser&gt; &amp; parkering" in summary.html
    assert "Ja, skicka in" in summary.buttons()
    await anna.press(summary, "Ja, skicka in")
    await postman()
    assert summary.buttons() == ["✓ Ja, skicka in"]
    assert anna.last.text.startswith("Tack! Dina svar är inskickade.")

    assert telegram.unanswered_callbacks() == [], "every button press was answered"
    with telegram_app.session() as session:
        rows = {row["contact_name"]: row for row in csv.DictReader(io.StringIO(export_csv(session, town.consultation_id)))}
    answered = rows["Anna Ek"]
    assert answered["channel"] == "telegram" and answered["status"] == "complete"
    assert {k: answered[k] for k in ("affected", "impact", "concerns", "best_time", "staff", "start", "comments")} == {
        "affected": "yes",
        "impact": "4",
        "concerns": "parking;noise",
        "best_time": "evening",
        "staff": "1200",
        "start": "",
        "comments": "Tänk på <leveranser> & parkering före kl. 7",
    }
    assert rows["Bo Ek"]["status"] == "invited" and rows["Bo Ek"]["affected"] == ""


async def test_a_code_typed_as_a_message_joins_too_and_an_english_speaker_gets_english(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    town = municipality(telegram_app)
    code = telegram_links(telegram_app, town.consultation_id)["Bo Ek"].split("?start=", 1)[1]
    bo = telegram.person("Bo", language_code="en")
    await bo.send("hello?")
    await postman()
    assert "personal link" in bo.last.text and "personliga länk" in bo.last.text

    await bo.send(f"  {code} ")
    await postman()
    assert bo.last.text.startswith("1/7\nWill the rebuilding affect your business?")
    await bo.press(bo.last, "Doesn't affect us")
    await postman()
    assert bo.last.text.startswith("Thank you for letting us know!")
    with telegram_app.session() as session:
        rows = {row["contact_name"]: row for row in csv.DictReader(io.StringIO(export_csv(session, town.consultation_id)))}
    assert rows["Bo Ek"]["status"] == "declined" and rows["Bo Ek"]["channel"] == "telegram"


async def test_typing_back_takes_the_buttons_of_the_question_left_and_asks_the_one_before_again(
    telegram_app: App, telegram_web: LiveServer, telegram: FakeTelegram, postman: Postman
) -> None:
    town = municipality(telegram_app)
    code = telegram_links(telegram_app, town.consultation_id)["Anna Ek"].split("?start=", 1)[1]
    anna = telegram.person("Anna", language_code="sv")
    await anna.send(f"/start {code}")
    await postman()
    affected = anna.last
    await anna.send("ja")
    await postman()
    assert affected.buttons() == ["✓ Ja"]
    impact = anna.last
    assert impact.text.startswith("2/7\nHur mycket påverkas ni?")

    await anna.send("/back")
    await postman()
    assert impact.buttons() == [], "a question left without an answer keeps no buttons"
    assert anna.last.text.startswith("1/7\nPåverkas ert företag av ombyggnaden?")
    assert "Nej" in anna.last.buttons()
