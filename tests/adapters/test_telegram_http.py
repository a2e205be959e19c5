"""python-telegram-bot over aiohttp (adapters/telegram_http.py): the library's requests, errors and timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut

from adapters.telegram_http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram
from tests.live_server import free_port


@contextlib.asynccontextmanager
async def raw_server(answer: bytes | None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server that keeps each request it reads and answers `answer` (None: never answers)."""
    received: list[bytes] = []

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        received.append(head + await reader.readexactly(length))
        if answer is None:
            await asyncio.sleep(3600)
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot", received
    finally:
        server.close()


TRUE = b'{"ok":true,"result":true}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(TRUE), TRUE)


def bot(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot("4242:fake-telegram-token", base_url=base_url, request=request)


async def test_a_call_without_a_file_sends_its_parameters_as_one_json_body() -> None:
    """The Bot API's application/json form: nested values (the keyboard) are objects, not JSON strings."""
    async with raw_server(OK) as (url, received):
        request = AiohttpRequest()
        with contextlib.suppress(Exception):  # `true` is not a Message; the request is what counts
            await bot(url, request).send_message(
                42, "Hej", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="a:q:yes")]])
            )
        await request.shutdown()
    head, _, body = received[0].partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {
        "chat_id": 42, "text": "Hej", "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "a:q:yes"}]]}
    }


async def test_the_bot_api_is_called_through_aiohttp(telegram: FakeTelegram) -> None:
    person = telegram.person("Anna")
    person.chat.started = True
    request = AiohttpRequest()
    try:
        sent = await bot(f"{telegram.url}/bot", request).send_message(
            person.chat_id, "Hej <b>Anna</b>", parse_mode="HTML"
        )
    finally:
        await request.shutdown()
    assert sent.text == "Hej Anna"
    assert person.chat.messages[-1].text == "Hej Anna"


async def test_a_file_goes_as_multipart_form_data() -> None:
    async with raw_server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") as (url, received):
        request = AiohttpRequest()
        with contextlib.suppress(Exception):  # the answer is not a message; the request is what counts
            await bot(url, request).send_document(42, InputFile(b"diarienummer;svar\n", filename="svar.csv"))
        await request.shutdown()
    assert b"multipart/form-data" in received[0]
    assert b'filename="svar.csv"' in received[0] and b"diarienummer;svar" in received[0]
    assert b'name="chat_id"' in received[0]


async def test_a_server_that_does_not_answer_times_out_after_the_read_timeout() -> None:
    async with raw_server(None) as (url, _):
        request = AiohttpRequest(read_timeout=0.3)
        started = time.perf_counter()
        with pytest.raises(TimedOut):
            await bot(url, request).get_me()
        assert time.perf_counter() - started < 5
        # A timeout given for one call overrides the default.
        started = time.perf_counter()
        with pytest.raises(TimedOut):
            await bot(url, request).get_me(read_timeout=0.1)
        assert time.perf_counter() - started < 0.3 + 5
        await request.shutdown()


async def test_a_refused_connection_is_a_network_error() -> None:
    request = AiohttpRequest()
    with pytest.raises(NetworkError, match="aiohttp"):
        await bot(f"http://127.0.0.1:{free_port()}/bot", request).get_me()
    await request.shutdown()


def test_a_request_opened_in_one_event_loop_works_in_the_next() -> None:
    """A CLI command may run several `asyncio.run`s with one channel: each loop gets its own session."""
    request = AiohttpRequest()

    async def call() -> None:
        async with raw_server(OK) as (url, received):
            assert await bot(url, request).close() is True
            assert received

    asyncio.run(call())  # ends without shutdown(): the next loop must not try to use its session
    asyncio.run(call())
    asyncio.run(request.shutdown())
    assert request._session is None
