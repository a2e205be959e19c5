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


def test_a_mailbox_paced_at_one_every_five_seconds_waits_five_seconds_between_bulk_messages() -> None:
    # E-mail's rate is 0.2 per address per second: a rate of 1 would hide 1/rate turned into 1*rate.
    clock = Clock()
    mail = limiter(clock, per_second=14, per_address_per_second=0.2, address_burst=1)
    mail.take("anna@example.se")
    assert mail.delay("anna@example.se", bulk=True) == pytest.approx(5.0)
    clock.now += 4.9
    assert mail.delay("anna@example.se", bulk=True) == pytest.approx(0.1)
    clock.now += 0.1
    assert mail.delay("anna@example.se", bulk=True) == 0


def test_a_chat_paced_at_four_a_second_refills_its_burst_a_quarter_second_apiece() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=1000, per_address_per_second=4, address_burst=2)
    channel.take("chat")
    channel.take("chat")
    assert channel.delay("chat", bulk=False) == pytest.approx(0.25)  # the burst is spent
    assert channel.delay("chat", bulk=True) == pytest.approx(0.25)
    clock.now += 0.25
    assert channel.delay("chat", bulk=False) == 0 and channel.delay("chat", bulk=True) == 0


def test_forgetting_idle_addresses_keeps_those_still_paused_or_paced() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=100_000, per_address_per_second=10, address_burst=2)
    channel.pause(60.0, "paused")  # a platform's retry_after, 60 s
    channel.pause(0.05, "brief")  # over by the time of the second sweep: forgotten then
    channel.take("busy")
    channel.take("busy")  # its burst is spent, refilled 10 a second
    for n in range(1022):  # the 1024th message sweeps idle addresses away
        channel.take(f"chat-{n}")
        clock.now += 0.00001
    clock.now += 0.15  # "busy" is refilled after 0.2 s; chat-0 … are full again after 0.1 s
    for n in range(1024):  # the next sweep
        channel.take(f"later-{n}")
    assert len(channel) == 2 + 1024  # every chat-n was forgotten: each was idle, with its bucket full
    clock.now += 0.02  # the channel itself has caught up with the 1024 messages
    elapsed = 0.01022 + 0.15 + 0.02
    assert channel.delay("paused", bulk=False) == pytest.approx(60.0 - elapsed, abs=1e-6)
    channel.take("busy")  # 1.8 tokens saved, not the 2 of a chat never seen: a second reply waits
    assert channel.delay("busy", bulk=False) == pytest.approx((1 - (10 * elapsed - 1)) / 10, abs=1e-6)


def test_an_address_under_a_longer_window_is_remembered_for_as_long_as_the_window() -> None:
    clock = Clock()
    channel = limiter(clock, per_second=100_000, per_address_per_second=100, address_burst=100,
                      address_windows=((30.0, 1),))
    channel.take("hook")
    clock.now += 10  # well past 1/rate, inside the 30 s window
    for n in range(1023):
        channel.take(f"other-{n}")
    assert channel.delay("hook", bulk=False) == pytest.approx(20.0)


@pytest.mark.parametrize("rate", [1, 1.5])
def test_a_channel_of_one_a_second_never_sends_two_in_a_second(rate: float) -> None:
    clock = Clock()
    channel = limiter(clock, per_second=rate, per_address_per_second=1000, address_burst=1000)
    channel.take("a")
    assert channel.channel_delay() == pytest.approx(1.0) and channel.delay("b", bulk=False) == pytest.approx(1.0)


def test_channel_delay_follows_the_rate_the_second_window_and_pauses() -> None:
    clock = Clock()
    slow = limiter(clock, per_second=0.5, per_address_per_second=1000, address_burst=1000)
    assert slow.channel_delay() == 0
    slow.take("a")
    assert slow.channel_delay() == pytest.approx(2.0)
    window = limiter(clock, per_second=2.5, per_address_per_second=1000, address_burst=1000)
    window.take("a")
    window.take("b")  # a token is left, but two went in this second
    assert window.channel_delay() == pytest.approx(1.0)
    clock.now += 1.0
    assert window.channel_delay() == 0
    window.pause(0.5)  # a retry_after under a second is kept as it is
    assert window.channel_delay() == pytest.approx(0.5)


def test_a_bucket_gives_a_whole_token_after_its_time_whatever_floating_point_says() -> None:
    bucket = TokenBucket(10, 3, 100.0)
    assert bucket.wait(100.0) == 0.0  # full
    for _ in range(3):
        bucket.take(100.0)
    assert bucket.wait(100.0) == pytest.approx(0.1)
    assert bucket.wait(100.1) == 0.0  # 100.1 - 100.0 is a hair under 0.1 in floating point


def test_an_address_with_a_burst_of_one_waits_between_replies_too() -> None:
    clock = Clock()
    mail = limiter(clock, per_second=14, per_address_per_second=0.2, address_burst=1)
    mail.take("anna@example.se")
    assert mail.delay("anna@example.se", bulk=False) == pytest.approx(5.0)
    mail.pause(0.5, "bertil@example.se")  # under a second, kept as asked
    assert mail.delay("bertil@example.se", bulk=False) == pytest.approx(0.5)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(0, 1, 0)
    with pytest.raises(ValueError, match="positive length"):
        SlidingWindow(0, 1)
    with pytest.raises(ValueError, match="per_address_per_second must be positive"):
        ChannelLimiter(RateLimits(per_second=1, per_address_per_second=0))
