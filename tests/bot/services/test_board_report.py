"""The board report's content: the case and its participation level, the themes with quotes whose names
are replaced, the municipality's answer when given; and its PDF."""

from __future__ import annotations

from bot.bootstrap import App
from bot.services.board_report import build_report, redact
from bot.services.results import ThemeRow
from bot.web.admin.report_render import report_html, report_pdf
from conversations.org_numbers import erased_org_number
from storage.tables import consultations_table
from tests.bot.services.results_support import answered_town
from tests.pdf_support import page_count


def test_names_in_quotes_are_replaced_whole_words_only_in_any_case() -> None:
    names = ["Anna Ek", "Anna", "Ek", "Mörby Bageri AB"]
    assert redact("anna ek sa: Mörby Bageri AB behöver leveranser. Ekonomin? Annas butik.", names, "[namn]") == (
        "[namn] sa: [namn] behöver leveranser. Ekonomin? Annas butik."
    )


def test_the_report_shows_themes_and_the_municipalitys_answer_without_names(app: App) -> None:
    town = answered_town(app)
    themes = [
        ThemeRow("Leveranser", 2, ("Leveranser före 7 är viktiga, säger Anna Ek.", "Fråga Eva på Pizzeria Roma.")),
        ThemeRow("Parkering", 1, ("Parkeringen!",)),
    ]
    response = "Ni sa att leveranserna är viktiga.\nVi flyttar arbetet till kvällar, som Cilla Ros föreslog."
    with app.session() as session:
        report = build_report(session, town.consultation_id, now=app.clock(), themes=themes, response=response)
    html = report_html(report, municipality="Danderyds kommun", timezone="Europe/Stockholm", standalone=True)
    assert "säger [namn]." in html and "Fråga [namn] på [namn]." in html
    assert "som [namn] föreslog." in html and "Vi flyttar arbetet till kvällar" in html
    for name in ("Anna", "Eva", "Cilla", "Pizzeria Roma"):
        assert name not in html
    assert "Teman i fritextsvaren" in html and "<h3>Leveranser (2)</h3>" in html and "Ni sa, vi gjorde" in html
    assert "Danderyds kommun · KS 2025/0042 · Sammanställd 2025-02-27" in html
    assert "Område: Mörby, Djursholm" in html  # the audience as the consultation names it
    pdf = report_pdf(html)
    assert pdf.startswith(b"%PDF-") and page_count(pdf) >= 2


def test_the_report_in_english(app: App) -> None:
    town = answered_town(app)
    with app.session() as session:
        report = build_report(session, town.consultation_id, now=app.clock(), language="en")
    html = report_html(report, municipality="Danderyd", timezone="Europe/Stockholm", standalone=True)
    assert '<html lang="en">' in html and "<title>Report: Traffic during the construction in Mörby centrum – Samråd</title>" in html
    assert "4 of 8 invited submitted a response (50%)." in html and "<dd>Traffic and road works</dd>" in html


def test_the_audience_names_a_legal_persons_number_but_never_a_personal_identity_number(app: App) -> None:
    """A sole trader's number is its owner's personnummer: a report that goes to the board, and often
    into its public minutes, says only that a sole trader was chosen; an erased one shows as erased."""
    town = answered_town(app)
    company, sole_trader = "556036-0793", "811218-9876"
    with app.engine.begin() as conn:
        conn.execute(consultations_table.update().where(consultations_table.c.id == town.consultation_id).values(
            audience={"areas": ["Mörby"], "org_numbers": [company, sole_trader, erased_org_number(7)]}))
    for language, shown in (("sv", "556036-0793, (enskild firma), (raderad)"),
                            ("en", "556036-0793, (sole trader), (erased)")):
        with app.session() as session:
            report = build_report(session, town.consultation_id, now=app.clock(), language=language)
        html = report_html(report, municipality="Danderyd", timezone="Europe/Stockholm", standalone=True)
        assert shown in html
        assert sole_trader not in html and "raderad-7" not in html
