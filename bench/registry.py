"""``python -m bench.registry``: the registry at national size, as the registry issue asks.

- Import of a 100,000-row CSV through the importer the CLI uses (every row checked, one
  transaction per 1,000 rows, a VolunteerRegistered and a ContactChanged staged per person in the
  outbox): target under 20 s. Also shown against raw nats-py publishing as many kit-shaped
  messages as the import stages events, measured in the same run.
- Search among 500,000 people spread over every village: p95 of the listing query (region prefix at
  each level, type, status, certification, competency; a page of 50) under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from uuid6 import uuid7

from bench import env, kit
from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.reference.regions import children, provinces
from pilar_kit.db import create_engine, session_factory
from pilar_kit.migrations import upgrade
from pilar_kit.outbox import Outbox
from pilar_registry.app import MIGRATIONS
from pilar_registry.domain import Contact, Verification, Volunteer
from pilar_registry.importer import Importer, import_csv
from pilar_registry.store import CertificationRow, outbox
from pilar_registry.store.search import Search, search_volunteers
from pilar_registry.store.statistics import refresh_statistics
from pilar_registry.store.volunteers import add_many

IMPORT_TARGET_S, SEARCH_P95_TARGET_MS = 20.0, 50.0
EVENTS_PER_ROW = 2  # VolunteerRegistered and the private ContactChanged
SEED_CHUNK = 5000
TYPES = ("PSKS-02", "PSKS-03", "PSKS-09", "PSKS-10", "PSKS-01")
STATUSES = (VolunteerStatus.ACTIVE,) * 8 + (VolunteerStatus.ON_LEAVE, VolunteerStatus.SUSPENDED)
COMPETENCIES = ("dapur_umum", "shelter", "evakuasi", "ldp", "pendataan_korban", "pendampingan")


def all_villages() -> list[str]:
    """Every village code of the country, in code order."""
    return [
        village
        for province in provinces()
        for regency in children(province)
        for district in children(regency)
        for village in children(district)
    ]


def nik(district: str, index: int) -> str:
    """A structurally valid NIK of its own for row ``index`` (day 01-28, serial 0001-9999)."""
    day, serial = 1 + index // 9999 % 28, 1 + index % 9999
    year = 70 + index // (9999 * 28) % 30
    return f"{district.replace('.', '')}{day:02d}08{year:02d}{serial:04d}"


def write_csv(path: Path, rows: int, villages: list[str]) -> None:
    """A province's list as it is handed over: PSM and Tagana of many villages."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["psks_type", "region", "nik", "display_name", "email", "tier"])
        for n in range(rows):
            village = villages[n * 7919 % len(villages)]
            tagana = n % 3 == 0
            writer.writerow(
                [
                    "PSKS-03" if tagana else "PSKS-02",
                    village,
                    nik(village[:8], n),
                    f"Relawan {n}",
                    f"relawan{n}@example.org",
                    "muda" if tagana else "",
                ]
            )


async def import_seconds(url: str, rows: int, villages: list[str]) -> tuple[float, float, int]:
    """Seconds to import a ``rows``-row file with its events staged, CPU seconds, rows imported.

    The CPU time is the whole process's (the SQLite driver works in a thread of its own) and,
    unlike the wall time, hardly depends on what else the machine is doing.
    """
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    sessions = session_factory(engine)

    @asynccontextmanager
    async def transaction() -> AsyncIterator[Any]:
        async with sessions() as session, session.begin():
            yield session

    with tempfile.TemporaryDirectory(prefix="pilar-bench-import-") as tmp:
        path = Path(tmp) / "psks.csv"
        write_csv(path, rows, villages)  # written before the clock starts
        importer = Importer(Outbox(outbox), operator="bench", chunk_size=1000)
        started, started_cpu = time.perf_counter(), time.process_time()
        with path.open(encoding="utf-8", newline="") as stream:
            report = await import_csv(stream, transaction, importer)
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    await engine.dispose()
    if report.rejected:
        raise RuntimeError(f"{len(report.rejected)} rows rejected, e.g. {report.rejected[0]}")
    return seconds, cpu, report.imported


def person(index: int, village: str) -> Volunteer:
    """One of the national population: mostly active and verified, some with a competency."""
    rng = random.Random(index)
    return Volunteer(
        id=uuid7(),
        psks_type=TYPES[index % len(TYPES)],
        region=village,
        nik=f"{index:016d}",
        contact=Contact(f"PSKS {index}"),
        registered_at=datetime.now(UTC),
        registered_by="bench",
        competencies=(rng.choice(COMPETENCIES),) if index % 5 == 0 else (),
        status=STATUSES[index % len(STATUSES)],
        verification=Verification.VERIFIED if index % 4 else Verification.PENDING,
    )


def certificate(volunteer: Volunteer) -> dict[str, Any]:
    """A certification of the person's scheme, valid today."""
    return {
        "id": uuid7(),
        "volunteer_id": volunteer.id,
        "scheme": "TAGANA" if volunteer.psks_type == "PSKS-03" else "PSM",
        "level": None,
        "certificate_no": f"C-{volunteer.nik}",
        "valid_from": date(2025, 1, 1),
        "valid_until": date(2030, 12, 31),
        "expired_announced": False,
    }


async def seed_people(url: str, count: int, villages: list[str]) -> None:
    """``count`` people spread over every village, half of them certified, in bulk statements."""
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    sessions = session_factory(engine)
    for start in range(0, count, SEED_CHUNK):
        people = [
            person(n, villages[n * 7919 % len(villages)])
            for n in range(start, min(count, start + SEED_CHUNK))
        ]
        async with sessions() as session, session.begin():
            await add_many(session, people)
            certified = [certificate(v) for n, v in enumerate(people) if n % 2 == 0]
            await session.execute(insert(CertificationRow), certified)
    async with sessions() as session, session.begin():
        await refresh_statistics(session)  # as the expiry scheduler does on each pass
    await engine.dispose()


def searches(villages: list[str], count: int) -> list[Search]:
    """What operators look for: every region level, alone or with the other filters."""
    rng = random.Random(7)  # the same searches every run
    found = []
    for n in range(count):
        village = rng.choice(villages)
        region = ("", village[:2], village[:5], village[:8], village)[n % 5]
        extra: dict[str, Any] = [
            {},
            {"psks_type": rng.choice(TYPES), "status": "active"},
            {"scheme": "TAGANA", "psks_type": "PSKS-03"},
            {"competency": rng.choice(COMPETENCIES)},
            {"verification": "verified", "status": "active"},
        ][n // 5 % 5]
        found.append(Search(region=region, limit=50, **extra))
    return found


async def search_millis(url: str, lookups: int, villages: list[str]) -> list[float]:
    """Milliseconds of each listing query, in its own read transaction."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    today = date.today()
    timings = []
    for search in searches(villages, lookups):
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await search_volunteers(session, search, today)
        timings.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


def verdict(ok: bool) -> str:
    """How a figure compares with its target."""
    return "OK" if ok else "TOO SLOW"


async def measure(
    name: str, url_of: Callable[[], Any], args: argparse.Namespace, raw_rate: float
) -> int:
    """Both figures on one database kind; the number of targets missed."""
    villages = all_villages()
    async with url_of() as url:
        seconds, cpu, imported = await import_seconds(url, args.rows, villages)
    events_per_second = imported * EVENTS_PER_ROW / seconds
    ok = seconds < IMPORT_TARGET_S
    print(
        f"import {name:<10} {imported:>7,} rows in {seconds:6.2f} s ({imported / seconds:,.0f} "
        f"rows/s, {events_per_second:,.0f} events/s = {events_per_second / raw_rate:.2f} x raw "
        f"nats-py publish; CPU {cpu:.2f} s) target < {IMPORT_TARGET_S:.0f} s: {verdict(ok)}",
        flush=True,
    )
    async with url_of() as url:
        await seed_people(url, args.people, villages)
        timings = await search_millis(url, args.lookups, villages)
    p95 = statistics.quantiles(timings, n=20)[-1]
    fast = p95 < SEARCH_P95_TARGET_MS
    print(
        f"search {name:<10} {args.people:>7,} people p50 {statistics.median(timings):.1f} ms "
        f"p95 {p95:.1f} ms max {max(timings):.1f} ms target p95 < {SEARCH_P95_TARGET_MS:.0f} ms: "
        f"{verdict(fast)}",
        flush=True,
    )
    return (not ok) + (not fast)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.registry", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the imported CSV")
    parser.add_argument("--people", type=int, default=500_000, help="people searched among")
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--pg-url", default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL)
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.people < 1 or args.lookups < 20:
        parser.error("--rows and --people at least 1, --lookups at least 20")
    return args


async def run(args: argparse.Namespace) -> int:
    """Measure on SQLite and, when it answers, PostgreSQL; non-zero when a target is missed."""
    raw_rate = await kit.raw_publish_rate(args.rows * EVENTS_PER_ROW)
    print(
        f"raw nats-py publish of {args.rows * EVENTS_PER_ROW:,} kit-shaped messages: "
        f"{raw_rate:,.0f}/s",
        flush=True,
    )
    missed = await env.each_database(
        args.only, args.pg_url, lambda name, database: measure(name, database, args, raw_rate)
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
