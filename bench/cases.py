"""``python -m bench.cases``: victims in bulk and referral matching, as the cases issue asks.

- 5,000 victims of one disaster registered in bulk (every row checked, sealed, one transaction per
  500 rows, a CaseOpened each staged in the outbox): target under 10 s. Also shown as a ratio
  against raw nats-py publishing the same number of kit-shaped messages in the same run.
- Matching a referral among 500,000 replicated pillars spread over every village: p95 of the
  broker's search (village, district, regency, province) under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert
from uuid6 import uuid7

from bench import env, kit
from pilar_cases.app import MIGRATIONS
from pilar_cases.domain import ClientKind, Intake, MatchRequest, PersonalData, suitability
from pilar_cases.domain.disasters import Authority, Declaration
from pilar_cases.settings import CasesSettings
from pilar_cases.store import PillarRow, outbox
from pilar_cases.store.tables import PillarCertificationRow
from pilar_cases.usecases.broker import find_pillar
from pilar_cases.usecases.disasters import declare_disaster
from pilar_cases.usecases.victims import Victim, check_victim, register_chunk
from pilar_contracts.events.fields import DisasterStatus, Urgency
from pilar_contracts.reference.regions import children, provinces
from pilar_kit.auth import Principal, Role
from pilar_kit.db import create_engine, session_factory
from pilar_kit.migrations import upgrade
from pilar_kit.outbox import Outbox

VICTIMS_TARGET_S, MATCH_P95_TARGET_MS = 10.0, 20.0
CHUNK, SEED_CHUNK = 500, 5000
OPERATOR = Principal(subject="bench-operator", role=Role.NATIONAL_OPERATOR)
PEOPLE_TYPES = ("PSKS-01", "PSKS-02", "PSKS-03", "PSKS-09", "PSKS-10", "PSKS-11")
MAGELANG_VILLAGES = ("33.71.01.1003", "33.71.02.1003")


def all_villages() -> list[str]:
    """Every village code of the country, in code order."""
    return [
        village
        for province in provinces()
        for regency in children(province)
        for district in children(regency)
        for village in children(district)
    ]


def victim(index: int, disaster_id: Any) -> Victim:
    """A flood victim with a structurally valid NIK of its own."""
    district, serial = 10 + index // 9000, 1 + index % 9000
    nik = f"3371{district:02d}150890{serial:04d}"
    intake = Intake(
        ClientKind.PERSON,
        "PMKS-21",
        MAGELANG_VILLAGES[index % 2],
        Urgency.PRIORITY,
        consent_given=True,
        disaster_id=disaster_id,
    )
    return Victim(index, intake, PersonalData(nik=nik, display_name=f"Korban {index}"))


async def victims_seconds(url: str, count: int) -> float:
    """Seconds to check and register ``count`` victims, chunk by chunk, events staged."""
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    sessions, box = session_factory(engine), Outbox(outbox)
    keyring = CasesSettings().keyring()
    flood = Declaration(
        "101", "Banjir bench", DisasterStatus.TANGGAP_DARURAT, ("33.71",),
        Authority.WALI_KOTA, "360/1/2026", date(2026, 11, 22),
    )  # fmt: skip
    async with sessions() as session, session.begin():
        disaster = await declare_disaster(
            session, box, declaration=flood, who=OPERATOR, now=datetime.now(UTC)
        )
    rows = [victim(i, disaster.id) for i in range(count)]
    started = time.perf_counter()
    today = date.today()
    good = [v for v in rows if check_victim(v, disaster, OPERATOR, today) is None]
    for start in range(0, len(good), CHUNK):
        async with sessions() as session, session.begin():
            await register_chunk(
                session,
                box,
                keyring,
                victims=good[start : start + CHUNK],
                disaster=disaster,
                who=OPERATOR,
                now=datetime.now(UTC),
            )
    seconds = time.perf_counter() - started
    await engine.dispose()
    if len(good) != count:
        raise RuntimeError(f"only {len(good)} of {count} victims passed the checks")
    return seconds


async def seed_pillars(url: str, count: int, villages: list[str]) -> None:
    """``count`` certified pillars spread over every village, in bulk statements."""
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    for start in range(0, count, SEED_CHUNK):
        ids = [uuid7() for _ in range(start, min(count, start + SEED_CHUNK))]
        pillars = [
            {
                "volunteer_id": pid,
                "psks_type": PEOPLE_TYPES[(start + n) % len(PEOPLE_TYPES)],
                "region": villages[(start + n) * 7919 % len(villages)],
                "scheme": "BENCH",
                "valid_until": None,
                "certified_at": now,
            }
            for n, pid in enumerate(ids)
        ]
        certificates = [
            {"certification_id": uuid7(), "volunteer_id": pid, "valid_until": None} for pid in ids
        ]
        async with sessions() as session, session.begin():
            await session.execute(insert(PillarRow), pillars)
            await session.execute(insert(PillarCertificationRow), certificates)
    await engine.dispose()


async def match_millis(url: str, lookups: int, villages: list[str]) -> list[float]:
    """Milliseconds of each broker search for a random case, in its own read transaction."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    rng = random.Random(7)  # the same cases every run
    timings = []
    now = datetime.now(UTC)
    for _ in range(lookups):
        fit = suitability(f"PMKS-{rng.randint(1, 26):02d}")
        request = MatchRequest(rng.choice(villages), fit.psks_types)
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await find_pillar(session, request, capacity=5, now=now)
        timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


async def measure(name: str, url_of: Any, args: argparse.Namespace, raw_rate: float) -> int:
    """Both figures on one database kind; the number of targets missed."""
    async with url_of() as url:
        seconds = await victims_seconds(url, args.victims)
    per_second = args.victims / seconds
    ok = seconds < VICTIMS_TARGET_S
    print(
        f"victims  {name:<10} {args.victims:>7,} in {seconds:6.2f} s ({per_second:,.0f}/s, "
        f"{per_second / raw_rate:.2f} x raw nats-py publish) target < 10 s: "
        f"{'OK' if ok else 'TOO SLOW'}",
        flush=True,
    )
    villages = all_villages()
    async with url_of() as url:
        await seed_pillars(url, args.pillars, villages)
        timings = await match_millis(url, args.lookups, villages)
    p95 = statistics.quantiles(timings, n=20)[-1]
    fast = p95 < MATCH_P95_TARGET_MS
    print(
        f"matching {name:<10} {args.pillars:>7,} pillars p50 {statistics.median(timings):.1f} ms"
        f" p95 {p95:.1f} ms target < 20 ms: {'OK' if fast else 'TOO SLOW'}",
        flush=True,
    )
    return (not ok) + (not fast)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.cases", description=__doc__)
    parser.add_argument("--victims", type=int, default=5_000)
    parser.add_argument("--pillars", type=int, default=500_000)
    parser.add_argument("--lookups", type=int, default=400)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--pg-url", default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL)
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    """Measure on SQLite and, when it answers, PostgreSQL; non-zero when a target is missed."""
    raw_rate = await kit.raw_publish_rate(args.victims)
    print(f"raw nats-py publish of {args.victims:,} kit-shaped messages: {raw_rate:,.0f}/s")
    missed = await env.each_database(
        args.only, args.pg_url, lambda name, database: measure(name, database, args, raw_rate)
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
