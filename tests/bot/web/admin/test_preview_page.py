"""The consultation's preview over real HTTP: the dialogue played as a business sees it in a chat."""

from __future__ import annotations

from contextlib import closing

from bot.bootstrap import App
from tests.bot.web.admin.support import add_accounts, signed_in, switch_language
from tests.live_server import LiveServer
from tests.scenario import municipality


def test_the_preview_plays_the_dialogue_as_a_chat_with_its_buttons(app: App, web: LiveServer) -> None:
    municipality(app)
    add_accounts(app)
    official, csrf = signed_in(web, "official")
    with closing(official):
        page = official.get("/admin/consultations/1/preview")
        assert page.status_code == 200 and "Så ser dialogen ut i en chatt" in page.text
        # A conditional question says when it is asked in words, not as the file's `affected = True`.
        assert page.text.count("ställs bara om svaret på fråga 1 är ja") == 2 and "affected = True" not in page.text
        bubbles = page.text.split('<ol class="chat">')[1]
        assert '<span class="who">Företaget:</span> Ja, skicka in</li>' in bubbles
        assert '<ul class="chat-buttons" aria-label="Svarsknappar"><li>Ja</li><li>Nej</li></ul>' in bubbles
        assert "Tack! Dina svar är inskickade." in bubbles
        switch_language(official, "en", csrf=csrf)
        english = official.get("/admin/consultations/1/preview").text
        assert "How the dialogue looks in a chat" in english and "The business:</span> Yes, send</li>" in english
        assert "asked only if the answer to question 1 is yes" in english
