"""``python -m bench.analytics``: analytics on a national-size history of public events.

Three figures per database, in one run against a private nats-server:

- apply: the analytics Runtime consumes N events (registry and cases streams, real CloudEvents)
  into its read models, as a ratio of raw nats-py fetch+ack measured just before and after it
  (>= 0.7); ``--apply-rounds`` rounds (3), each into a fresh database, judged by the median
  ratio: a burst of other work on a shared machine lowers one round's ratio, not the median;
- rebuild: ``rebuild`` replays the N events from the streams (1,000,000 in under 3 minutes);
- queries: p95 of every indicator over HTTP (ASGI) for the country, a province and a regency,
  with the N events as history (under 100 ms).

``--skip-apply`` leaves the live consumers out: the rebuild alone fills the read models (a real
1,000,000-event rebuild without waiting for the apply first) and the queries run after it.
``--profile DIR`` writes a cProfile of the apply and rebuild phases (the event loop's thread).
Every phase reports this process's CPU seconds (all threads) beside its wall seconds.

The history spreads people and cases over every district and the last year: per PSKS person 3
events (registered, verified, certified), per case 5-6 (opened, assessed, referred, accepted or
declined, completed, mostly closed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from bench import env, raw
from bench.kit import KIT_SHAPED
from bench.profiling import profiled
from bench.report import RESULTS, TARGET_RATIO, Rate
from pilar_analytics.app import MIGRATIONS, create_app
from pilar_analytics.handlers import ROUTERS
from pilar_analytics.rebuild import rebuild
from pilar_analytics.settings import AnalyticsSettings
from pilar_contracts import Event, Outgoing, wrap
from pilar_contracts.consumers import ANALYTICS_REGISTRY
from pilar_contracts.events import cases as c
from pilar_contracts.events import registry as r
from pilar_contracts.events.fields import RecipientKind, Urgency
from pilar_contracts.reference.regions import children, provinces
from pilar_contracts.streams import STREAMS
from pilar_kit.auth import AuthSettings, Principal, Role, issuer_from_settings
from pilar_kit.migrations import upgrade
from pilar_kit.provision import provision
from pilar_kit.runtime import Runtime
from pilar_kit.serve import settle_heap
from pilar_kit.settings import ServiceSettings

DATABASES = ("sqlite", "postgresql")
REBUILD_TARGET_SECONDS, REBUILD_TARGET_EVENTS = 180.0, 1_000_000
QUERY_TARGET_MS = 100.0
RAW_MAX = 100_000  # the raw baseline is a rate: this many messages measure it well enough
SECRET = SecretStr("bench-analytics-" + "x" * 40)
ENDPOINTS = ("coverage", "psks", "cases", "referrals", "disasters", "psm-activity", "trend")
REGIONS = ("", "33", "33.71")

PSKS_TYPES = ("PSKS-02", "PSKS-02", "PSKS-03", "PSKS-11", "PSKS-01")
PMKS = tuple(f"PMKS-{n:02d}" for n in range(1, 27))
YEAR_SECONDS = 365 * 86400


def districts() -> list[str]:
    """Every district code of the current Kepmendagri table."""
    return [d for p in provinces() for regency in children(p) for d in children(regency)]


class History:
    """Generates events until ``count``, with times in the last year."""

    def __init__(self, count: int, seed: int = 1) -> None:
        self.count, self.chance = count, random.Random(seed)
        self.places = districts()
        self.end = datetime.now(UTC)
        self.pillars: list[tuple[UUID, str]] = []

    def _at(self) -> datetime:
        return self.end - timedelta(seconds=self.chance.randrange(YEAR_SECONDS))

    def _wrap(self, event: Event, region: str, at: datetime) -> Outgoing:
        source = r.SOURCE if type(event).kind.producer == "registry" else c.SOURCE
        out = wrap(event, source=source, subject="bench", region=region)
        return out.model_copy(update={"envelope": out.envelope.model_copy(update={"time": at})})

    def events(self) -> Iterator[Outgoing]:
        """Events in story order (a person before the cases referred to them)."""
        made = 0
        while made < self.count:
            batch = self._person() if made % 9 < 3 or not self.pillars else self._case()
            for item in batch[: self.count - made]:
                made += 1
                yield item

    def _person(self) -> list[Outgoing]:
        who, place, at = uuid4(), self.chance.choice(self.places), self._at()
        kind = self.chance.choice(PSKS_TYPES)
        self.pillars.append((who, place))
        registered = r.VolunteerRegistered(
            volunteer_id=who, psks_type=kind, region=place, registered_at=at
        )
        certified = r.VolunteerCertified(
            volunteer_id=who,
            psks_type=kind,
            region=place,
            certification_id=uuid4(),
            scheme="PSM",
            certificate_no="BENCH",
            valid_from=at.date(),
        )
        told = [
            self._wrap(registered, place, at),
            self._wrap(r.VolunteerVerified(volunteer_id=who, verified_by="bench"), place, at),
        ]
        if at + timedelta(days=1) <= self.end:  # no event from the future
            told.append(self._wrap(certified, place, at + timedelta(days=1)))
        return told

    def _case(self) -> list[Outgoing]:
        case, referral, at = uuid4(), uuid4(), self._at()
        pillar, place = self.chance.choice(self.pillars)
        opened = c.CaseOpened(
            case_id=case,
            client_ref="ab" * 16,
            pmks_category=self.chance.choice(PMKS),
            region=place,
            urgency=Urgency.ROUTINE,
            opened_by="bench",
        )
        referred = c.CaseReferred(
            case_id=case,
            referral_id=referral,
            to_kind=RecipientKind.VOLUNTEER,
            to_id=pillar,
            service="pendampingan",
            accept_by=at + timedelta(hours=48),
            attempt=1,
        )
        steps: list[tuple[Event, float]] = [
            (opened, 0),
            (c.CaseAssessed(case_id=case, needs=("pendampingan",), risk_level="low"), 2),
            (referred, 4),
        ]
        if self.chance.random() < 0.1:
            declined = c.ReferralDeclined(
                referral_id=referral, case_id=case, by_id=pillar, reason_code="busy"
            )
            steps.append((declined, 4 + self.chance.uniform(1, 40)))
        else:
            accepted = c.ReferralAccepted(referral_id=referral, case_id=case, by_id=pillar)
            done = c.ReferralCompleted(referral_id=referral, case_id=case, outcome="ok", quality=4)
            hours = 4 + self.chance.uniform(1, 48)
            steps += [(accepted, hours), (done, hours + self.chance.uniform(24, 24 * 30))]
        if self.chance.random() < 0.75:
            closed = c.CaseClosed(case_id=case, outcome="resolved", stage="terminasi")
            steps.append((closed, steps[-1][1] + 24))
        dated = [(e, at + timedelta(hours=h)) for e, h in steps]
        return [self._wrap(e, place, when) for e, when in dated if when <= self.end]


@dataclass(frozen=True)
class Round:
    """One round of the apply: raw nats-py fetch+ack before and after the consumers."""

    before: Rate
    apply: Rate
    after: Rate

    @property
    def raw(self) -> float:
        """Raw nats-py's rate around the apply: the mean of before and after (msgs/s)."""
        return (self.before.per_second + self.after.per_second) / 2

    @property
    def ratio(self) -> float:
        """The consumers' rate as a share of raw nats-py's around it."""
        return self.apply.per_second / self.raw if self.raw else 0.0


@dataclass
class Figures:
    """What one database measured."""

    database: str
    rounds: list[Round]  # empty with --skip-apply
    rebuild: Rate
    p95_ms: dict[str, float] = field(default_factory=dict)
    first_ms: dict[str, float] = field(default_factory=dict)  # a day's first: computes and keeps

    @property
    def ratio(self) -> float | None:
        """The median of the rounds' ratios: the figure to judge the apply by."""
        return statistics.median(r.ratio for r in self.rounds) if self.rounds else None


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds only the table."""
    print(text, file=sys.stderr, flush=True)


async def reset_streams(js: JetStreamContext) -> None:
    """Empty streams, declared as provisioning declares them (durables included)."""
    for spec in STREAMS:
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(spec.name)
    await provision(js)


async def publish_history(js: JetStreamContext, count: int, window: int) -> None:
    """Publish a fresh history of ``count`` events (untimed)."""
    pending = []
    for item in History(count).events():
        headers = item.envelope.headers()
        pending.append(await js.publish_async(item.nats_subject, item.body, headers=headers))
        if len(pending) >= window:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)


def applied(runtime: Runtime) -> int:
    """Events the runtime's consumers applied, by the kit's own counter (only that metric)."""
    total = 0.0
    for family in runtime.metrics.consumed.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.labels.get("outcome") == "applied":
                total += sample.value
    return int(total)


async def apply_rate(runtime: Runtime, count: int) -> Rate:
    """Time from starting the consumers until every event is applied."""
    await upgrade(runtime.engine, MIGRATIONS)  # before the clock: start() finds the head
    cpu, started = time.process_time(), time.perf_counter()
    await runtime.start()
    last, last_change = 0, time.monotonic()
    while (done := applied(runtime)) < count:
        if done != last:
            last, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > 60:
            raise RuntimeError(f"analytics stalled after {done} of {count} events")
        await asyncio.sleep(0.05)
    return Rate(count, time.perf_counter() - started, time.process_time() - cpu)


async def query_p95(app: Any, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """p95 latency (ms) of every indicator for the country, a province and a regency.

    Also the first request's, which computes the day's figures whole and keeps them.
    """
    token = issuer_from_settings(AuthSettings(jwt_secret=SECRET)).issue(
        Principal(subject="bench", role=Role.NATIONAL_OPERATOR)
    )
    headers = {"Authorization": f"Bearer {token}"}
    out, first = {}, {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for name in ENDPOINTS:
            for region in REGIONS:
                spent = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    response = await http.get(
                        f"/indicators/{name}", params={"region": region}, headers=headers
                    )
                    spent.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{name}@{region}: {response.status_code}")
                key = f"{name}@{region or 'national'}"
                first[key] = spent[0]
                spent.sort()
                out[key] = spent[max(0, int(len(spent) * 0.95) - 1)]
    return out, first


Fresh = Callable[[], AbstractAsyncContextManager[str]]
"""A fresh database for a block: yields its URL."""


async def measure(
    name: str,
    fresh: Fresh,
    js: JetStreamContext,
    nats_url: str,
    root: Path,
    args: argparse.Namespace,
) -> Figures:
    """Apply rounds, then queries and rebuild on the last round's database."""
    say(f"{name}: publishing a history of {args.events:,} events (untimed) ...")
    await reset_streams(js)
    await publish_history(js, args.events, args.window)
    rounds = 0 if args.skip_apply else args.apply_rounds
    found: list[Round] = []
    for number in range(1, rounds):  # all but the last round: a database for the apply alone
        async with fresh() as url:
            runtime = create_app(_settings(url, nats_url, root, args)).state.runtime
            try:
                found.append(await apply_round(name, number, runtime, js, args))
            finally:
                await runtime.stop()
    async with fresh() as url:
        return await _last_round(name, url, found, js, nats_url, root, args)


async def _last_round(
    name: str,
    url: str,
    found: list[Round],
    js: JetStreamContext,
    nats_url: str,
    root: Path,
    args: argparse.Namespace,
) -> Figures:
    """The last apply round (if any), the queries on its figures, then the rebuild."""
    settings = _settings(url, nats_url, root, args)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    p95: dict[str, float] = {}
    first: dict[str, float] = {}
    try:
        if not args.skip_apply:
            found.append(await apply_round(name, args.apply_rounds, runtime, js, args))
            say(f"{name}: indicator queries, {args.rounds} rounds each ...")
            p95, first = await query_p95(app, args.rounds)
    finally:
        await runtime.stop()
    say(f"{name}: rebuild ...")
    cpu, started = time.process_time(), time.perf_counter()
    with profiled(_profile_path(args, name, "rebuild")):
        replayed = await rebuild(settings, MIGRATIONS)
    rebuilt = Rate(
        sum(found.read for found in replayed),
        time.perf_counter() - started,
        time.process_time() - cpu,
    )
    if args.skip_apply:
        say(f"{name}: indicator queries after the rebuild, {args.rounds} rounds each ...")
        p95, first = await query_p95(app, args.rounds)
        await runtime.engine.dispose()
    return Figures(name, found, rebuilt, p95, first)


def _settings(url: str, nats_url: str, root: Path, args: argparse.Namespace) -> AnalyticsSettings:
    """The analytics service's settings for one database."""
    return AnalyticsSettings(
        database_url=url,
        nats_url=nats_url,
        data_dir=root,
        batch_size=args.batch,
        watch_seconds=3600,
        auth=AuthSettings(jwt_secret=SECRET),
    )


async def apply_round(
    name: str, number: int, runtime: Runtime, js: JetStreamContext, args: argparse.Namespace
) -> Round:
    """The consumers apply the whole history into a fresh database, raw nats-py around them.

    Raw nats-py is measured just before and just after, so that the machine's speed drifting
    during the round (other work on a shared host) moves both sides of the ratio alike.
    """
    say(f"{name}: round {number}: raw nats-py, the analytics consumers, raw nats-py again ...")
    before = await raw_baseline(js, args)
    await rewind(js)
    with profiled(_profile_path(args, name, f"apply-{number}")):
        applied = await apply_rate(runtime, args.events)
    return Round(before, applied, await raw_baseline(js, args))


async def rewind(js: JetStreamContext) -> None:
    """Start the analytics durables at the first event again, as provisioning declares them."""
    for router in ROUTERS:
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(router.spec.stream, router.spec.durable)
    await provision(js)


def _profile_path(args: argparse.Namespace, database: str, phase: str) -> Path | None:
    """Where ``--profile`` writes a phase's profile, if asked."""
    return args.profile / f"analytics-{database}-{phase}" if args.profile else None


async def raw_baseline(js: JetStreamContext, args: argparse.Namespace) -> Rate:
    """Raw nats-py, as shipped, fetching+acking real events, as ``make bench`` measures it."""
    count = min(args.events, RAW_MAX)
    say(f"raw nats-py publish + fetch/ack of {count:,} kit-shaped messages ...")
    with raw.as_shipped():  # the consumers' Runtime has installed the kit's fast paths
        await raw.create_stream(js)
        await raw.publish_rate(js, KIT_SHAPED, count, args.window)
        rate = await raw.fetch_ack_rate(
            js, KIT_SHAPED, count, args.batch, ANALYTICS_REGISTRY.max_ack_pending
        )
        await raw.delete_stream(js)
    return rate


async def run(args: argparse.Namespace) -> list[Figures]:
    """One run against a private nats-server in a temp folder."""
    settle_heap()  # as every service does before it serves (pilar_kit.serve)
    with tempfile.TemporaryDirectory(prefix="pilar-bench-analytics-") as tmp:
        root = Path(tmp)
        with env.nats_server(root) as server:
            nc = await nats.connect(server.url)
            try:
                js = nc.jetstream()
                return [f async for f in _databases(js, server.url, root, args)]
            finally:
                await nc.close()


async def _databases(
    js: JetStreamContext, nats_url: str, root: Path, args: argparse.Namespace
) -> AsyncIterator[Figures]:
    for name in DATABASES:
        if args.only and name != args.only:
            continue
        if name == "sqlite":
            yield await measure(name, lambda: env.sqlite_database(root), js, nats_url, root, args)
        elif await env.postgres_version(args.pg_url) is None:
            say(f"PostgreSQL unreachable at {args.pg_url}: skipped")
        else:
            fresh = lambda: env.postgres_database(args.pg_url)  # noqa: E731
            yield await measure(name, fresh, js, nats_url, root, args)


def render(found: Sequence[Figures], events: int) -> str:
    """The table of a run."""
    lines = [f"Pilar analytics bench: N={events:,} events"]
    for f in found:
        projected = REBUILD_TARGET_EVENTS / f.rebuild.per_second if f.rebuild.per_second else 0
        worst = max(f.p95_ms.items(), key=lambda kv: kv[1])
        lines.append(f"{f.database}:")
        if f.ratio is not None:
            verdict = "PASS" if f.ratio >= TARGET_RATIO else "BELOW"
            lines.append(
                f"  apply    ratio {f.ratio:.2f}, the median of {len(f.rounds)} rounds "
                f"(target >= {TARGET_RATIO})  {verdict}"
            )
            lines += [_round_line(n, r) for n, r in enumerate(f.rounds, 1)]
        lines += [
            f"  rebuild  {f.rebuild.per_second:>9,.0f} ev/s ({f.rebuild.seconds:.1f} s, "
            f"CPU {_us(f.rebuild)})  -> 1,000,000 in ~{projected:.0f} s "
            f"(target {REBUILD_TARGET_SECONDS:.0f} s)",
            f"  queries  p95 worst {worst[1]:.1f} ms ({worst[0]}; target {QUERY_TARGET_MS:.0f} ms)",
        ]
        lines += [f"    {name:<28}{ms:>8.1f} ms" for name, ms in sorted(f.p95_ms.items())]
        if f.first_ms:
            slowest = max(f.first_ms.items(), key=lambda kv: kv[1])
            lines.append(
                f"  a day's first request of a figure (counts it whole and keeps it): "
                f"worst {slowest[1]:.1f} ms ({slowest[0]})"
            )
    return "\n".join(lines)


def _round_line(number: int, one: Round) -> str:
    """One apply round: raw nats-py's rate, the consumers' rate and CPU, their ratio."""
    return (
        f"    round {number}  raw nats-py fetch+ack {one.raw:>7,.0f} msgs/s "
        f"({one.before.per_second:,.0f} before, {one.after.per_second:,.0f} after)  "
        f"apply {one.apply.per_second:>7,.0f} ev/s ({one.apply.seconds:.1f} s, "
        f"CPU {_us(one.apply)})  ratio {one.ratio:.2f}"
    )


def _us(rate: Rate) -> str:
    """CPU seconds of a phase and per event."""
    per = rate.cpu_per_message or 0.0
    return f"{rate.cpu_seconds or 0:.1f} s, {per * 1e6:.0f} us/event"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="N (the issue: 1,000,000)")
    parser.add_argument("--only", choices=DATABASES, help="one database only")
    parser.add_argument(
        "--batch",
        type=int,
        default=ServiceSettings.model_fields["batch_size"].default,
        help="fetch batch (batch_size; the service's default)",
    )
    parser.add_argument("--window", type=int, default=500, help="publish window")
    parser.add_argument(
        "--apply-rounds",
        type=int,
        default=3,
        help="apply rounds per database, each raw nats-py then the consumers; judged by the median",
    )
    parser.add_argument("--rounds", type=int, default=20, help="requests per query and region")
    parser.add_argument("--skip-apply", action="store_true", help="rebuild only (then the queries)")
    parser.add_argument(
        "--profile", type=Path, help="write cProfile summaries of apply and rebuild here"
    )
    parser.add_argument(
        "--pg-url",
        default=env.DEFAULT_PG_ADMIN_URL,
        help="PostgreSQL admin URL; a fresh database is created there and dropped after",
    )
    args = parser.parse_args(argv)
    if args.events < 10:
        parser.error("--events must be at least 10")
    if args.apply_rounds < 1:
        parser.error("--apply-rounds must be at least 1")
    return args


def _as_json(f: Figures) -> dict[str, Any]:
    """One database's figures as JSON, each apply round with its raw baseline."""
    rounds = [
        {
            "raw_fetch_ack_before": r.before.as_json(),
            "apply": r.apply.as_json(),
            "raw_fetch_ack_after": r.after.as_json(),
            "ratio": round(r.ratio, 3),
        }
        for r in f.rounds
    ]
    return {
        **asdict(f),
        "rounds": rounds,
        "apply_ratio": round(f.ratio, 3) if f.ratio is not None else None,
        "rebuild": f.rebuild.as_json(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write ``bench/results/analytics.json``."""
    args = parse_args(argv)
    for noisy in ("httpx", "faststream", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    found = asyncio.run(run(args))
    print(render(found, args.events))
    path = RESULTS.parent / "analytics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(),
        "events": args.events,
        "machine": env.machine(),
        "databases": [_as_json(f) for f in found],
    }
    path.write_text(json.dumps(document, indent=2))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
