"""The peer for Samråd's Telegram benchmark: the bot a developer would write by hand with
python-telegram-bot's own tools — a ConversationHandler questionnaire (5 questions: yes/no, scale and
choice by buttons, a number and free text by typing) behind PTB's documented custom-webhook pattern
(Starlette + update_queue), state in memory (optionally PicklePersistence, flushed every 60 s). It
stores nothing durably before answering the webhook. Use it to measure Samråd against it, side by side
on the same machine in the same run.

It is the benchmark's peer (bench/telegram_e2e.py --peer): a hand-written bot a developer would build instead.

Run: python ptb_conversation_bot.py PORT BOT_API_BASE [--persist FILE]
  webhook: POST http://127.0.0.1:PORT/telegram (no secret); Bot API calls go to BOT_API_BASE/bot<token>/…
"""
from __future__ import annotations

import asyncio
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

AFFECTED, IMPACT, BEST_TIME, STAFF, COMMENTS = range(5)


def keyboard(options: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in options]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.message.reply_text("Påverkas ert företag av ombyggnaden?",
                                    reply_markup=keyboard([("Ja", "yes"), ("Nej", "no")]))
    return AFFECTED


async def affected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    context.user_data["affected"] = query.data
    await query.edit_message_text(f"Påverkas: {query.data}")
    await query.message.reply_text("Hur mycket, på en skala 1 till 5?",
                                   reply_markup=keyboard([(str(i), str(i)) for i in range(1, 6)]))
    return IMPACT


async def impact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    context.user_data["impact"] = query.data
    await query.edit_message_text(f"Påverkan: {query.data}")
    await query.message.reply_text("När stör arbetet minst?",
                                   reply_markup=keyboard([("Morgon", "morning"), ("Kväll", "evening")]))
    return BEST_TIME


async def best_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    await query.answer()
    context.user_data["best_time"] = query.data
    await query.edit_message_text(f"Bäst: {query.data}")
    await query.message.reply_text("Hur många anställda har ni?")
    return STAFF


async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    if not text.isdigit():
        await update.message.reply_text("Svara med ett heltal, tack. Hur många anställda har ni?")
        return STAFF
    context.user_data["staff"] = int(text)
    await update.message.reply_text("Något mer ni vill säga till kommunen?")
    return COMMENTS


async def comments(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["comments"] = update.message.text
    await update.message.reply_text("Tack för era svar!")
    return ConversationHandler.END


def build(api_base: str, persist: str | None) -> Application:
    builder = Application.builder().token("123:PEER").base_url(f"{api_base}/bot").updater(None)
    if persist:
        builder = builder.persistence(PicklePersistence(persist))
    app = builder.concurrent_updates(False).build()
    app.add_handler(ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={AFFECTED: [CallbackQueryHandler(affected)], IMPACT: [CallbackQueryHandler(impact)],
                BEST_TIME: [CallbackQueryHandler(best_time)],
                STAFF: [MessageHandler(filters.TEXT & ~filters.COMMAND, staff)],
                COMMENTS: [MessageHandler(filters.TEXT & ~filters.COMMAND, comments)]},
        fallbacks=[], name="samrad", persistent=bool(persist), per_message=False))
    return app


async def main() -> None:
    port, api_base = int(sys.argv[1]), sys.argv[2]
    persist = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--persist" else None
    application = build(api_base, persist)

    async def telegram(request: Request) -> Response:
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return Response()

    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/telegram", telegram, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_level="warning"))
    async with application:
        await application.start()
        await server.serve()
        await application.stop()


if __name__ == "__main__":
    asyncio.run(main())
