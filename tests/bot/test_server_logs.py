"""`samrad serve` writes no credential into its logs: a real server process, real requests, its output."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.log_masking import MaskCredentials, mask
from tests.live_server import free_port

SAMRAD = [sys.executable, "-c", "from bot.cli import main; main()"]


def test_the_served_logs_mask_personal_links_and_credentials(tmp_path: Path) -> None:
    env = {**os.environ, "SAMRAD_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SAMRAD_SECRET_KEY": "log-test", "SAMRAD_SENDER_PROCESS": "off", "PYTHONUNBUFFERED": "1"}
    subprocess.run([*SAMRAD, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    port = free_port()
    server = subprocess.Popen([*SAMRAD, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "samrad serve did not start"
            time.sleep(0.1)
        httpx.get(f"{base}/c/AnswerToken123?lang=en")
        httpx.post(f"{base}/c/AnswerToken456", data={"answer": "yes"})
        httpx.post(f"{base}/u/OptOutToken789")
        httpx.get(f"{base}/healthz?token=QueryToken1&sig=QuerySig2&x=1")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    logs = out + err

    assert '"GET /c/***?lang=en HTTP/1.1" 404' in logs and '"POST /u/*** HTTP/1.1" 404' in logs, logs
    assert "/healthz?token=***&sig=***&x=1" in logs
    for secret in ("AnswerToken123", "AnswerToken456", "OptOutToken789", "QueryToken1", "QuerySig2"):
        assert secret not in logs


def test_json_logs_are_one_masked_object_per_line_with_the_request_s_id(tmp_path: Path) -> None:
    env = {**os.environ, "SAMRAD_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SAMRAD_SECRET_KEY": "log-test", "SAMRAD_SENDER_PROCESS": "off", "PYTHONUNBUFFERED": "1",
           "SAMRAD_LOG_FORMAT": "json"}
    subprocess.run([*SAMRAD, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    port = free_port()
    server = subprocess.Popen([*SAMRAD, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "samrad serve did not start"
            time.sleep(0.1)
        given = httpx.get(f"{base}/c/AnswerToken123?lang=en", headers={"X-Request-ID": "lb-4711.a_b"})
        unsafe = httpx.get(f"{base}/healthz?token=QueryToken1", headers={"X-Request-ID": "x" * 65})
        none = httpx.post(f"{base}/u/OptOutToken789")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)

    assert given.headers["x-request-id"] == "lb-4711.a_b"
    assert unsafe.headers["x-request-id"] != "x" * 65 and len(unsafe.headers["x-request-id"]) == 32
    assert none.headers["x-request-id"] != unsafe.headers["x-request-id"]
    lines = [line for line in (out + err).splitlines() if not line.startswith("Database: ")]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(set(entry) >= {"time", "level", "logger", "message", "request_id"} for entry in entries)
    access = {entry["request_id"]: entry for entry in entries if entry["logger"] == "uvicorn.access"}
    assert '"GET /c/***?lang=en HTTP/1.1" 404' in access["lb-4711.a_b"]["message"]
    assert access["lb-4711.a_b"]["level"] == "INFO"
    assert "/healthz?token=*** HTTP/1.1" in access[unsafe.headers["x-request-id"]]["message"]
    assert '"POST /u/*** HTTP/1.1" 404' in access[none.headers["x-request-id"]]["message"]
    started = [entry for entry in entries if entry["logger"] == "uvicorn.error"]
    assert started and all(entry["request_id"] is None for entry in started)  # outside any request
    assert dt.datetime.fromisoformat(entries[0]["time"]).utcoffset() == dt.timedelta(0)
    for secret in ("AnswerToken123", "OptOutToken789", "QueryToken1"):
        assert secret not in out + err


def test_our_own_log_records_and_their_tracebacks_are_masked() -> None:
    record = logging.LogRecord("bot.delivery", logging.WARNING, __file__, 1,
                               "send to %s failed for %s (%d)",
                               (httpx.URL("https://api.telegram.org/bot123456:ABC-def_9/sendMessage"),
                                "smtp://user:pa55word@mail.example:587", 3), None)
    try:
        raise ValueError("no answer page at https://samrad.example/c/Secret_Token-1 for Bearer abc.def")
    except ValueError:
        record.exc_info = sys.exc_info()

    assert MaskCredentials().filter(record)
    text = logging.Formatter().format(record)

    assert "api.telegram.org/bot***/sendMessage" in text and "smtp://user:***@mail.example" in text
    assert "(3)" in text and "/c/***" in text and "Bearer ***" in text
    for secret in ("ABC-def_9", "pa55word", "Secret_Token-1", "abc.def"):
        assert secret not in text


def test_masking_leaves_ordinary_paths_alone() -> None:
    for path in ("/static/samrad.css", "/api/consultations/12/broadcast", "/healthz", "/webhooks/telegram"):
        assert mask(path) == path


def test_a_json_line_carries_the_request_s_id_and_a_masked_traceback() -> None:
    from bot.json_logs import JsonFormatter
    from bot.web.request_id import request_id

    record = logging.LogRecord("bot.web", logging.ERROR, __file__, 1, "page %s failed", ("/c/Secret_1",), None)
    try:
        raise ValueError("no answer page at https://samrad.example/c/Secret_Token-2")
    except ValueError:
        record.exc_info = sys.exc_info()
    token = request_id.set("req-1")
    try:
        assert MaskCredentials().filter(record)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id.reset(token)

    assert entry["request_id"] == "req-1" and entry["level"] == "ERROR" and entry["logger"] == "bot.web"
    assert entry["message"] == "page /c/*** failed"
    assert "ValueError: no answer page at https://samrad.example/c/***" in entry["exception"]
    assert "Secret_1" not in json.dumps(entry) and "Secret_Token-2" not in json.dumps(entry)
