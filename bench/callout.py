"""``python -m bench.callout``: a flood declared where a province holds 10,000 Tagana.

The affected regency has too few Tagana, so the call-out widens to the whole province: every
eligible Tagana there is deployed, one VolunteerDeployed each plus one VolunteersMobilized, all
staged in the outbox. Timed from the declaration to the commit; the target is under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from uuid6 import uuid7

from bench import env
from pilar_contracts.events.fields import DeploymentTask, DisasterStatus
from pilar_contracts.reference.regions import children
from pilar_kit.db import create_engine, session_factory
from pilar_kit.migrations import upgrade
from pilar_kit.outbox import Outbox
from pilar_registry.app import MIGRATIONS
from pilar_registry.domain import Contact, Verification, Volunteer
from pilar_registry.store import CertificationRow, DeploymentRow, outbox
from pilar_registry.store.volunteers import add_many
from pilar_registry.usecases.deployments import disaster_declared

TARGET_SECONDS = 5.0
PROVINCE, OTHER_PROVINCE = "33", "32"  # Jawa Tengah is called out; Jawa Barat must stay untouched
AFFECTED = "33.71"  # Kota Magelang: only a handful of Tagana, so the call-out widens
NEARBY = 5
MINIMUM = 10
DECLARED_ON = date(2026, 11, 22)
CHUNK = 2000


def villages(province: str) -> list[str]:
    """One village per district of the province, except the affected regency's."""
    found = []
    for regency in children(province):
        if regency == AFFECTED:
            continue
        for district in children(regency):
            found.extend(children(district)[:1])
    return found


def tagana(serial: int, region: str) -> Volunteer:
    """A verified, active Tagana; one in five has a task competency."""
    task = list(DeploymentTask)[serial % 5].value
    return Volunteer(
        id=uuid7(),
        psks_type="PSKS-03",
        region=region,
        nik=f"{serial:016d}",
        contact=Contact(f"Tagana {serial}"),
        registered_at=datetime.now(UTC),
        registered_by="bench",
        competencies=(task,) if serial % 5 == 0 else (),
        details={"tier": "muda", "member_no": f"TGN-{serial}"},
        verification=Verification.VERIFIED,
    )


def membership(volunteer: Volunteer) -> dict[str, Any]:
    """A TAGANA membership valid on the declaration date."""
    return {
        "id": uuid7(),
        "volunteer_id": volunteer.id,
        "scheme": "TAGANA",
        "level": "MUDA",
        "certificate_no": f"M-{volunteer.nik}",
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2028, 12, 31),
        "expired_announced": False,
    }


def population(per_province: int) -> list[Volunteer]:
    """``per_province`` Tagana in each of two provinces, ``NEARBY`` of them in the affected area."""
    people = [tagana(n, f"{AFFECTED}.01.1003") for n in range(NEARBY)]
    for offset, province in ((NEARBY, PROVINCE), (per_province, OTHER_PROVINCE)):
        spread = villages(province)
        count = per_province - NEARBY if province == PROVINCE else per_province
        people += [tagana(offset + n, spread[n % len(spread)]) for n in range(count)]
    return people


async def seed(url: str, per_province: int) -> None:
    """Migrate and load the registry in a few bulk statements."""
    engine = create_engine(url)
    await upgrade(engine, MIGRATIONS)
    sessions = session_factory(engine)
    people = population(per_province)
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        async with sessions() as session, session.begin():
            await add_many(session, chunk)
            await session.execute(insert(CertificationRow), [membership(v) for v in chunk])
    await engine.dispose()


async def measure(url: str, per_province: int) -> tuple[float, int]:
    """Seconds from declaration to commit, and how many Tagana were deployed."""
    await seed(url, per_province)
    engine = create_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    async with sessions() as session, session.begin():
        await disaster_declared(
            session,
            Outbox(outbox),
            disaster_id=uuid7(),
            status=DisasterStatus.TANGGAP_DARURAT,
            affected_regions=[AFFECTED],
            declared_on=DECLARED_ON,
            minimum=MINIMUM,
        )
    seconds = time.perf_counter() - started
    async with sessions() as session:
        deployed = await session.scalar(select(func.count()).select_from(DeploymentRow))
    await engine.dispose()
    return seconds, int(deployed or 0)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.callout", description=__doc__)
    parser.add_argument("--tagana", type=int, default=10_000, help="Tagana in the province")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL),
        help="PostgreSQL admin URL; a fresh database is created there and dropped after",
    )
    args = parser.parse_args(argv)
    if args.tagana <= NEARBY:
        parser.error(f"--tagana must be more than {NEARBY}")
    return args


def report(database: str, seconds: float, deployed: int) -> None:
    """One line per database."""
    verdict = "OK" if seconds < TARGET_SECONDS else "TOO SLOW"
    print(
        f"call-out {database:<10} {deployed:>6,} Tagana deployed in {seconds:6.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s): {verdict}",
        flush=True,
    )


async def run(args: argparse.Namespace) -> int:
    """Measure on SQLite and, when it answers, PostgreSQL; non-zero when a target is missed."""
    slow = 0
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="pilar-callout-") as root:
            seconds, deployed = await measure(env.sqlite_url(Path(root)), args.tagana)
        report("sqlite", seconds, deployed)
        slow += seconds >= TARGET_SECONDS
    if args.only in (None, "postgresql"):
        if await env.postgres_version(args.pg_url) is None:
            print(f"PostgreSQL not reachable at {args.pg_url}; skipped", file=sys.stderr)
        else:
            async with env.postgres_database(args.pg_url) as url:
                seconds, deployed = await measure(url, args.tagana)
            report("postgresql", seconds, deployed)
            slow += seconds >= TARGET_SECONDS
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
