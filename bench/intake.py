"""``python -m bench.intake``: PMKS intake through the cases HTTP API, events included.

The cases service runs as its own process against a private nats-server; a client posts cases
(``POST /cases``: NIK and KK checked, personal data sealed with a key per client, the client_ref
HMAC, a CaseOpened staged in the outbox) with a fixed number in flight, and the clock stops when
the last CaseOpened is in the PILAR_CASES stream. Target: 200 cases per second sustained, on
SQLite and PostgreSQL. Also shown as a ratio against raw nats-py publishing in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import nats
from pydantic import SecretStr

from bench import env, kit
from bench.service import cpu_seconds, running_service, service_env
from pilar_contracts.reference.regions import children
from pilar_kit.auth import AuthSettings, Principal, Role, issuer_from_settings
from pilar_kit.natsserver import free_port

TARGET_PER_S = 200.0
OPENED = "pilar.cases.case.opened.>"
DISTRICT = "33.71.01"  # Magelang Utara: every NIK below is registered in this district


@dataclass(frozen=True)
class Intake:
    """One run's figures."""

    cases: int
    seconds: float
    latencies_ms: list[float]
    cpu_seconds: float  # the service process's, over the measured cases
    client_cpu_seconds: float  # this process's (the HTTP client), which shares the cores

    @property
    def per_second(self) -> float:
        """Cases accepted and announced per second."""
        return self.cases / self.seconds


def case_body(index: int, villages: Sequence[str]) -> dict[str, Any]:
    """A valid intake of an older person with a NIK of its own (birth date varies, then serial)."""
    day, month = 1 + index % 28, 1 + (index // 28) % 12
    serial = 1 + index // 336
    nik = f"{DISTRICT.replace('.', '')}{day:02d}{month:02d}50{serial:04d}"
    return {
        "client_kind": "person",
        "nik": nik,
        "kk": "3371011501100003",
        "display_name": f"Klien {index}",
        "birth_date": f"1950-{month:02d}-{day:02d}",
        "pmks_category": "PMKS-08",
        "region": villages[index % len(villages)],
        "urgency": "priority",
        "consent": "given",
    }


async def announced(js: Any) -> int:
    """How many CaseOpened events the PILAR_CASES stream holds."""
    try:
        info = await js.stream_info("PILAR_CASES", subjects_filter=OPENED)
    except nats.js.errors.NotFoundError:
        return 0
    return sum((info.state.subjects or {}).values())


async def post_all(
    http: httpx.AsyncClient, indexes: range, in_flight: int, villages: Sequence[str]
) -> list[float]:
    """Post the cases with ``in_flight`` requests at a time; each one's latency in ms."""
    pending = iter(indexes)
    latencies: list[float] = []

    async def worker() -> None:
        for index in pending:
            started = time.perf_counter()
            response = await http.post("/cases", json=case_body(index, villages))
            if response.status_code != 201:
                raise RuntimeError(f"case {index}: {response.status_code} {response.text}")
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return latencies


async def until_announced(js: Any, count: int, patience: float = 120) -> None:
    """Wait until ``count`` CaseOpened events are in the stream."""
    deadline = time.monotonic() + patience
    while await announced(js) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {await announced(js)} of {count} CaseOpened arrived")
        await asyncio.sleep(0.02)


def spare_the_import_search() -> None:
    """Make httpcore's per-request ``import sniffio`` fail at once instead of searching.

    sniffio is not installed: each request's failed import walks sys.path again, a tenth of this
    client's CPU, taken from the cores the service runs on. httpcore then assumes asyncio.
    """
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


async def intake(url: str, nats_url: str, args: argparse.Namespace, token: str, pid: int) -> Intake:
    """Warm up, then post ``args.cases`` cases and wait for their events."""
    spare_the_import_search()
    villages = children(DISTRICT)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.in_flight)
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        async with httpx.AsyncClient(
            base_url=url, headers=headers, limits=limits, timeout=60
        ) as http:
            await post_all(http, range(args.warmup), args.in_flight, villages)
            await until_announced(js, args.warmup)
            started, cpu, own = time.monotonic(), cpu_seconds(pid), time.process_time()
            cases = range(args.warmup, args.warmup + args.cases)
            latencies = await post_all(http, cases, args.in_flight, villages)
            await until_announced(js, args.warmup + args.cases)
            seconds, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu
            own = time.process_time() - own
    finally:
        await client.close()
    return Intake(args.cases, seconds, latencies, cpu, own)


async def measure(
    name: str, database: env.Database, args: argparse.Namespace, raw_rate: float
) -> int:
    """One database kind: the service as a process, its own nats-server; targets missed."""
    secret = uuid4().hex * 2
    issuer = issuer_from_settings(AuthSettings(jwt_secret=SecretStr(secret)))
    token = issuer.issue(Principal(subject="bench-operator", role=Role.NATIONAL_OPERATOR))
    with tempfile.TemporaryDirectory(prefix="pilar-bench-intake-") as tmp:
        root = Path(tmp)
        with env.nats_server(root) as server:
            async with database() as database_url:
                port = free_port()
                settings = {
                    "NATS_URL": server.url,
                    "DATABASE_URL": database_url,
                    "DATA_DIR": str(root),
                    "HTTP_PORT": str(port),
                    "AUTH__JWT_SECRET": secret,
                    "FETCH_TIMEOUT": "0.1",
                }
                environment = service_env("cases", settings)
                async with running_service("cases", root, environment, port) as pid:
                    url = f"http://127.0.0.1:{port}"
                    run = await intake(url, server.url, args, token, pid)
    ok = run.per_second >= TARGET_PER_S
    p95 = statistics.quantiles(run.latencies_ms, n=20)[-1]
    print(
        f"intake   {name:<10} {run.cases:>6,} cases in {run.seconds:6.2f} s "
        f"({run.per_second:,.0f}/s, {run.per_second / raw_rate:.3f} x raw nats-py publish; "
        f"request p50 {statistics.median(run.latencies_ms):.0f} ms p95 {p95:.0f} ms, "
        f"{args.in_flight} in flight; service CPU {run.cpu_seconds / run.cases * 1000:.1f} ms "
        f"a case, client {run.client_cpu_seconds / run.cases * 1000:.1f} ms; "
        f"load {os.getloadavg()[0]:.1f}) target >= {TARGET_PER_S:.0f}/s: "
        f"{'OK' if ok else 'TOO SLOW'}",
        flush=True,
    )
    return 0 if ok else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__)
    parser.add_argument("--cases", type=int, default=3_000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--pg-url", default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL)
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on SQLite and, when it answers, PostgreSQL; non-zero when the target is missed."""
    raw_rate = await kit.raw_publish_rate(args.cases)
    print(f"raw nats-py publish of {args.cases:,} kit-shaped messages: {raw_rate:,.0f}/s")
    missed = await env.each_database(
        args.only, args.pg_url, lambda name, database: measure(name, database, args, raw_rate)
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
