"""Bulk import of a province's CSV: bad rows reported by line, good rows in, re-import a no-op."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pilar_kit.db import create_engine
from pilar_kit.migrations import upgrade
from pilar_registry.app import MIGRATIONS
from pilar_registry.cli import Registry
from pilar_registry.importer import Importer, import_csv
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import VolunteerRow, outbox
from tests.api.harness import make_nik

pytestmark = pytest.mark.integration
HEADER = ["psks_type", "region", "nik", "display_name", "email", "competencies", "tier"]
ROWS = [
    [
        "PSKS-03",
        "33.71.01.1003",
        make_nik("33.71.01", 1),
        "Ani",
        "ani@example.org",
        "dapur_umum;shelter",
        "muda",
    ],
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 2), "Budi", "", "", ""],
    ["PSKS-03", "33.71.01.1003", make_nik("33.71.01", 3), "Citra", "", "", ""],  # no tier
    ["PSKS-02", "33.71.01.9999", make_nik("33.71.01", 4), "Dedi", "", "", ""],  # unknown village
    ["PSKS-02", "33.71.01.1003", "3371011513900005", "Eka", "", "", ""],  # month 13
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 2), "Budi lagi", "", "", ""],  # NIK twice
    ["PSKS-11", "33.71.01", make_nik("33.71.01", 7), "Fajar", "", "", ""],
    ["PSKS-11", "33.71.01", make_nik("33.71.01", 8), "Gita", "", "", ""],  # second TKSK
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 9), "Hadi", "bukan-email", "", ""],
]


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


async def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            people = await conn.scalar(select(func.count()).select_from(VolunteerRow))
            events = await conn.scalar(select(func.count()).select_from(outbox))
        return int(people or 0), int(events or 0)
    finally:
        await engine.dispose()


async def _import(url: str, text: str) -> tuple[int, int, list[tuple[int, tuple[str, ...]]]]:
    registry = Registry(RegistrySettings(database_url=url))
    try:
        await upgrade(registry.engine, MIGRATIONS)
        importer = Importer(registry.outbox, operator="op-import", chunk_size=3)
        seen: list[int] = []
        report = await import_csv(io.StringIO(text), registry.transaction, importer, seen.append)
        assert seen == [n for n in (3, 6, 9) if n <= len(ROWS)][: len(seen)]
        return report.imported, report.unchanged, [(p.line, p.reasons) for p in report.rejected]
    finally:
        await registry.engine.dispose()


async def test_bad_rows_are_reported_by_line_and_good_rows_go_in(database_url: str) -> None:
    imported, unchanged, rejected = await _import(database_url, csv_text(ROWS))
    assert (imported, unchanged) == (3, 0)
    assert [line for line, _ in rejected] == [4, 5, 6, 7, 9, 10]
    reasons = dict(rejected)
    assert "Tagana" in reasons[4][0]
    assert "region" in reasons[5][0]
    assert "baris 3" in reasons[7][0]
    assert "PSKS-11" in reasons[9][0]
    assert "email" in reasons[10][0]
    assert all(make_nik("33.71.01", 2) not in " ".join(r) for r in reasons.values())
    assert await _counts(database_url) == (3, 6)  # VolunteerRegistered + ContactChanged each

    again = await _import(database_url, csv_text(ROWS))
    assert again[:2] == (0, 3)
    assert await _counts(database_url) == (3, 6)


async def test_the_cli_imports_with_a_report_and_an_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "psks.csv"
    path.write_text(csv_text(ROWS), encoding="utf-8")
    env = dict(os.environ) | {"PILAR_REGISTRY_DATA_DIR": str(tmp_path)}
    await _import(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}", csv_text([]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pilar_registry",
        "import",
        str(path),
        "--operator",
        "op-1",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 1, err.decode()
    lines = out.decode().splitlines()
    assert lines[-1] == "diimpor 3, tidak berubah 0, ditolak 6"
    assert lines[0].startswith("baris 4: ")
    assert f"{len(ROWS)}/{len(ROWS)} baris" in err.decode()
