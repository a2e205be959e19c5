"""`GET /`: a short page saying whose service this is, what Samråd is, and where officials go.

People reach the bare address by trimming a link or typing the host; they should learn where they
are, not read `{"detail":"Not Found"}`. Swedish first; `?lang=en` for English.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.bootstrap import App
from conversations.messages import Language

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()
ADMIN_PATH = "/admin/"

LABELS: dict[Language, dict[str, str]] = {
    "sv": {
        "other_language": "In English",
        "title": "Samråd med näringslivet",
        "what": (
            "Här svarar företag på kommunens frågor i ärenden som berör dem, till exempel vägarbeten, "
            "detaljplaner och upphandlingar. Du svarar genom den personliga länk du har fått från "
            "kommunen, på webben eller i en chatt."
        ),
        "no_link": "Har du ingen länk? Kontakta kommunen:",
        "no_link_unknown": "Har du ingen länk? Kontakta kommunen.",
        "officials": "För kommunens handläggare",
        "officials_link": "Logga in på handläggarsidorna",
    },
    "en": {
        "other_language": "På svenska",
        "title": "Consultation with businesses",
        "what": (
            "Here businesses answer the municipality's questions in matters that affect them, such as "
            "roadworks, local plans and procurements. You answer through the personal link you got from "
            "the municipality, on the web or in a chat."
        ),
        "no_link": "No link? Contact the municipality:",
        "no_link_unknown": "No link? Contact the municipality.",
        "officials": "For the municipality's officials",
        "officials_link": "Sign in to the officials' pages",
    },
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: str | None = None) -> HTMLResponse:
    app: App = request.app.state.app
    language: Language = "en" if lang == "en" else "sv"
    context = {
        "lang": language,
        "other_lang": "en" if language == "sv" else "sv",
        "t": LABELS[language],
        "municipality": app.settings.municipality,
        "contact": app.settings.municipality_contact,
        "admin_path": ADMIN_PATH,
    }
    return templates.TemplateResponse(request, "home.html", context)
