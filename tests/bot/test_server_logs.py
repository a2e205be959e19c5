"""`samrad serve` writes no credential into its logs: a real server process, real requests, its output."""

from __future__ import annotations

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
