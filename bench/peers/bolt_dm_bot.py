"""The peer for Samråd's Slack benchmark: the bot a developer would write by hand with Slack's own framework
— a slack-bolt AsyncApp with its default settings (each request acknowledged first, its listener then run in
a task of its own: not process_before_response), mounted on Starlette under uvicorn, the five questions of
the benchmark's consultation (yes/no, choice and scale by buttons, a number and free text by typing) asked
in a direct message, state in memory. It stores nothing durably before answering Slack.

It is the benchmark's peer (bench/slack_e2e.py --peer): run side by side with Samråd on the same machine.

Run: python bolt_dm_bot.py PORT WEB_API_BASE TOKEN SIGNING_SECRET
  requests: POST http://127.0.0.1:PORT/slack/events (events, button presses and the /samrad command alike);
  Web API calls go to WEB_API_BASE (e.g. http://127.0.0.1:9999/api/).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUESTIONS = ("Påverkas ert företag?", "När lastar ni helst?", "Hur viktigt är det?", "Hur många arbetar hos er?",
             "Något mer?")
BUTTONS: dict[int, list[tuple[str, str]]] = {
    0: [("Ja", "yes"), ("Nej", "no")],
    1: [("Morgon", "morning"), ("Kväll", "evening")],
    2: [(str(i), str(i)) for i in range(1, 6)],
}
THANKS = "Tack för era svar!"
ASK_NUMBER = "Svara med ett heltal, tack."


def build(port: int, api_base: str, token: str, signing_secret: str) -> Starlette:
    # The token goes with the client, which points at the Web API given (a fake, in the benchmark).
    app = AsyncApp(signing_secret=signing_secret, client=AsyncWebClient(token=token, base_url=api_base))
    step: dict[str, int] = {}  # user id -> the question being asked
    answers: dict[str, dict[str, str]] = {}
    channels: dict[str, str] = {}  # user id -> the direct message with them

    async def ask(client: AsyncWebClient, user: str, number: int) -> None:
        step[user] = number
        if number == len(QUESTIONS):
            await client.chat_postMessage(channel=channels[user], text=THANKS)
            return
        text = QUESTIONS[number]
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "plain_text", "text": text}}]
        if number in BUTTONS:
            blocks.append({"type": "actions", "block_id": f"q{number}", "elements": [
                {"type": "button", "action_id": f"q{number}:{value}", "value": value,
                 "text": {"type": "plain_text", "text": label}} for label, value in BUTTONS[number]]})
        await client.chat_postMessage(channel=channels[user], text=text, blocks=blocks)

    @app.command("/samrad")
    async def start(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack(response_type="ephemeral", text="Tack! Samrådet fortsätter i ditt direktmeddelande.")
        user = command["user_id"]
        opened = await client.conversations_open(users=user)
        channels[user] = opened["channel"]["id"]
        answers[user] = {}
        await ask(client, user, 0)

    @app.action(re.compile(r"^q[0-2]:"))
    async def pressed(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = body["user"]["id"]
        number = int(action["action_id"][1])
        if step.get(user) != number:
            return  # an old button
        answers[user][QUESTIONS[number]] = action["value"]
        container = body["container"]
        await client.chat_update(channel=container["channel_id"], ts=container["message_ts"],
                                 text=f"{QUESTIONS[number]} {action['value']}",
                                 blocks=[{"type": "section", "text": {"type": "plain_text",
                                                                      "text": f"{QUESTIONS[number]} ✓ {action['value']}"}}])
        await ask(client, user, number + 1)

    @app.event("message")
    async def typed(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        user = event["user"]
        number = step.get(user)
        if number not in (3, 4):
            return
        text = event.get("text", "")
        if number == 3 and not text.strip().isdigit():
            await client.chat_postMessage(channel=channels[user], text=ASK_NUMBER)
            return
        answers[user][QUESTIONS[number]] = text
        await ask(client, user, number + 1)

    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", endpoint=endpoint, methods=["POST"])])


if __name__ == "__main__":
    port, api_base, token, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    uvicorn.run(build(port, api_base, token, secret), host="127.0.0.1", port=port, log_level="warning")
