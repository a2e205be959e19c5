"""The channel limiter, on a clock the test moves."""

from __future__ import annotations

import pytest

from adapters.base import RateLimits
from bot.delivery.rate_limit import ChannelLimiter, SlidingWindow, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **limits: object) -> ChannelLimiter:
    values: dict[str, object] = {"per_second": 10, "per_address_per_second": 1, "address_burst": 3, **limits}
    return ChannelLimiter(RateLimits(**values), clock=clock)  # type: ignore[arg-type]


def test_the_channel_keeps_its_rate_catches_up_when_late_and_never_exceeds_a_second() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=10, per_address_per_second=1000, address_burst=1000)
    sent: list[float] = []
    for n in range(60):  # send as fast as allowed, one chat each
        clock.now += channel.delay(f"chat-{n}", bulk=True)
        channel.take(f"chat-{n}")
        sent.append(clock.now)
        if n == 30:
            clock.now += 0.25  # the sender was late once: the next ones make up for it
    assert sent[:3] == [100.0, 100.0, 100.0]  # a rested channel may send a few at once
    assert all(sum(1 for t in sent if start <= t < start + 1) <= 10 for start in sent)  # never 11 in a second
    assert sent[31] - sent[30] == pytest.approx(0.25) and sent[32] == sent[31]  # caught up at once
    assert (len(sent) - 1) / (sent[-1] - sent[0]) == pytest.approx(10, rel=0.06)  # and kept the rate


def test_a_rate_below_one_per_second_is_paced_one_at_a_time() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=0.5, per_address_per_second=1000, address_burst=1000)
    channel.take("a")
    assert channel.delay("b", bulk=True) == pytest.approx(2.0)


def test_a_reply_uses_the_chats_burst_but_bulk_keeps_its_pace() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=1000)
    for _ in range(3):  # three replies at once
        assert channel.delay("chat", bulk=False) == 0
        channel.take("chat")
        clock.now += 0.001
    assert channel.delay("chat", bulk=False) == pytest.approx(1 - 0.003, abs=0.01)  # burst used up
    other = limiter(Clock(), per_second=1000)
    other.take("chat")
    assert other.delay("chat", bulk=True) == pytest.approx(1.0)  # bulk: one per second per chat
    assert other.delay("chat", bulk=False) == 0  # a reply may still go


def test_longer_windows_cap_an_address() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=100, per_address_per_second=100, address_burst=100,
                      address_windows=((30.0, 3),))
    for _ in range(3):
        channel.take("hook")
        clock.now += 0.5
    assert channel.delay("hook", bulk=False) == pytest.approx(30 - 1.5)
    assert channel.delay("other", bulk=False) == 0


def test_retry_after_pauses_the_channel_or_one_address() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=100)
    channel.pause(2.0, "chat")
    assert channel.delay("chat", bulk=False) == pytest.approx(2.0)
    assert channel.delay("other", bulk=False) == 0
    channel.pause(5.0)
    assert channel.delay("other", bulk=False) == pytest.approx(5.0)
    assert channel.channel_delay() == pytest.approx(5.0)
    clock.now += 5
    assert channel.delay("chat", bulk=False) == 0


def test_idle_addresses_are_forgotten() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=10_000, per_address_per_second=10, address_burst=1)
    for n in range(2048):
        channel.take(f"chat-{n}")
        clock.now += 0.01
    assert len(channel) < 2048  # the early ones were pruned
    assert channel.delay("chat-0", bulk=True) == 0


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0, 1, 0)
    with pytest.raises(ValueError):
        SlidingWindow(0, 1)
    with pytest.raises(ValueError):
        ChannelLimiter(RateLimits(per_second=1, per_address_per_second=0))
