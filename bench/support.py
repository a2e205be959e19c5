"""What the end-to-end benchmarks share (bench/telegram_e2e.py, bench/slack_e2e.py): CPU time per process
from Linux's /proc, one run's measurements (`Phase`), runs pooled into one, and how a run is printed."""

from __future__ import annotations

import os
import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu(app_pid: int, platform: str) -> dict[str, float]:
    """CPU seconds so far of the bot's process ("app"), its children ("sender": Samråd's sender process,
    if any) and this one (`platform`: the fake platform and the simulated people)."""
    children = Path(f"/proc/{app_pid}/task/{app_pid}/children").read_text().split()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"app": cpu_seconds(app_pid), "sender": sum(cpu_seconds(int(pid)) for pid in children),
            platform: usage.ru_utime + usage.ru_stime}


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes: how much else wanted these cores."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@dataclass
class Phase:
    """What one run of the simulated people against one bot measured."""

    bot: str
    people: int
    updates: int
    seconds: float  # from the first update until every reply has been delivered
    acked_seconds: float  # from the first update until the last request was acknowledged
    busy_seconds: float  # the wall time over which the CPU was counted
    latencies: list[float]  # of the acknowledgements
    cpu: dict[str, float]  # seconds, by process (process_cpu)
    not_ok: int  # requests not answered 200
    replies: list[float] = field(default_factory=list)  # from an update until its reply came, where measured
    lost: int = 0  # of a burst: acknowledged, then lost with a restart
    burst: int = 0  # starts in that burst

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def cpu_ms(self, process: str) -> float:
        return self.cpu[process] / self.updates * 1000


def pooled(phases: list[Phase]) -> Phase:
    """One bot's phases as one: counts and seconds added up, latencies pooled."""
    return Phase(
        phases[0].bot, sum(p.people for p in phases), sum(p.updates for p in phases),
        sum(p.seconds for p in phases), sum(p.acked_seconds for p in phases), sum(p.busy_seconds for p in phases),
        [x for p in phases for x in p.latencies], {name: sum(p.cpu[name] for p in phases) for name in phases[0].cpu},
        sum(p.not_ok for p in phases), [x for p in phases for x in p.replies], sum(p.lost for p in phases),
        sum(p.burst for p in phases),
    )


def report(label: str, phase: Phase, done: str, *, platform: str, acknowledged: str) -> None:
    """Print a run: its rate end to end, its acknowledgements, and the CPU per update of each process."""
    processes = (f"app {phase.cpu_ms('app'):.2f} ms, sender process {phase.cpu_ms('sender'):.2f} ms"
                 if phase.bot == "Samråd" else f"peer process {phase.cpu_ms('app'):.2f} ms")
    replies = (f"; reply latency p50 {statistics.median(phase.replies) * 1000:.1f} ms, p99 "
               f"{percentile(phase.replies, 0.99) * 1000:.1f} ms" if phase.replies else "")
    print(f"{label}\n    {phase.updates} updates from {phase.people} people; {done} after {phase.seconds:.2f} s: "
          f"{phase.per_second:.0f} updates/s end to end\n"
          f"    {acknowledged}: {phase.updates / phase.acked_seconds:.0f} updates/s acknowledged; latency p50 "
          f"{statistics.median(phase.latencies) * 1000:.1f} ms, p99 {percentile(phase.latencies, 0.99) * 1000:.1f} ms; "
          f"not 200: {phase.not_ok}{replies}\n"
          f"    CPU per update: {processes}, fake {platform.capitalize()} and people {phase.cpu_ms(platform):.2f} ms; "
          f"cores busy on average: {sum(phase.cpu.values()) / phase.busy_seconds:.2f} of {os.cpu_count()}", flush=True)
    if phase.burst:
        print(f"    burst of {phase.burst} starts, then a restart: {phase.lost} acknowledged and lost", flush=True)


def side_by_side(samrad: list[Phase], peer: list[Phase], *, setting: str, report: Callable[[str, Phase, str], None],
                 updates_per_person: int, peer_updates_per_person: int) -> None:
    """Print both bots' runs (Samråd, peer, peer, Samråd) pooled, and their ratios: overall and run by run."""
    ours, theirs = pooled(samrad), pooled(peer)
    print(f"side by side, {samrad[0].people} people each time, {setting}:")
    report("  Samråd (1a + 2b)", ours, "every reply delivered")
    report("  the peer (1b + 2a)", theirs, "every conversation complete")
    lost = (f"lost in the bursts: Samråd {ours.lost} of {ours.burst}, the peer {theirs.lost} of {theirs.burst}; "
            if ours.burst or theirs.burst else "")
    print(f"  Samråd / peer: {ours.per_second / theirs.per_second:.2f} x the updates/s end to end "
          f"(in order: {samrad[0].per_second / peer[0].per_second:.2f} x, then "
          f"{samrad[1].per_second / peer[1].per_second:.2f} x); conversations completed per second: "
          f"{(ours.people / ours.seconds) / (theirs.people / theirs.seconds):.2f} x "
          f"({updates_per_person} updates per person with Samråd, {peer_updates_per_person} with the peer); "
          f"{lost}load average now {load()}", flush=True)
