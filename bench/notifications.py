"""``python -m bench.notifications``: a Tagana call-out of 10,000 VolunteerDeployed, delivered.

The notifications service runs as its own process (as in production) against a private
nats-server and a local WhatsApp gateway served by this process. Its recipients are loaded first
(ContactChanged), then the clock runs from the first VolunteerDeployed published until the
gateway has received every call-out, while routine reminders (CertificationExpiring) keep flowing.
The time is also given against raw nats-py publishing and consuming the same number of messages
in the same run; the service's peak resident memory (VmHWM) is read from /proc.
Targets (issue 5): within 10 s, under 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from uuid import uuid4

import nats
import uvicorn
from nats.js import JetStreamContext
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench import env, raw
from bench.kit import KIT_SHAPED
from bench.service import cpu_seconds, peak_rss_mb, running_service, service_env
from pilar_contracts import Outgoing, wrap
from pilar_contracts.consumers import NOTIFICATIONS_CONTACTS, NOTIFICATIONS_REGISTRY
from pilar_contracts.events.fields import DeploymentTask
from pilar_contracts.events.registry import (
    CertificationExpiring,
    ContactChanged,
    VolunteerDeployed,
)
from pilar_contracts.streams import REGISTRY
from pilar_kit.natsserver import free_ports

TARGET_SECONDS, TARGET_RSS_MB = 10.0, 200.0
REGION = "33.71"
SOURCE = "/pilar/registry"
STALL_SECONDS = 120.0


@dataclass
class Gateway:
    """A WhatsApp gateway that takes everything and counts call-outs apart from reminders."""

    expected: int
    expected_routine: int
    urgent: int = 0
    routine: int = 0
    routine_during_callout: int = 0
    callout_done: asyncio.Event = field(default_factory=asyncio.Event)
    routine_done: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if not self.expected_routine:
            self.routine_done.set()

    async def receive(self, request: Request) -> JSONResponse:
        """Count one message by its lane (call-outs start with PENTING)."""
        body = await request.json()
        if "PENTING" in body["message"][:12]:
            self.urgent += 1
            if self.urgent >= self.expected:
                self.callout_done.set()
        else:
            self.routine += 1
            if not self.callout_done.is_set():
                self.routine_during_callout += 1
            if self.routine >= self.expected_routine:
                self.routine_done.set()
        return JSONResponse({"status": "queued"})


@dataclass
class Figures:
    """What one run measured."""

    database: str
    events: int
    routine: int
    seconds: float
    published_seconds: float  # the call-out's events all stored in JetStream
    consumed_seconds: float  # and all turned into pending notifications by the service
    raw_seconds: float
    routine_during_callout: int
    routine_seconds: float
    cpu_seconds: float
    bench_cpu_seconds: float  # this process: the gateway and the publishing, beside the service
    nats_cpu_seconds: float
    peak_rss_mb: float
    machine: dict[str, object]

    @property
    def ratio(self) -> float:
        """Service time over raw nats-py publish+consume time (lower is better)."""
        return self.seconds / self.raw_seconds if self.raw_seconds else 0.0


@asynccontextmanager
async def serving_gateway(gateway: Gateway) -> AsyncIterator[int]:
    """The gateway on a free local port, for the block."""
    (port,) = free_ports(1)
    app = Starlette(routes=[Route("/whatsapp", gateway.receive, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_level="warning", access_log=False, backlog=4096)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


def notifications_env(
    root: Path, nats_url: str, database_url: str, http: int, gateway: int
) -> dict[str, str]:
    """The notifications service's configuration for the run."""
    settings = {
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "DATA_DIR": str(root),
        "HTTP_PORT": str(http),
        "AUTH__JWT_SECRET": uuid4().hex * 2,
        "WHATSAPP_GATEWAY_URL": f"http://127.0.0.1:{gateway}/whatsapp",
        "FETCH_TIMEOUT": "0.1",
        "DISPATCH_POLL_SECONDS": "0.05",
    }
    return service_env("notifications", settings)


def contacts(count: int, first: int) -> list[ContactChanged]:
    """Volunteers reachable on WhatsApp."""
    return [
        ContactChanged(
            person_id=uuid4(),
            person_kind="volunteer",
            display_name=f"Tagana {first + n}",
            whatsapp=f"+62812{first + n:07d}",
            preferred_channels=("whatsapp",),
        )
        for n in range(count)
    ]


def wrapped(
    events: Sequence[VolunteerDeployed | CertificationExpiring | ContactChanged],
) -> list[Outgoing]:
    """Events in their CloudEvents envelopes, built before any clock starts."""
    return [
        wrap(e, source=SOURCE, subject=f"bench/{n}", region=REGION) for n, e in enumerate(events)
    ]


async def publish(js: JetStreamContext, messages: Sequence[Outgoing], window: int = 500) -> int:
    """Publish with ``window`` PubAcks in flight, like the outbox relay; the last stream seq."""
    last = 0
    for start in range(0, len(messages), window):
        acks = [
            await js.publish_async(m.nats_subject, m.body, headers=m.envelope.headers())
            for m in messages[start : start + window]
        ]
        last = max([last, *(ack.seq for ack in await asyncio.gather(*acks))])
    return last


async def applied(js: JetStreamContext, stream: str, durable: str, seq: int) -> float:
    """When a durable consumer has applied (acknowledged) everything up to ``seq``."""
    started = time.perf_counter()
    while (await js.consumer_info(stream, durable)).ack_floor.stream_seq < seq:  # noqa: ASYNC110  polled, no event
        await asyncio.sleep(0.05)
    say(f"{durable} applied the call-out after {time.perf_counter() - started:.2f} s")
    return time.perf_counter()


async def trickle(js: JetStreamContext, messages: Sequence[Outgoing], per_second: float) -> None:
    """Routine traffic: publish at a steady pace."""
    started = time.monotonic()
    for n, message in enumerate(messages):
        await js.publish(message.nats_subject, message.body, headers=message.envelope.headers())
        ahead = started + (n + 1) / per_second - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)


async def drained(js: JetStreamContext, stream: str, durable: str) -> None:
    """Wait until a durable consumer has acknowledged everything in its stream."""
    last, progress = -1, time.monotonic()
    while True:
        info = await js.consumer_info(stream, durable)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        if info.delivered.stream_seq != last:
            last, progress = info.delivered.stream_seq, time.monotonic()
        elif time.monotonic() - progress > STALL_SECONDS:
            raise RuntimeError(f"{durable} stalled")
        await asyncio.sleep(0.1)


async def until(condition: asyncio.Event, gateway: Gateway, what: str) -> None:
    """Wait for an event, failing when the gateway stops receiving anything."""
    seen, progress = -1, time.monotonic()
    while not condition.is_set():
        count = gateway.urgent + gateway.routine
        if count != seen:
            seen, progress = count, time.monotonic()
        elif time.monotonic() - progress > STALL_SECONDS:
            raise RuntimeError(f"{what}: the gateway stopped receiving at {count}")
        with suppress(TimeoutError):
            await asyncio.wait_for(condition.wait(), timeout=1)


async def raw_seconds(js: JetStreamContext, count: int) -> float:
    """Raw nats-py: publish then fetch+ack ``count`` kit-shaped messages (same run, same server)."""
    await raw.create_stream(js)
    try:
        published = await raw.publish_rate(js, KIT_SHAPED, count, 500)
        consumed = await raw.fetch_ack_rate(js, KIT_SHAPED, count, 100, 1000)
    finally:
        await raw.delete_stream(js)
    return published.seconds + consumed.seconds


async def measure(args: argparse.Namespace, root: Path, database: str, url: str) -> Figures:
    """One run on one database."""
    gateway = Gateway(expected=args.events, expected_routine=args.routine)
    with env.nats_server(root) as server:
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        try:
            baseline = await raw_seconds(js, args.events)
            say(f"raw nats-py publish+consume of {args.events:,}: {baseline:.2f} s")
            async with serving_gateway(gateway) as gateway_port:
                (http,) = free_ports(1)
                environment = notifications_env(root, server.url, url, http, gateway_port)
                async with running_service("notifications", root, environment, http) as pid:
                    nats_pid = server.proc.pid if server.proc else None
                    return await _callout(args, js, gateway, (pid, nats_pid), database, baseline)
        finally:
            await nc.close()


async def _callout(
    args: argparse.Namespace,
    js: JetStreamContext,
    gateway: Gateway,
    pids: tuple[int, int | None],
    database: str,
    baseline: float,
) -> Figures:
    """Load the directory, then time the call-out with reminders flowing beside it."""
    tagana, others = contacts(args.events, 0), contacts(args.routine, args.events)
    say(f"loading {len(tagana) + len(others):,} contacts ...")
    await publish(js, wrapped([*tagana, *others]))
    await drained(js, "PILAR_PRIVATE", NOTIFICATIONS_CONTACTS.durable)
    task = DeploymentTask.DAPUR_UMUM
    callout = wrapped(
        [
            VolunteerDeployed(
                deployment_id=uuid4(),
                disaster_id=uuid4(),
                volunteer_id=c.person_id,
                task=task,
                report_to_region=REGION,
            )
            for c in tagana
        ]
    )
    reminders = wrapped(
        [
            CertificationExpiring(
                volunteer_id=c.person_id,
                certification_id=uuid4(),
                valid_until=date(2027, 1, 31),
                days_left=30,
            )
            for c in others
        ]
    )
    say(f"call-out of {args.events:,} with {args.routine:,} reminders flowing ...")
    pid, nats_pid = pids
    started, cpu_before = time.perf_counter(), cpu_seconds(pid)
    bench_before, nats_before = time.process_time(), cpu_seconds(nats_pid) if nats_pid else 0.0
    flowing = asyncio.create_task(trickle(js, reminders, args.routine_rate))
    last = await publish(js, callout)
    published = time.perf_counter() - started
    enqueued = asyncio.create_task(applied(js, REGISTRY.name, NOTIFICATIONS_REGISTRY.durable, last))
    await until(gateway.callout_done, gateway, "call-out")
    seconds, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    consumed = await enqueued - started
    bench_cpu = time.process_time() - bench_before
    nats_cpu = cpu_seconds(nats_pid) - nats_before if nats_pid else 0.0
    await flowing
    await until(gateway.routine_done, gateway, "reminders")
    return Figures(
        database=database,
        events=args.events,
        routine=args.routine,
        seconds=seconds,
        published_seconds=published,
        consumed_seconds=consumed,
        raw_seconds=baseline,
        routine_during_callout=gateway.routine_during_callout,
        routine_seconds=time.perf_counter() - started,
        cpu_seconds=cpu,
        bench_cpu_seconds=bench_cpu,
        nats_cpu_seconds=nats_cpu,
        peak_rss_mb=peak_rss_mb(pid),
        machine=env.machine(),
    )


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds only the report."""
    print(text, file=sys.stderr, flush=True)


def report(f: Figures) -> str:
    """The figures as a few lines of text."""
    verdict = "OK" if f.seconds <= TARGET_SECONDS else "SLOW"
    memory = "OK" if f.peak_rss_mb < TARGET_RSS_MB else "OVER"
    return "\n".join(
        [
            f"notifications call-out on {f.database} (nproc {f.machine['nproc']}, "
            f"load {f.machine['loadavg']})",
            f"  {f.events:,} VolunteerDeployed delivered to the gateway in {f.seconds:.2f} s "
            f"({f.events / f.seconds:,.0f}/s; target {TARGET_SECONDS:.0f} s: {verdict})",
            f"  events published in {f.published_seconds:.2f} s, all enqueued as notifications "
            f"by {f.consumed_seconds:.2f} s",
            f"  CPU time of the service for the call-out: {f.cpu_seconds:.2f} s "
            f"({f.events / f.cpu_seconds if f.cpu_seconds else 0:,.0f} per CPU second); beside it "
            f"the bench's gateway and publisher {f.bench_cpu_seconds:.2f} s, "
            f"nats-server {f.nats_cpu_seconds:.2f} s",
            f"  raw nats-py publish+consume of {f.events:,}: {f.raw_seconds:.2f} s; "
            f"service/raw = {f.ratio:.1f}x",
            f"  routine reminders: {f.routine_during_callout:,} of {f.routine:,} delivered during "
            f"the call-out, all within {f.routine_seconds:.2f} s",
            f"  peak RSS of the service: {f.peak_rss_mb:.0f} MB "
            f"(target < {TARGET_RSS_MB:.0f} MB: {memory})",
        ]
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.notifications", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="VolunteerDeployed events")
    parser.add_argument("--routine", type=int, default=1_000, help="reminders beside them")
    parser.add_argument("--routine-rate", type=float, default=200.0, help="reminders per second")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL),
        help="PostgreSQL admin URL; a fresh database is created there and dropped after",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.events < 1 or args.routine < 0 or args.routine_rate <= 0:
        parser.error("--events must be positive, --routine not negative, --routine-rate positive")
    return args


async def run(args: argparse.Namespace) -> Figures:
    """One run in a temporary folder, on the chosen database."""
    with tempfile.TemporaryDirectory(prefix="pilar-bench-notif-") as tmp:
        root = Path(tmp)
        if args.database == "sqlite":
            return await measure(args, root, "sqlite", env.sqlite_url(root))
        async with env.postgres_database(args.pg_url) as url:
            return await measure(args, root, "postgresql", url)


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print the figures (and write them as JSON when asked)."""
    args = parse_args(argv)
    figures = asyncio.run(run(args))
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(asdict(figures) | {"ratio": figures.ratio}, indent=2))
    return 0 if figures.seconds <= TARGET_SECONDS and figures.peak_rss_mb < TARGET_RSS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
