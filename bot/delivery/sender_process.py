"""The channels' senders in a process of their own, beside `samrad serve`'s web process.

Why: calling a platform (python-telegram-bot building a request, HTTP, reading the answer back into
objects) costs more CPU than everything else a reply needs. In one process it shares one core with the
webhooks (Python's GIL); in a second process it has a core of its own.

What moves and what stays: only the `send` calls move. The outbox worker stays in the web process and
does everything else exactly as before — lease, claims, pacing, recording each outcome — so the
database keeps one writer process (SQLite serialises writers across processes, and a second process
that keeps asking for the write lock starves behind the group-commit writer), and nothing about
delivery's guarantees changes: the worker hands a message to `RemoteChannel.send` and gets the same
typed result the adapter would have returned.

The child is `python -m bot.delivery.sender_process`, talking over its stdin and stdout in frames (a 4-byte
length, then a pickle: both ends are this code base, started by this process). The first frame carries
the settings; the child builds the channels from them (bot.channels.channels_from). Then each request
is (id, channel, method, arguments) — an outbox message to send, or an earlier chat message to edit after a
button press — made side by side, and each answer (id, DeliveryResult).

End of input means the parent is gone (stopped, or killed): the child finishes the sends in flight and
exits; it never outlives its server. If the child dies, every send waiting on it fails as retryable
(the outbox tries those rows again after its backoff) and the parent starts a new child.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import Mapping
from typing import Any, Final

from adapters.base import Channel, ChatChannel, DeliveryResult, EditContent, Failed, OutgoingMessage
from bot.log_masking import MaskCredentials
from bot.settings import Settings

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">I")
# The channel methods the child makes on the parent's behalf; each returns a DeliveryResult.
CALLS: Final = frozenset({"send", "edit"})
RESTART_PAUSE_SECONDS = (0.5, 30.0)  # first and longest pause before starting a crashed child again
STOP_TIMEOUT_SECONDS = 60.0
HEALTHY_SECONDS = 60.0  # a child that lived this long did not die of how it starts


def use_process(settings: Settings) -> bool:
    """Whether `samrad serve` sends from a process of its own (SAMRAD_SENDER_PROCESS)."""
    if settings.sender_process == "auto":
        return (os.cpu_count() or 1) > 1
    return settings.sender_process == "on"


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


async def _read_frame(reader: asyncio.StreamReader) -> Any:
    """The next frame's value; EOFError at the end of the stream."""
    try:
        head = await reader.readexactly(_LENGTH.size)
        return pickle.loads(await reader.readexactly(_LENGTH.unpack(head)[0]))
    except asyncio.IncompleteReadError:
        raise EOFError from None


class RemoteChannel:
    """A channel whose `send` runs in the sender process; name and rate limits are the real channel's,
    so the outbox worker paces it exactly as it would the channel itself."""

    def __init__(self, process: SenderProcess, channel: Channel) -> None:
        self.process = process
        self.name = channel.name
        self.rate_limits = channel.rate_limits

    async def send(self, outgoing: OutgoingMessage) -> DeliveryResult:
        return await self.process.call(self.name, "send", outgoing)

    async def edit(
        self, address: str, message_ref: str, content: EditContent, *, shown: object = None
    ) -> DeliveryResult:
        """A chat channel's edit of an earlier message after a press (bot/web/webhooks.py), made by the
        child."""
        return await self.process.call(self.name, "edit", address, message_ref, content, shown)

    async def aclose(self) -> None:
        """The child closes the real channel when it ends."""


class SenderProcess:
    """The web process's side: starts the child, hands it sends, matches the answers, restarts it."""

    def __init__(self, settings: Settings, channels: Mapping[str, Channel]) -> None:
        self.settings = settings
        self.channels: dict[str, Channel] = {name: RemoteChannel(self, ch) for name, ch in channels.items()}
        self.restarts = 0
        self._child: asyncio.subprocess.Process | None = None
        self._ready = asyncio.Event()
        self._pending: dict[int, asyncio.Future[DeliveryResult]] = {}
        self._ids = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._keep_running(), name="sender process")

    async def send(self, channel: str, outgoing: OutgoingMessage) -> DeliveryResult:
        return await self.call(channel, "send", outgoing)

    async def call(self, channel: str, method: str, *args: Any) -> DeliveryResult:
        """Have the child call `method` (one of CALLS) of its channel `channel` with `args`."""
        if method not in CALLS:
            raise ValueError(f"the sender process does not make {method!r} calls")
        self._ids += 1
        request_id = self._ids
        answer: asyncio.Future[DeliveryResult] = asyncio.get_running_loop().create_future()
        waited = self.settings.outbox_send_timeout_seconds
        try:
            # Bounded, for every caller: a webhook editing a keyboard must not wait for a restarting child.
            async with asyncio.timeout(waited):
                await self._ready.wait()
                child = self._child
                assert child is not None and child.stdin is not None
                self._pending[request_id] = answer
                child.stdin.write(_frame((request_id, channel, method, args)))
                await child.stdin.drain()
                return await answer
        except TimeoutError:
            return Failed(f"no answer from the sender process within {waited:g} s", retryable=True)
        except (ConnectionError, RuntimeError) as error:  # the child ended while we wrote
            return Failed(f"the sender process ended: {error}", retryable=True)
        finally:
            self._pending.pop(request_id, None)

    async def _keep_running(self) -> None:
        pause = RESTART_PAUSE_SECONDS[0]
        while not self._stopping:
            try:
                child = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot.delivery.sender_process",
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
            except OSError:  # no process to be had now (limits, memory): sends wait, retryably; try again
                log.exception("could not start the sender process; trying again in %g s", pause)
                await asyncio.sleep(pause)
                pause = min(RESTART_PAUSE_SECONDS[1], pause * 2)
                continue
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(_frame(self.settings.model_dump(mode="json")))
            self._child = child
            if self._stopping:  # stop() came while it started: let it end at once
                child.stdin.close()
            else:
                self._ready.set()
            started = time.monotonic()
            log.info("sending through process %s", child.pid)
            await self._read_answers(child.stdout)
            self._ready.clear()
            code = await child.wait()
            self._fail_pending("the sender process ended")
            if self._stopping:
                return
            log.error(
                "the sender process %s ended (exit code %s); starting it again in %g s",
                child.pid,
                code,
                pause,
            )
            await asyncio.sleep(pause)
            # Quick successive deaths back off; a child that ran a good while starts the count again.
            lived = time.monotonic() - started
            pause = (
                RESTART_PAUSE_SECONDS[0]
                if lived > HEALTHY_SECONDS
                else min(RESTART_PAUSE_SECONDS[1], pause * 2)
            )
            self.restarts += 1

    async def _read_answers(self, stdout: asyncio.StreamReader) -> None:
        while True:
            try:
                request_id, result = await _read_frame(stdout)
            except EOFError:
                return
            answer = self._pending.get(request_id)
            if answer is not None and not answer.done():
                answer.set_result(result)

    def _fail_pending(self, reason: str) -> None:
        for answer in self._pending.values():
            if not answer.done():
                answer.set_result(Failed(reason, retryable=True))

    async def stop(self) -> None:
        """Close the child's input: it finishes the sends in flight and ends; wait for that."""
        self._stopping = True
        child = self._child
        if child is not None and child.stdin is not None:
            child.stdin.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                log.error(
                    "the sender process %s did not stop in %g s; killing it", self.pid, STOP_TIMEOUT_SECONDS
                )
                child = self._child  # perhaps one started after the stop began
                if child is not None and child.returncode is None:
                    child.kill()
                await self._task
            self._task = None
        self._child = None


# --- the child ---------------------------------------------------------------------------------------


async def _serve(reader: asyncio.StreamReader, output: asyncio.StreamWriter) -> None:
    from bot.channels import channels_from
    from bot.process_tuning import settle_garbage_collector

    settings = Settings.model_validate(await _read_frame(reader))
    channels = channels_from(settings)
    settle_garbage_collector()
    # Found once: a check against a runtime Protocol walks all its members, tens of µs on every edit.
    chats = {name: channel for name, channel in channels.items() if isinstance(channel, ChatChannel)}
    sending: set[asyncio.Task[None]] = set()

    async def call(request_id: int, name: str, method: str, args: tuple[Any, ...]) -> None:
        channel = channels.get(name)
        try:
            if channel is None:
                result: DeliveryResult = Failed(f"the channel {name} is not switched on here", retryable=True)
            elif method == "send":
                result = await channel.send(*args)
            elif method == "edit" and name in chats:
                address, message_ref, content, shown = args
                result = await chats[name].edit(address, message_ref, content, shown=shown)
            else:
                result = Failed(f"the channel {name} has no {method!r} call", retryable=False)
        except Exception as error:  # an adapter bug: the worker logs it and tries again later
            log.exception("sending through %s raised", name)
            result = Failed(f"{type(error).__name__}: {error}", retryable=True)
        output.write(_frame((request_id, result)))

    try:
        while True:
            try:
                request_id, name, method, args = await _read_frame(reader)
            except EOFError:
                break
            task = asyncio.create_task(call(request_id, name, method, args))
            sending.add(task)
            task.add_done_callback(sending.discard)
        if sending:  # the parent stopped: what was handed over is still sent, and answered
            await asyncio.gather(*sending)
        with contextlib.suppress(ConnectionError):
            await output.drain()
    finally:
        for channel in channels.values():
            await channel.aclose()


async def _child_main() -> None:
    loop = asyncio.get_running_loop()
    # The frames own stdin and stdout; anything printed goes to stderr, with the logs.
    frames_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, frames_out)
    output = asyncio.StreamWriter(transport, protocol, None, loop)
    try:
        await _serve(reader, output)
    finally:
        transport.close()


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when this one stops
    # (by closing its input), so that what was handed over is still sent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [sender %(process)d] %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:  # a platform's error may quote a URL with a credential
        handler.addFilter(MaskCredentials())
    try:
        import uvloop  # with uvicorn[standard], as the web process
    except ImportError:  # pragma: no cover - uvicorn[standard] is a dependency
        asyncio.run(_child_main())
    else:
        uvloop.run(_child_main())


if __name__ == "__main__":
    main()
