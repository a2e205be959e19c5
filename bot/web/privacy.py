"""`GET /integritet`: the information GDPR (art. 13) requires a controller to give, built from settings so
each municipality states its own facts: who is responsible (SAMRAD_PRIVACY_CONTROLLER, else
SAMRAD_MUNICIPALITY), how to reach it (SAMRAD_MUNICIPALITY_CONTACT) and its data protection officer
(SAMRAD_DATA_PROTECTION_OFFICER), why and on what legal basis, how long data is kept
(SAMRAD_PRIVACY_RETENTION, else a default text), the person's rights and where to complain (IMY).

Linked from the dialogue's notice and the web answer page's footer. Swedish first; `?lang=en` for English.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.bootstrap import App
from bot.services.access import PRIVACY_PATH
from conversations.messages import Language

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()

LABELS: dict[Language, dict[str, str]] = {
    "sv": {
        "other_language": "In English",
        "title": "Så hanterar vi dina personuppgifter",
        "controller": "Personuppgiftsansvarig",
        "contact": "Kontakt:",
        "dpo": "Dataskyddsombud",
        "dpo_unknown": "Kontakta kommunen, så får du kontakt med dataskyddsombudet.",
        "what": "Vilka uppgifter vi sparar",
        "what_text": (
            "Ditt namn, din e-postadress och ditt telefonnummer, vilket företag du svarar för, hur vi når "
            "dig i chattar, dina svar i samråden och de meddelanden vi skickar till dig."
        ),
        "purpose": "Varför, och med vilken rätt",
        "purpose_text": (
            "Vi använder uppgifterna för att fråga företag om kommunens ärenden som berör dem och för att "
            "ta hänsyn till svaren. Den rättsliga grunden är att behandlingen behövs för att utföra en "
            "uppgift av allmänt intresse (artikel 6.1 e i dataskyddsförordningen)."
        ),
        "public": (
            "Det du svarar kommunen kan bli en allmän handling som andra kan begära att få läsa "
            "(offentlighetsprincipen)."
        ),
        "retention": "Hur länge vi sparar uppgifterna",
        "retention_default": (
            "Om du inte svarar raderar vi dina kontaktuppgifter {days} dagar efter att samrådet har stängt. "
            "Om du svarar tar vi bort ditt namn och dina kontaktuppgifter {months} månader efter att ärendets "
            "sista samråd har stängt; svaren sparas utan dem. Vissa typer av ärenden kan ha andra tider. Du kan "
            "också be oss radera dina uppgifter tidigare. Dina svar är allmänna handlingar och bevaras eller "
            "gallras enligt kommunens dokumenthanteringsplan."
        ),
        "rights": "Dina rättigheter",
        "rights_text": (
            "Du har rätt att få veta vilka uppgifter vi har om dig, att få fel rättade, att få uppgifterna "
            "raderade, att begränsa hur vi använder dem och att invända mot att vi använder dem."
        ),
        "rights_chat": "Skriv mina uppgifter i chatten, så får du en sammanfattning direkt.",
        "rights_stop": "Skriv stopp, eller använd länken i e-posten, så får du inga fler meddelanden.",
        "rights_ask": "Vill du ha ett fullständigt utdrag, rätta något eller bli raderad? Kontakta kommunen.",
        "complain": "Klaga",
        "complain_text": (
            "Tycker du att vi hanterar dina uppgifter fel kan du klaga hos Integritetsskyddsmyndigheten "
            "(IMY), imy.se."
        ),
    },
    "en": {
        "other_language": "På svenska",
        "title": "How we handle your personal data",
        "controller": "Controller",
        "contact": "Contact:",
        "dpo": "Data protection officer",
        "dpo_unknown": "Contact the municipality and you will be put in touch with the data protection officer.",
        "what": "What we keep",
        "what_text": (
            "Your name, e-mail address and phone number, which business you answer for, how we reach you "
            "in chats, your answers in the consultations and the messages we send you."
        ),
        "purpose": "Why, and on what legal basis",
        "purpose_text": (
            "We use the data to ask businesses about the municipality's matters that affect them and to "
            "take their answers into account. The legal basis is that the processing is necessary for a "
            "task carried out in the public interest (Article 6(1)(e) of the General Data Protection "
            "Regulation)."
        ),
        "public": (
            "What you tell the municipality may become a public document that others can ask to read (the "
            "principle of public access)."
        ),
        "retention": "How long we keep the data",
        "retention_default": (
            "If you do not answer, we erase your contact details {days} days after the consultation has "
            "closed. If you answer, we remove your name and contact details {months} months after the case's "
            "last consultation has closed; the answers are kept without them. Some types of case may have "
            "other periods. You can also ask us to erase your data sooner. Your answers are public documents "
            "and are kept or disposed of according to the municipality's records management plan."
        ),
        "rights": "Your rights",
        "rights_text": (
            "You have the right to know what data we hold about you, to have mistakes corrected, to have the "
            "data erased, to restrict how we use it and to object to our using it."
        ),
        "rights_chat": "Type my data in the chat and you get a summary at once.",
        "rights_stop": "Type stop, or use the link in the e-mail, and you get no more messages.",
        "rights_ask": "Want a full copy, a correction or to be erased? Contact the municipality.",
        "complain": "Complaints",
        "complain_text": (
            "If you think we handle your data wrongly, you can complain to the Swedish Authority for Privacy "
            "Protection (Integritetsskyddsmyndigheten, IMY), imy.se."
        ),
    },
}


@router.get(PRIVACY_PATH, response_class=HTMLResponse)
def privacy(request: Request, lang: str | None = None) -> HTMLResponse:
    app: App = request.app.state.app
    settings = app.settings
    language: Language = "en" if lang == "en" else "sv"
    t = LABELS[language]
    context = {
        "lang": language,
        "other_lang": "en" if language == "sv" else "sv",
        "t": t,
        "municipality": settings.municipality,
        "controller": settings.privacy_controller or settings.municipality,
        "contact": settings.municipality_contact,
        "dpo": settings.data_protection_officer,
        # The default text states the retention job's default periods (bot/services/retention.py).
        "retention": settings.privacy_retention
        or t["retention_default"].format(
            days=settings.retention_unanswered_days, months=settings.retention_answered_months
        ),
    }
    return templates.TemplateResponse(request, "privacy.html", context)
