"""The web answer page /c/{token}, driven through the real HTTP stack (uvicorn, FastAPI) as a browser
without JavaScript would: GET the page, read its form, POST what a person would choose or type.

Each test runs once on SQLite and once on PostgreSQL (the `app` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
import pytest
import sqlalchemy as sa

from bot.bootstrap import App
from bot.clock import FixedClock
from bot.links import answer_token
from bot.services import consultations, contacts
from bot.services.export import export_csv, export_json
from conversations.consultation_file import load_consultation_file
from storage.tables import answers_table, contacts_table, dialogues_table
from tests.live_server import LiveServer
from tests.scenario import Municipality, consultation_yaml, municipality

DAYS_OPEN = 14  # the demo consultation closes two weeks after the test clock's "now"


# --- reading a page ----------------------------------------------------------------------------------

VOID = {"input", "meta", "link", "br", "img", "hr", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page:
    """What a person (or a screen reader) gets from one response."""

    status: int
    html: str
    lang: str = ""
    title: str = ""
    inputs: list[Element] = field(default_factory=list)  # input and textarea, in document order
    buttons: list[Element] = field(default_factory=list)
    labels: list[Element] = field(default_factory=list)
    legends: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)  # text inside role="alert"
    text: str = ""  # everything visible in <body>, whitespace collapsed

    def field(self, name: str) -> list[Element]:
        return [e for e in self.inputs if e.attrs.get("name") == name]

    def hidden(self, name: str) -> str:
        return next(e.attrs["value"] for e in self.field(name) if e.attrs.get("type") == "hidden")

    def label_of(self, element: Element) -> str:
        """The accessible name a form control gets from its <label for=…>."""
        return next((lab.text for lab in self.labels if lab.attrs.get("for") == element.attrs.get("id")), "")

    def options(self) -> dict[str, str]:
        """Radio buttons and checkboxes of the answer: value -> label."""
        return {e.attrs["value"]: self.label_of(e) for e in self.field("answer")
                if e.attrs.get("type") in ("radio", "checkbox")}

    def checked(self) -> list[str]:
        return [e.attrs["value"] for e in self.field("answer") if "checked" in e.attrs]

    def value(self) -> str:
        """The pre-filled value of a text, number, date or textarea answer."""
        (element,) = [e for e in self.field("answer") if e.tag == "textarea" or e.attrs.get("type") in
                      ("text", "date")]
        return element.text if element.tag == "textarea" else element.attrs.get("value", "")

    def commands(self) -> dict[str, str]:
        """The command buttons by accessible name (their aria-label, else their text) -> value."""
        return {b.attrs.get("aria-label") or b.text: b.attrs["value"] for b in self.buttons
                if b.attrs.get("name") == "command"}


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[str] = []
        self.open: list[tuple[int, Element, list[str]]] = []  # elements whose text is being collected
        self.body: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        element = Element(tag, attributes)
        if tag == "html":
            self.page.lang = attributes.get("lang", "")
        if tag == "body":
            self.in_body = True
        if tag == "input":
            self.page.inputs.append(element)
        collected = {"textarea": self.page.inputs, "button": self.page.buttons, "label": self.page.labels}
        if tag in collected:
            collected[tag].append(element)
            self.open.append((len(self.stack), element, []))
        elif tag in ("legend", "title") or attributes.get("role") == "alert":
            self.open.append((len(self.stack), element, []))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or tag not in self.stack:
            return
        while self.stack and self.stack.pop() != tag:
            pass
        while self.open and self.open[-1][0] >= len(self.stack):
            _, element, parts = self.open.pop()
            text = " ".join("".join(parts).split()) if element.tag != "textarea" else "".join(parts)
            element.text = text
            if element.tag == "legend":
                self.page.legends.append(text)
            elif element.tag == "title":
                self.page.title = text
            elif element.attrs.get("role") == "alert":
                self.page.alerts.append(text)

    def handle_data(self, data: str) -> None:
        for _, _, parts in self.open:
            parts.append(data)
        if self.in_body:
            self.body.append(data)


def read_page(response: httpx.Response) -> Page:
    page = Page(response.status_code, response.text)
    reader = _Reader(page)
    reader.feed(response.text)
    reader.close()
    page.text = " ".join(" ".join(reader.body).split())
    return page


# --- a business owner with a link --------------------------------------------------------------------


class Visitor:
    """A person with one personal link, using the page the way its form allows."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self.client = client
        self.url = url
        self.page: Page | None = None

    def open(self, *, lang: str | None = None) -> Page:
        self.page = read_page(self.client.get(self.url, params={"lang": lang} if lang else None))
        return self.page

    def post(self, data: dict[str, str | list[str]]) -> Page:
        response = self.client.post(self.url, data=data)
        if response.status_code == 303:
            response = self.client.get(str(response.url.join(response.headers["location"])))
        self.page = read_page(response)
        return self.page

    def _form(self) -> dict[str, str | list[str]]:
        """The hidden fields a browser sends along (which question, which language)."""
        assert self.page is not None, "open the page first"
        return {e.attrs["name"]: e.attrs["value"] for e in self.page.inputs if e.attrs.get("type") == "hidden"}

    def answer(self, *values: str) -> Page:
        """Fill in the question on the page and press "Next" (or a confirm button's value)."""
        return self.post({**self._form(), "answer": list(values)})

    def press(self, label: str) -> Page:
        """Press a command button by its visible label."""
        assert self.page is not None
        commands = self.page.commands()
        assert label in commands, f"no button {label!r} on the page; there are {sorted(commands)}"
        return self.post({**self._form(), "command": commands[label]})


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def link(app: App, web: LiveServer, contact_id: int, consultation_id: int) -> str:
    return app.answer_url(contact_id, consultation_id).replace(app.settings.public_url, web.url)


@pytest.fixture
def town(app: App) -> Municipality:
    return municipality(app, days_open=DAYS_OPEN)


@pytest.fixture
def anna(app: App, web: LiveServer, client: httpx.Client, town: Municipality) -> Visitor:
    """Anna Ek of Mörby Bageri, invited to the demo consultation (Swedish)."""
    return Visitor(client, link(app, web, town.contact_ids[0], town.consultation_id))


def stored_answers(app: App, contact_id: int) -> dict[str, object]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(answers_table.c.question_id, answers_table.c.value)
                            .where(answers_table.c.contact_id == contact_id))
        return {row.question_id: row.value for row in rows}


def exported(app: App, consultation_id: int, contact_name: str) -> dict[str, str]:
    with app.session() as session:
        rows = list(csv.DictReader(io.StringIO(export_csv(session, consultation_id))))
    return next(row for row in rows if row["contact_name"] == contact_name)


def dialogue_count(app: App) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(dialogues_table)).scalar_one())


def answer_until(visitor: Visitor, question_id: str) -> Page:
    """Answer the demo consultation (affected) up to the question `question_id`."""
    answers = {"affected": ["yes"], "impact": ["4"], "concerns": ["deliveries", "noise"], "best_time": ["evening"],
               "staff": ["1 200"], "start": ["2025-03-15"], "comments": ["Leveranser före kl. 7."]}
    page = visitor.page or visitor.open()
    while page.hidden("question_id") != question_id:
        page = visitor.answer(*answers[page.hidden("question_id")])
        assert page.status == 200, page.alerts
    return page


# --- the first visit ---------------------------------------------------------------------------------


def test_a_first_visit_shows_the_intro_the_public_documents_notice_and_question_one(
    app: App, anna: Visitor
) -> None:
    page = anna.open()

    assert page.status == 200
    assert page.lang == "sv"
    assert "Trafiken under byggtiden i Mörby centrum" in page.title
    assert "Kommunen ska bygga om gator och torg i Mörby centrum" in page.text
    assert "allmän handling" in page.text and "offentlighetsprincipen" in page.text
    assert page.legends == ["Påverkas ert företag av ombyggnaden?"]
    assert "Fråga 1 av 7" in page.text
    assert page.options() == {"yes": "Ja", "no": "Nej"}
    assert all(e.attrs["type"] == "radio" for e in page.field("answer"))
    assert page.hidden("question_id") == "affected"
    assert page.commands() == {"Berör oss inte": "decline"}  # nothing to go back to, nothing to skip
    assert dialogue_count(app) == 0, "looking at the page is not an answer"


# --- answering ---------------------------------------------------------------------------------------


def test_every_kind_of_question_is_answered_through_the_form_and_stored_typed(
    app: App, anna: Visitor, town: Municipality
) -> None:
    anna.open()
    page = anna.answer("yes")
    assert page.legends == ["Hur mycket påverkas ni? (1 = lite, 5 = mycket)"]
    assert page.options() == {str(n): str(n) for n in range(1, 6)}

    page = anna.answer("4")
    assert page.legends == ["Vad oroar er mest?"]
    assert all(e.attrs["type"] == "checkbox" for e in page.field("answer"))
    assert page.options()["parking"] == "Parkering för kunder"
    assert "Klar" not in page.commands(), "the checkboxes are sent with Next; no second 'done' button"

    page = anna.answer("deliveries", "noise")
    assert page.options() == {"morning": "Morgon", "daytime": "Dagtid", "evening": "Kväll", "night": "Natt"}

    page = anna.answer("evening")
    (staff,) = page.field("answer")
    assert page.label_of(staff) == "Hur många arbetar i verksamheten?"

    page = anna.answer("1 200")
    (start,) = page.field("answer")
    assert start.attrs["type"] == "text"  # read by the chat's parser, as its hint promises
    assert page.label_of(start).startswith("Från vilket datum skulle arbetet passa er bäst?")

    page = anna.answer("2025-03-15")
    (comments,) = page.field("answer")
    assert comments.tag == "textarea"

    page = anna.answer("Leveranser före kl. 7, tack.")
    assert "Kontrollera dina svar" in page.text
    assert "4 av 5" in page.text and "Leveranser, Buller och damm" in page.text and "15 mars 2025" in page.text

    page = anna.answer("yes")  # "Ja, skicka in"
    assert page.status == 200
    assert "Tack! Dina svar är inskickade." in page.text

    assert stored_answers(app, town.contact_ids[0]) == {
        "affected": True, "impact": 4, "concerns": ["deliveries", "noise"], "best_time": "evening",
        "staff": 1200, "start": "2025-03-15", "comments": "Leveranser före kl. 7, tack.",
    }
    row = exported(app, town.consultation_id, "Anna Ek")
    assert row["status"] == "complete" and row["channel"] == "web"
    assert row["concerns"] == "deliveries;noise" and row["affected"] == "yes" and row["start"] == "2025-03-15"


def test_a_date_can_be_typed_the_way_people_write_it(app: App, anna: Visitor, town: Municipality) -> None:
    # A browser without a date picker posts what was typed into the field.
    answer_until(anna, "start")

    page = anna.answer("15 mars")

    assert page.status == 200
    assert stored_answers(app, town.contact_ids[0])["start"] == "2025-03-15"


def test_an_optional_question_can_be_skipped_and_a_required_one_cannot(
    app: App, anna: Visitor, town: Municipality
) -> None:
    page = answer_until(anna, "staff")
    assert "Hoppa över" not in page.commands()

    page = answer_until(anna, "start")
    assert "(frivillig)" in page.text
    page = anna.press("Hoppa över")

    assert page.field("answer")[0].tag == "textarea"  # on to the comments
    assert "start" not in stored_answers(app, town.contact_ids[0])
    page = anna.press("Hoppa över")
    assert "Från vilket datum skulle arbetet passa er bäst? (hoppade över)" in page.text


def test_an_optional_field_left_empty_is_skipped_with_next(app: App, anna: Visitor, town: Municipality) -> None:
    answer_until(anna, "comments")

    page = anna.answer("")  # nothing written; "Nästa"

    assert page.status == 200 and page.hidden("question_id") == "_submit"


def test_back_shows_the_earlier_answer_already_filled_in(app: App, anna: Visitor, town: Municipality) -> None:
    answer_until(anna, "start")

    page = anna.press("Tillbaka")
    assert page.value() == "1200"
    page = anna.press("Tillbaka")
    assert page.checked() == ["evening"]
    page = anna.press("Tillbaka")
    assert page.checked() == ["deliveries", "noise"]
    page = anna.press("Tillbaka")
    assert page.checked() == ["4"]

    page = anna.answer("5")  # a new answer here; everything after it is kept and not asked again
    assert page.hidden("question_id") == "start"
    assert stored_answers(app, town.contact_ids[0])["impact"] == 5
    assert stored_answers(app, town.contact_ids[0])["staff"] == 1200


def test_invalid_input_is_refused_with_a_hint_and_nothing_is_lost(
    app: App, anna: Visitor, town: Municipality
) -> None:
    answer_until(anna, "concerns")

    page = anna.answer()  # no box ticked
    assert page.status == 422
    assert page.alerts and "Välj minst ett alternativ" in page.alerts[0]
    assert page.title.startswith("Fel: ")
    assert page.hidden("question_id") == "concerns"
    assert page.field("answer")[0].attrs.get("aria-invalid") == "true"

    answer_until(anna, "staff")
    page = anna.answer("ganska många")
    assert page.status == 422
    assert page.alerts[0] == "”ganska många” är inte ett tal. Skriv bara siffror, t.ex. 12."
    assert page.value() == "ganska många"  # kept, to be corrected rather than typed again
    assert "Svara med ett heltal 0–100000." in page.text  # the hint stays beside it
    (staff,) = page.field("answer")
    described = staff.attrs["aria-describedby"].split()
    assert "errors" in described
    assert all(f'id="{name}"' in page.html for name in described)
    assert "autofocus" in staff.attrs

    page = anna.answer("-3")
    assert page.status == 422 and page.hidden("question_id") == "staff"

    page = anna.answer("12")
    assert page.status == 200 and not page.alerts
    assert stored_answers(app, town.contact_ids[0]) == {
        "affected": True, "impact": 4, "concerns": ["deliveries", "noise"], "best_time": "evening", "staff": 12,
    }


def test_a_stale_form_sent_again_changes_nothing(app: App, anna: Visitor, town: Municipality) -> None:
    first = anna.open()
    anna.answer("yes")
    anna.answer("4")

    # The browser's back button shows the first question again; the person sends "no" from it.
    anna.page = first
    page = anna.answer("no")

    assert page.status == 200
    assert "inget ändrades" in page.text
    assert page.hidden("question_id") == "concerns"
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True, "impact": 4}


def test_an_answer_is_changed_from_the_summary_and_then_sent(app: App, anna: Visitor, town: Municipality) -> None:
    answer_until(anna, "comments")
    page = anna.press("Hoppa över")
    assert page.hidden("question_id") == "_submit"
    assert [b.text for b in page.buttons if b.attrs.get("name") == "answer"] == ["Ja, skicka in"]

    page = anna.press("Ändra: Påverkas ert företag av ombyggnaden?")  # -> now no
    assert page.checked() == ["yes"]
    page = anna.answer("no")
    assert "Det har tagits bort" in page.text  # the impact and concerns no longer apply
    assert page.hidden("question_id") == "_submit"

    page = anna.press("Ändra: När stör arbetet er minst?")
    assert page.checked() == ["evening"]
    page = anna.answer("morning")
    assert "Morgon" in page.text

    page = anna.answer("yes")
    assert "Tack! Dina svar är inskickade." in page.text
    row = exported(app, town.consultation_id, "Anna Ek")
    assert (row["status"], row["affected"], row["impact"], row["concerns"], row["best_time"]) == (
        "complete", "no", "", "", "morning")


def test_a_sent_response_can_be_opened_again_and_changed(app: App, anna: Visitor, town: Municipality) -> None:
    answer_until(anna, "comments")
    anna.answer("Inget mer.")
    anna.answer("yes")

    page = anna.open()  # coming back later
    assert "Dina svar är inskickade" in page.text
    page = anna.press("Ändra mina svar")

    assert page.hidden("question_id") == "_submit"
    page = anna.press("Ändra: Hur många arbetar i verksamheten?")
    assert page.value() == "1200"
    page = anna.answer("15")
    page = anna.answer("yes")
    assert "Tack! Dina svar är inskickade." in page.text
    assert stored_answers(app, town.contact_ids[0])["staff"] == 15


def test_a_business_that_is_not_affected_declines(app: App, anna: Visitor, town: Municipality) -> None:
    anna.open()

    page = anna.press("Berör oss inte")  # asks first: one tap should not end the dialogue
    assert page.status == 200 and "Berör ärendet inte ditt företag?" in page.text
    assert exported(app, town.consultation_id, "Anna Ek")["status"] == "invited"
    assert 'href="/c/' in page.html and "Nej, tillbaka till frågorna" in page.text

    page = anna.press("Ja, det berör oss inte")

    assert page.status == 200
    assert "det här inte berör ditt företag" in page.text
    assert not page.field("answer")
    assert exported(app, town.consultation_id, "Anna Ek")["status"] == "declined"
    assert "det här inte berör ditt företag" in anna.open().text

    page = anna.press("Svara ändå")
    assert page.hidden("question_id") == "affected"


def test_the_page_switches_to_english_and_stays_english(app: App, anna: Visitor, town: Municipality) -> None:
    page = anna.open(lang="en")
    assert page.lang == "en"
    assert "Traffic during the construction in Mörby centrum" in page.title
    assert "may become a public document" in page.text
    assert page.legends == ["Will the rebuilding affect your business?"]
    assert page.options() == {"yes": "Yes", "no": "No"}
    assert "Question 1 of 7" in page.text
    assert page.hidden("lang") == "en"
    assert 'href="?lang=sv"' in page.html and "På svenska" in page.text

    page = anna.answer("yes")
    assert page.lang == "en"
    assert page.legends == ["How much are you affected? (1 = a little, 5 = a lot)"]

    page = anna.open()  # the link again, without ?lang: the dialogue remembers English
    assert page.lang == "en" and page.legends == ["How much are you affected? (1 = a little, 5 = a lot)"]

    page = anna.answer("9")
    assert page.status == 422 and page.title.startswith("Error: ")
    assert "1–5" in page.alerts[0]

    page = anna.open(lang="sv")
    assert page.legends == ["Hur mycket påverkas ni? (1 = lite, 5 = mycket)"]


# --- links that do not lead to a consultation ---------------------------------------------------------


def assert_not_found(page: Page) -> None:
    assert page.status == 404
    assert "Länken fungerar inte" in page.text and "This link does not work" in page.text
    for secret in ("Mörby", "Trafiken", "Anna", "Bageri", "Danderyd"):
        assert secret not in page.html
    assert not page.inputs


def test_an_altered_or_made_up_link_is_not_found_and_says_nothing(
    app: App, web: LiveServer, client: httpx.Client, anna: Visitor, town: Municipality
) -> None:
    token = anna.url.rsplit("/", 1)[1]
    now = app.clock()
    altered = [
        token[:10] + ("A" if token[10] != "A" else "B") + token[11:],  # one character changed
        answer_token("another-secret", town.contact_ids[0], town.consultation_id, now=now),  # another key
        answer_token("test-secret", 999, town.consultation_id, now=now),  # no such contact
        answer_token("test-secret", town.contact_ids[0], 999, now=now),  # no such consultation
        "not-a-token",
    ]
    for bad in altered:
        url = f"{web.url}/c/{bad}"
        assert_not_found(read_page(client.get(url)))
        assert_not_found(read_page(client.post(url, data={"question_id": "affected", "answer": "yes", "lang": ""})))

    assert dialogue_count(app) == 0


def test_a_contact_not_invited_to_the_consultation_is_not_found(
    app: App, web: LiveServer, client: httpx.Client, town: Municipality
) -> None:
    with app.engine.connect() as conn:
        dan = conn.execute(sa.select(contacts_table.c.id).where(contacts_table.c.name == "Dan Ro")).scalar_one()
    assert dan not in town.contact_ids  # Djursholm is outside the audience (Mörby)

    assert_not_found(read_page(client.get(link(app, web, dan, town.consultation_id))))


def test_an_erased_contacts_link_stops_working(app: App, client: httpx.Client, anna: Visitor,
                                               town: Municipality) -> None:
    anna.open()
    anna.answer("yes")
    with app.session() as session:
        contacts.erase_contact(session, town.contact_ids[0], now=app.clock(), actor="test")
        session.commit()

    assert_not_found(read_page(client.get(anna.url)))
    assert_not_found(read_page(client.post(anna.url, data={"question_id": "impact", "answer": "4", "lang": ""})))
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True}


def test_a_link_to_a_draft_consultation_does_not_open_it(app: App, web: LiveServer, client: httpx.Client,
                                                         town: Municipality) -> None:
    yaml_text = consultation_yaml(closes=app.clock() + dt.timedelta(days=DAYS_OPEN), reference="KS 2025/0099")
    with app.session() as session:
        draft = consultations.create_consultation(session, load_consultation_file(yaml_text), now=app.clock(),
                                                  actor="test")
        session.commit()
    assert draft.id is not None and draft.status == "draft"

    # Invitations are made when a consultation opens, so nobody holds a valid link to a draft yet.
    page = read_page(client.get(link(app, web, town.contact_ids[0], draft.id)))

    assert_not_found(page)


# --- a consultation that has closed ------------------------------------------------------------------


def test_a_closed_consultation_says_so_and_takes_no_answers(app: App, anna: Visitor, town: Municipality) -> None:
    form = anna.open()
    anna.answer("yes")
    with app.session() as session:
        consultations.close_consultation(session, town.consultation_id, now=app.clock(), actor="test")
        session.commit()

    page = anna.open()
    assert page.status == 200
    assert "är avslutat" in page.text
    assert not page.inputs or not page.field("answer")

    anna.page = form
    page = anna.answer("no")
    assert "är avslutat" in page.text
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True}


def test_after_the_closing_time_the_page_says_closed_and_takes_no_answers(
    app: App, clock: FixedClock, anna: Visitor, town: Municipality
) -> None:
    anna.open()
    anna.answer("yes")
    clock.advance(dt.timedelta(days=DAYS_OPEN, hours=1))  # nobody has closed it by hand yet

    page = anna.answer("4")  # the form still on the screen
    assert "avslutat" in page.text
    assert not page.field("answer")
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True}


def test_after_the_closing_time_a_started_dialogue_shows_closed_on_the_next_visit(
    app: App, clock: FixedClock, anna: Visitor, town: Municipality
) -> None:
    anna.open()
    anna.answer("yes")
    clock.advance(dt.timedelta(days=DAYS_OPEN, hours=1))

    page = anna.open()

    assert "avslutat" in page.text
    assert not page.field("answer")


# --- a form someone has tampered with -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"command": "drop table", "lang": "sv"},  # no such command
        {"command": "", "lang": "sv"},  # neither a command nor a question
        {"answer": "yes"},  # no question named
    ],
    ids=["unknown-command", "empty-command", "no-question"],
)
def test_a_tampered_form_shows_the_page_again_unchanged(
    app: App, anna: Visitor, town: Municipality, client: httpx.Client, data: dict[str, str]
) -> None:
    anna.open()
    anna.answer("yes")

    response = client.post(anna.url, data=data)
    assert response.status_code == 303
    page = read_page(client.get(str(response.url.join(response.headers["location"]))))

    assert page.status == 200 and page.hidden("question_id") == "impact"
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True}


def test_odd_values_in_a_form_are_refused_not_crashed_on(app: App, anna: Visitor, town: Municipality) -> None:
    anna.open()
    page = anna.post({"question_id": "affected", "answer": "maybe", "lang": "sv"})
    assert page.status == 422 and page.hidden("question_id") == "affected"

    page = anna.post({"command": "change:99", "lang": "sv"})
    assert page.status == 422 and "99" in page.alerts[0]

    page = anna.post({"question_id": "affected", "answer": "yes", "lang": "xx"})  # unknown language: Swedish
    assert page.status == 200 and page.lang == "sv" and page.hidden("question_id") == "impact"

    page = anna.post({"question_id": "impact", "answer": ["2", "3"], "lang": "sv"})  # two radios at once
    assert page.status == 422
    assert stored_answers(app, town.contact_ids[0]) == {"affected": True}
    assert re.search(r"Fråga 2 av \d", page.text)


def test_changing_a_sent_response_keeps_what_was_sent_until_it_is_sent_again(
    app: App, anna: Visitor, town: Municipality, clock: FixedClock
) -> None:
    answer_until(anna, "comments")
    anna.answer("Inget mer.")
    anna.answer("yes")
    sent_at = exported(app, town.consultation_id, "Anna Ek")["completed_at"]

    clock.advance(dt.timedelta(hours=2))
    page = anna.open()
    page = anna.press("Ändra mina svar")
    assert exported(app, town.consultation_id, "Anna Ek")["completed_at"] == sent_at  # a click is no submission
    page = anna.press("Ändra: Hur många arbetar i verksamheten?")
    page = anna.answer("15")
    assert page.hidden("question_id") == "_submit"

    row = exported(app, town.consultation_id, "Anna Ek")
    assert (row["status"], row["staff"], row["completed_at"]) == ("complete", "1200", sent_at)
    with app.session() as session:
        document = json.loads(export_json(session, town.consultation_id))
    (anna_row,) = [r for r in document["responses"] if r["contact_name"] == "Anna Ek"]
    assert anna_row["changes_not_submitted"] is True and anna_row["answers"]["staff"] == 1200

    anna.answer("yes")
    row = exported(app, town.consultation_id, "Anna Ek")
    assert (row["status"], row["staff"]) == ("complete", "15")
    assert row["completed_at"] == (dt.datetime.fromisoformat(sent_at) + dt.timedelta(hours=2)).isoformat()
    with app.session() as session:
        document = json.loads(export_json(session, town.consultation_id))
    assert not any(r["changes_not_submitted"] for r in document["responses"])


def test_the_summary_lists_each_answer_with_a_change_button_named_after_its_question(
    app: App, anna: Visitor, town: Municipality
) -> None:
    answer_until(anna, "comments")
    page = anna.answer("Inget mer.")

    rows = re.findall(r"<dt>(.*?)</dt>\s*<dd class=\"answer\">(.*?)</dd>", page.html, re.S)
    assert rows[0] == ("Påverkas ert företag av ombyggnaden?", "Ja")
    assert ("Hur många arbetar i verksamheten?", "1\u00a0200") in rows
    changes = [label for label in page.commands() if label.startswith("Ändra")]
    assert changes == [f"Ändra: {question}" for question, _ in rows]  # what a screen reader announces
    assert not any(re.fullmatch(r"Ändra \d+", label) for label in page.commands())


def test_an_invalid_link_says_how_to_reach_the_municipality(app: App, web: LiveServer, client: httpx.Client) -> None:
    app.settings = app.settings.model_copy(
        update={"municipality_contact": "Näringslivsenheten, 08-568 910 00, naringsliv@danderyd.se"}
    )
    page = read_page(client.get(f"{web.url}/c/not-a-token"))
    assert page.status == 404
    assert "Kontakta kommunen: Näringslivsenheten, 08-568 910 00, naringsliv@danderyd.se" in page.text
    assert "Contact the municipality: Näringslivsenheten" in page.text


def test_the_front_page_says_whose_service_this_is_and_links_the_officials_pages(
    app: App, web: LiveServer, client: httpx.Client
) -> None:
    page = read_page(client.get(f"{web.url}/"))
    assert page.status == 200 and page.lang == "sv"
    assert "Danderyds kommun" in page.title and "Samråd med näringslivet" in page.text
    assert 'href="/admin/"' in page.html and 'href="?lang=en"' in page.html
    english = read_page(client.get(f"{web.url}/", params={"lang": "en"}))
    assert english.lang == "en" and "Consultation with businesses" in english.text
