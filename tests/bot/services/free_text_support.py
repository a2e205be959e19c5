"""A consultation with free-text answers: a business per answer, each answering the demo consultation's
text question ("comments") on the web page, as the answer page stores it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.bootstrap import App
from bot.services.dialogues import load_consultation, load_contact
from conversations.messages import ChoiceIn, CommandIn, Inbound
from tests import scenario

SWEDISH = (
    "Det finns för få parkeringsplatser för våra kunder",
    "Parkeringen vid torget är alltid full på förmiddagen",
    "Kunderna hittar ingen parkering nära butiken",
    "Ta inte bort parkeringsplatserna på Storgatan",
    "Vi vill ha längre öppettider på kvällarna",
    "Kvällsöppet på torsdagar skulle locka fler kunder",
    "Butikerna borde ha öppet senare på kvällen",
    "Öppettiderna i centrum är för korta, stänger redan klockan sex",
    "Vägarbetet på Kungsvägen gör att kunderna får gå en lång omväg",
    "Omledningen av trafiken under vägarbetena är dåligt skyltad",
    "Gatuarbetena har pågått i månader och stör leveranserna",
    "Skylta omvägen bättre medan vägen är avstängd för arbeten",
)
# The demo consultation's questions before its text question, answered in order as the page asks them.
BEFORE_COMMENTS = {"affected": "yes", "impact": "4", "concerns": "deliveries", "best_time": "evening",
                   "staff": "12", "start": "2025-03-15"}
PARKING, EVENING, ROADWORKS = (0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)


@dataclass(frozen=True)
class FreeText:
    consultation_id: int
    contact_ids: list[int]  # contact_ids[i] wrote texts[i]


def businesses_csv(count: int) -> str:
    header = "org_number,name,industry,area,tags,contact_name,contact_email,contact_phone,language,slack_user_id,teams_webhook_url\n"
    rows = "".join(
        f"{_org_number(i)},Företag {chr(65 + i)} AB,47761,Mörby,,Ägare {chr(65 + i)},agare{i}@foretag.example,,sv,,\n"
        for i in range(count)
    )
    return header + rows


def _org_number(index: int) -> str:
    """A valid organisation number (Luhn check digit) per index."""
    digits = f"55{index:07d}"
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    check = (10 - total % 10) % 10
    return f"{digits[:6]}-{digits[6:]}{check}"


def with_free_text(app: App, texts: tuple[str, ...] = SWEDISH) -> FreeText:
    scenario.import_businesses(app, businesses_csv(len(texts)))
    consultation_id = scenario.open_consultation(
        app, scenario.consultation_yaml(closes=app.clock() + dt.timedelta(days=14))
    )
    contact_ids = scenario.invited_contacts(app, consultation_id)
    assert len(contact_ids) == len(texts)
    for contact_id, text in zip(contact_ids, texts, strict=True):
        for question_id, value in BEFORE_COMMENTS.items():
            write(app, consultation_id, contact_id, value, question_id=question_id)
        write(app, consultation_id, contact_id, text)
    return FreeText(consultation_id, contact_ids)


def take_back(app: App, consultation_id: int, contact_id: int, question_id: str = "comments") -> None:
    """The contact goes back to the question and skips it: the stored answer is deleted."""
    _send(app, consultation_id, contact_id, [CommandIn("change", question_id), CommandIn("skip")])


def write(
    app: App, consultation_id: int, contact_id: int, text: str, *, question_id: str = "comments", again: bool = False
) -> None:
    """The contact answers `question_id` on the web page; `again`: changes an earlier answer to it."""
    steps: list[Inbound] = [CommandIn("change", question_id)] if again else []
    _send(app, consultation_id, contact_id, [*steps, ChoiceIn(question_id, (text,))])


def _send(app: App, consultation_id: int, contact_id: int, steps: list[Inbound]) -> None:
    with app.engine.begin() as conn:
        contact, consultation = load_contact(conn, contact_id), load_consultation(conn, consultation_id)
        assert contact is not None and consultation is not None
        for step in steps:
            app.dialogues.answer(conn, contact, consultation, step, channel="web", now=app.clock())
