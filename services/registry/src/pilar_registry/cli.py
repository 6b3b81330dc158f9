"""Operator command line of the registry: ``python -m pilar_registry <command>``.

Commands work on the registry's database directly; the running service's relay publishes the
events they stage. ``serve`` and ``migrate`` run the service itself.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_kit.db import create_engine, session_factory
from pilar_kit.outbox import Outbox
from pilar_registry import usecases
from pilar_registry.domain import RegistryRuleBroken
from pilar_registry.importer import Importer, import_csv
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import CertificationRow, ConcurrentChange, VolunteerRow, outbox


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total, self.width = max(total, 1), width

    def __call__(self, done: int) -> None:
        """Redraw the bar."""
        filled = min(self.width, self.width * done // self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{self.total} baris")
        sys.stderr.flush()


class Registry:
    """The registry's database, for one command."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.engine = create_engine(settings.database("registry"))
        self.sessions = session_factory(self.engine)
        self.outbox = Outbox(outbox)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work."""
        async with self.sessions() as session, session.begin():
            yield session


async def run_import(registry: Registry, path: Path, operator: str) -> int:
    """Import a CSV file and print the report; exit code 1 when rows were rejected."""
    with path.open(encoding="utf-8-sig") as count_stream:
        total = max(sum(1 for _ in count_stream) - 1, 0)
    importer = Importer(registry.outbox, operator=operator)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        report = await import_csv(stream, registry.transaction, importer, Progress(total))
    sys.stderr.write("\n")
    for problem in report.rejected:
        print(f"baris {problem.line}: {'; '.join(problem.reasons)}")
    for problem in report.warnings:
        print(f"baris {problem.line} (peringatan, tetap diimpor): {'; '.join(problem.reasons)}")
    rejected, warned = len(report.rejected), len(report.warnings)
    print(
        f"diimpor {report.imported}, tidak berubah {report.unchanged}, ditolak {rejected}, "
        f"peringatan {warned}"
    )
    return 1 if report.rejected else 0


async def run_expiring(registry: Registry, days: int) -> int:
    """List certifications that end within ``days`` days."""
    today = datetime.now(UTC).date()
    query = (
        select(
            CertificationRow.valid_until,
            CertificationRow.scheme,
            CertificationRow.certificate_no,
            VolunteerRow.id,
            VolunteerRow.region,
        )
        .join(VolunteerRow, VolunteerRow.id == CertificationRow.volunteer_id)
        .where(CertificationRow.revoked_at.is_(None))
        .where(CertificationRow.valid_until.between(today, today + timedelta(days=days)))
        .order_by(CertificationRow.valid_until)
    )
    async with registry.transaction() as session:
        rows = (await session.execute(query)).all()
    for until, scheme, number, volunteer_id, region in rows:
        print(f"{until}\t{scheme}\t{number}\t{region}\t{volunteer_id}")
    print(f"{len(rows)} sertifikasi berakhir dalam {days} hari")
    return 0


async def run_verify(registry: Registry, volunteer_id: UUID, operator: str) -> int:
    """Verify a registration as a second operator."""
    async with registry.transaction() as session:
        await usecases.verify_volunteer(
            session, registry.outbox, volunteer_id=volunteer_id, by=operator
        )
    print(f"{volunteer_id} terverifikasi")
    return 0


async def run_certify(registry: Registry, args: argparse.Namespace) -> int:
    """Record a certification."""
    async with registry.transaction() as session:
        _, certification = await usecases.certify_volunteer(
            session,
            registry.outbox,
            volunteer_id=args.volunteer_id,
            scheme=args.scheme,
            level=args.level,
            certificate_no=args.number,
            valid_from=args.valid_from,
            valid_until=args.valid_until,
            issuer=args.issuer,
        )
    print(f"sertifikasi {certification.id} tercatat")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    root = argparse.ArgumentParser(prog="pilar-registry", description=__doc__)
    sub = root.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the registry service (default)")
    sub.add_parser("migrate", help="apply database migrations and exit")
    imp = sub.add_parser("import", help="import PSKS people from a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--operator", required=True, help="id of the operator who registers them")
    exp = sub.add_parser("expiring", help="list certifications ending soon")
    exp.add_argument("--days", type=int, default=30)
    ver = sub.add_parser("verify", help="verify a registration (maker-checker)")
    ver.add_argument("volunteer_id", type=UUID)
    ver.add_argument("--operator", required=True)
    cer = sub.add_parser("certify", help="record a certification")
    cer.add_argument("volunteer_id", type=UUID)
    for name in ("--scheme", "--number"):
        cer.add_argument(name, required=True)
    cer.add_argument("--level")
    cer.add_argument("--issuer")
    cer.add_argument("--valid-from", type=date.fromisoformat, required=True)
    cer.add_argument("--valid-until", type=date.fromisoformat)
    return root


async def dispatch(args: argparse.Namespace, settings: RegistrySettings) -> int:
    """Run one operator command; a refusal is a message on stderr and exit code 2, no traceback."""
    registry = Registry(settings)
    try:
        if args.command == "import":
            return await run_import(registry, args.file, args.operator)
        if args.command == "expiring":
            return await run_expiring(registry, args.days)
        if args.command == "verify":
            return await run_verify(registry, args.volunteer_id, args.operator)
        return await run_certify(registry, args)
    except RegistryRuleBroken as broken:
        return refused(f"{broken} ({broken.code})")
    except LookupError:
        return refused("PSKS tidak ditemukan")
    except ConcurrentChange:
        return refused("Data PSKS berubah bersamaan; ulangi perintah")
    finally:
        await registry.engine.dispose()


def refused(message: str) -> int:
    """Tell the operator why the command was refused; the exit code of a refusal."""
    sys.stderr.write(f"ditolak: {message}\n")
    return 2


def main() -> None:
    """Entry point."""
    args = parser().parse_args()
    settings = RegistrySettings()
    if args.command in (None, "serve", "migrate"):
        from pilar_kit.serve import service_main
        from pilar_registry.app import MIGRATIONS, create_app

        service_main("registry", settings, create_app, MIGRATIONS, command=args.command or "serve")
        return
    raise SystemExit(asyncio.run(dispatch(args, settings)))
