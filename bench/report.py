"""Figures of one bench run: rates, ratios against the raw baselines, the table and the JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TARGET_RATIO = 0.7
RESULTS = Path(__file__).parent / "results" / "latest.json"
RELAY, CONSUME = "relay publish", "consume+inbox+apply"
PLAIN_SHAPE = "128-byte payload + Nats-Msg-Id header"
KIT_SHAPE = "the kit's real messages: ~260-byte JSON body + 10 CloudEvents headers (~400 bytes)"


@dataclass(frozen=True)
class Rate:
    """``count`` messages handled in ``seconds``."""

    count: int
    seconds: float
    cpu_seconds: float | None = None  # this process's CPU (all threads) while it ran

    @property
    def per_second(self) -> float:
        """Messages per second."""
        return self.count / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_per_message(self) -> float | None:
        """CPU seconds per message, when measured."""
        return self.cpu_seconds / self.count if self.cpu_seconds and self.count else None

    def as_json(self) -> dict[str, float]:
        """The rate as JSON numbers."""
        figures = {
            "count": self.count,
            "seconds": round(self.seconds, 4),
            "msgs_per_s": round(self.per_second, 1),
        }
        if self.cpu_seconds is not None:
            figures["cpu_seconds"] = round(self.cpu_seconds, 4)
        return figures


@dataclass(frozen=True)
class RawFigures:
    """The raw nats-py baselines of this run (nats-py as shipped).

    Kit-shaped (the kit's very messages) is the ratios' baseline; plain, and kit-shaped with the
    kit's nats-py fast paths installed, are for information.
    """

    publish: Rate
    fetch_ack: Rate
    shaped_publish: Rate
    shaped_fetch_ack: Rate
    fast_fetch_ack: Rate | None = None


@dataclass(frozen=True)
class KitFigures:
    """The kit's figures on one database."""

    database: str
    relay: Rate
    consume: Rate
    staging: Rate


@dataclass
class Report:
    """Everything one run measured."""

    events: int
    window: int
    batch_size: int
    machine: dict[str, object]
    versions: dict[str, str]
    raw: RawFigures
    middlewares: bool = True
    kit: list[KitFigures] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """One compared figure: a kit rate against its raw baseline."""

    database: str
    name: str
    rate: Rate
    baseline_name: str
    baseline: Rate  # raw nats-py moving the same kit-shaped messages
    plain: Rate  # raw nats-py moving small one-header messages (information)

    @property
    def ratio(self) -> float:
        """The kit's rate as a fraction of raw nats-py's on the same messages."""
        return _ratio(self.rate, self.baseline)

    @property
    def plain_ratio(self) -> float:
        """The kit's rate as a fraction of raw nats-py's on plain messages (information)."""
        return _ratio(self.rate, self.plain)

    @property
    def cpu_ratio(self) -> float | None:
        """Baseline CPU per message over the kit's (this process only; less sensitive to load)."""
        kit, base = self.rate.cpu_per_message, self.baseline.cpu_per_message
        return base / kit if kit and base else None

    @property
    def plain_cpu_ratio(self) -> float | None:
        """Plain raw CPU per message over the kit's (information)."""
        kit, base = self.rate.cpu_per_message, self.plain.cpu_per_message
        return base / kit if kit and base else None

    @property
    def verdict(self) -> str:
        """PASS when the ratio meets the target."""
        return "PASS" if self.ratio >= TARGET_RATIO else "BELOW"


def lines(report: Report) -> list[Line]:
    """The compared figures, relay against publish and consume against fetch+ack."""
    raw = report.raw
    out = []
    for kit in report.kit:
        db = kit.database
        out.append(Line(db, RELAY, kit.relay, "raw publish", raw.shaped_publish, raw.publish))
        out.append(
            Line(db, CONSUME, kit.consume, "raw fetch+ack", raw.shaped_fetch_ack, raw.fetch_ack)
        )
    return out


def _ratio(rate: Rate, base: Rate) -> float:
    """``rate`` as a fraction of ``base``."""
    return rate.per_second / base.per_second if base.per_second else 0.0


def render(report: Report) -> str:
    """The human-readable table of a run."""
    parts = [_header(report), _busy_note(report), _raw_table(report), _kit_table(report)]
    parts.append(_cpu_table(report))
    parts += [f"  {db}: skipped ({why})" for db, why in report.skipped.items()]
    parts.append(_staging(report))
    return "\n".join(p for p in parts if p)


def _header(report: Report) -> str:
    """N, the machine and the versions."""
    m, v = report.machine, report.versions
    versions = ", ".join(f"{k} {val}" for k, val in v.items())
    return (
        f"Pilar bench: N={report.events:,} events, relay window {report.window}, "
        f"fetch batch {report.batch_size}, FastStream middlewares "
        f"{'as in the Runtime' if report.middlewares else 'OFF (diagnosis)'}\n"
        f"machine: nproc={m['nproc']} ({m['cpu']}), {m['platform']}, "
        f"load average at start {m['loadavg']}\n"
        f"versions: {versions}\n"
    )


def _busy_note(report: Report) -> str:
    """A warning when other work was running on the machine as the run started."""
    load = float(str(report.machine["loadavg"]).split()[0])
    cpus = int(str(report.machine["nproc"]))
    if load <= cpus / 2:
        return ""
    return (
        f"NOTE: load average {load:.2f} on {cpus} CPUs at start: other work is running, "
        "the figures (and ratios, whose two sides run at different moments) are noisy.\n"
    )


def _raw_table(report: Report) -> str:
    """The raw nats-py baselines."""
    raw, fetch = report.raw, f"fetch({report.batch_size}) + ack"
    publish = f"publish_async, window {report.window}"
    fast = ""
    if raw.fast_fetch_ack is not None:
        fast = f"  {fetch + ' (info)':<28}{'fast paths':<12}{_rate(raw.fast_fetch_ack)}\n"
    return (
        "Raw nats-py baselines (nats-py as shipped; same server, same run)\n"
        f"  {publish:<28}{'kit-shaped':<12}{_rate(raw.shaped_publish)}\n"
        f"  {fetch:<28}{'kit-shaped':<12}{_rate(raw.shaped_fetch_ack)}\n"
        f"  {publish + ' (info)':<28}{'plain':<12}{_rate(raw.publish)}\n"
        f"  {fetch + ' (info)':<28}{'plain':<12}{_rate(raw.fetch_ack)}\n{fast}"
        f"  kit-shaped = {KIT_SHAPE}; plain = {PLAIN_SHAPE}; fast paths = kit-shaped with the"
        " kit's nats-py fast paths installed (pilar_kit.natsfast)\n"
    )


def _kit_table(report: Report) -> str:
    """The kit's figures with their ratios, targets and verdicts."""
    head = (
        f"  {'database':<11}{'figure':<21}{'msgs/s':>10}{'seconds':>9}  "
        f"{'baseline':<15}{'ratio':>6}{'target':>8}  {'verdict':<9}{'vs plain raw':>13}"
    )
    rows = [
        f"  {ln.database:<11}{ln.name:<21}{ln.rate.per_second:>10,.0f}{ln.rate.seconds:>9.2f}  "
        f"{ln.baseline_name:<15}{ln.ratio:>6.2f}{'>= ' + str(TARGET_RATIO):>8}  {ln.verdict:<9}"
        f"{ln.plain_ratio:>13.2f}"
        for ln in lines(report)
    ]
    title = "Kit (ratio = kit msgs/s / raw nats-py msgs/s on the same kit-shaped messages)"
    return "\n".join([title, head, *rows])


def _cpu_table(report: Report) -> str:
    """CPU per message of each side: less sensitive to other work on the machine than rates."""
    rows = [
        f"  {ln.database:<11}{ln.name:<21}{_micros(ln.rate):>9}  {ln.baseline_name:<15}"
        f"{_micros(ln.baseline):>9}{ln.cpu_ratio:>8.2f}{_micros(ln.plain):>12}"
        f"{_fraction(ln.plain_cpu_ratio):>8}"
        for ln in lines(report)
        if ln.cpu_ratio is not None
    ]
    if not rows:
        return ""
    head = (
        f"  {'database':<11}{'figure':<21}{'CPU/msg':>9}  "
        f"{'baseline':<15}{'CPU/msg':>9}{'ratio':>8}{'plain':>12}{'ratio':>8}"
    )
    title = "\nCPU of this process per message (all threads; ratio = baseline CPU / kit CPU)"
    return "\n".join([title, head, *rows])


def _fraction(ratio: float | None) -> str:
    """A ratio with two decimals, or a dash when unmeasured."""
    return f"{ratio:.2f}" if ratio is not None else "-"


def _micros(rate: Rate) -> str:
    """CPU per message in microseconds."""
    per = rate.cpu_per_message
    return f"{per * 1e6:,.0f} us" if per is not None else "-"


def _staging(report: Report) -> str:
    """Staging rates, for information only (not part of any ratio)."""
    if not report.kit:
        return ""
    rows = [f"  {kit.database:<11}{_rate(kit.staging)}" for kit in report.kit]
    return "\nOutbox staging, untimed in the ratios (1,000 events per transaction)\n" + "\n".join(
        rows
    )


def _rate(rate: Rate) -> str:
    """A rate as ``12,345 msgs/s (1.62 s)``."""
    return f"{rate.per_second:>10,.0f} msgs/s ({rate.seconds:.2f} s)"


def as_json(report: Report) -> dict[str, Any]:
    """The run as a JSON document."""
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "events": report.events,
        "relay_window": report.window,
        "fetch_batch": report.batch_size,
        "faststream_middlewares": report.middlewares,
        "target_ratio": TARGET_RATIO,
        "machine": report.machine,
        "versions": report.versions,
        "raw": {
            "message": KIT_SHAPE,
            "publish_async": report.raw.shaped_publish.as_json(),
            "fetch_ack": report.raw.shaped_fetch_ack.as_json(),
        },
        "raw_plain": {
            "message": PLAIN_SHAPE,
            "publish_async": report.raw.publish.as_json(),
            "fetch_ack": report.raw.fetch_ack.as_json(),
        },
        "raw_kit_shaped_fast_paths": _optional(report.raw.fast_fetch_ack),
        "kit": {kit.database: _kit_json(kit, report) for kit in report.kit},
        "skipped": report.skipped,
    }


def _kit_json(kit: KitFigures, report: Report) -> dict[str, Any]:
    """One database's figures with their ratios."""
    found = {ln.name: ln for ln in lines(report) if ln.database == kit.database}
    relay, consume = found[RELAY], found[CONSUME]
    return {
        "relay_publish": _line_json(relay),
        "consume_inbox_apply": _line_json(consume),
        "staging": kit.staging.as_json(),
    }


def _line_json(line: Line) -> dict[str, Any]:
    """One compared figure with its ratios and verdict."""
    return {
        **line.rate.as_json(),
        "ratio": round(line.ratio, 3),
        "verdict": line.verdict,
        "ratio_vs_plain_raw": round(line.plain_ratio, 3),
        "cpu_ratio": None if line.cpu_ratio is None else round(line.cpu_ratio, 3),
    }


def _optional(rate: Rate | None) -> dict[str, Any] | None:
    """A rate as JSON, or null when not measured."""
    return None if rate is None else {"fetch_ack": rate.as_json()}


def medians(reports: Sequence[Report]) -> str:
    """Each figure's ratio in every round and their median, the figure to judge by.

    Rounds alternate raw and kit on the same server, so a burst of other work on the machine
    lowers one round's ratio, not the median.
    """
    rounds: dict[tuple[str, str], list[float]] = {}
    for report in reports:
        for ln in lines(report):
            rounds.setdefault((ln.database, ln.name), []).append(ln.ratio)
    title = f"Median of {len(reports)} rounds (ratio to raw nats-py measured in the same round)"
    head = f"  {'database':<11}{'figure':<21}{'median':>7}{'target':>8}  {'verdict':<9}rounds"
    rows = []
    for (db, name), ratios in rounds.items():
        median = statistics.median(ratios)
        verdict = "PASS" if median >= TARGET_RATIO else "BELOW"
        each = " ".join(f"{r:.2f}" for r in ratios)
        rows.append(
            f"  {db:<11}{name:<21}{median:>7.2f}{'>= ' + str(TARGET_RATIO):>8}  {verdict:<9}{each}"
        )
    return "\n".join([title, head, *rows])


def write_json(report: Report, path: Path = RESULTS) -> Path:
    """Write the run to ``bench/results/latest.json``; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_json(report), indent=2) + "\n", encoding="utf-8")
    return path
