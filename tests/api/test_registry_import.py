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
from pilar_registry.importer import Importer, ImportReport, import_csv
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


def csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
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


async def _report(url: str, text: str) -> ImportReport:
    registry = Registry(RegistrySettings(database_url=url))
    try:
        await upgrade(registry.engine, MIGRATIONS)
        importer = Importer(registry.outbox, operator="op-import", chunk_size=3)
        seen: list[int] = []
        report = await import_csv(io.StringIO(text), registry.transaction, importer, seen.append)
        rows = len(text.splitlines()) - 1
        assert seen == [min(n, rows) for n in range(3, rows + 3, 3)]
        return report
    finally:
        await registry.engine.dispose()


async def _import(url: str, text: str) -> tuple[int, int, list[tuple[int, tuple[str, ...]]]]:
    report = await _report(url, text)
    return report.imported, report.unchanged, [(p.line, p.reasons) for p in report.rejected]


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
    assert lines[-1] == "diimpor 3, tidak berubah 0, ditolak 6, peringatan 0"
    assert lines[0].startswith("baris 4: ")
    assert f"{len(ROWS)}/{len(ROWS)} baris" in err.decode()


WITH_IDENTITY = ["psks_type", "region", "nik", "display_name", "birth_date", "sex"]
SOFT = [
    [
        "PSKS-02",
        "33.71.01.1003",
        make_nik("33.71.01", 21, female=True),
        "Ani",
        "1990-08-15",
        "P",
    ],  # clean
    ["PSKS-02", "33.71.01.1003", "9101011508900022", "Budi", "", ""],  # old Papua prefix
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 23), "Citra", "1991-01-01", "L"],
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 24), "Dedi", "15/08/1990", "X"],
    ["PSKS-02", "33.71.01.1003", make_nik("33.71.01", 25, female=True), "Eka", "", "L"],
]


async def test_soft_nik_rules_are_warnings_by_line_and_the_rows_go_in(database_url: str) -> None:
    report = await _report(database_url, csv_text(SOFT, WITH_IDENTITY))
    assert (report.imported, report.rejected) == (5, [])
    warnings = {p.line: " ".join(p.reasons) for p in report.warnings}
    assert sorted(warnings) == [3, 4, 5, 6]
    assert "kode lama" in warnings[3]
    assert warnings[4] == "Tanggal lahir yang tersirat pada NIK tidak sama dengan data"
    assert warnings[5] == (
        "birth_date: bukan tanggal YYYY-MM-DD; tidak dicocokkan dengan NIK "
        "sex: isi L atau P; tidak dicocokkan dengan NIK"
    )
    assert warnings[6] == "Jenis kelamin yang tersirat pada NIK tidak sama dengan data"
    assert all("9101011508900022" not in w for w in warnings.values())
    assert await _counts(database_url) == (5, 10)
    again = await _report(database_url, csv_text(SOFT, WITH_IDENTITY))
    assert (again.imported, again.unchanged, again.warnings) == (0, 5, [])


async def _cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ) | {"PILAR_REGISTRY_DATA_DIR": str(tmp_path)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pilar_registry",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return int(proc.returncode or 0), out.decode(), err.decode()


async def test_cli_refusals_are_a_message_and_an_exit_code_not_a_traceback(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await _import(url, csv_text(ROWS[:1]))
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            volunteer_id = str(await conn.scalar(select(VolunteerRow.id)))
    finally:
        await engine.dispose()
    certify = ["certify", volunteer_id, "--scheme", "TAGANA", "--number", "T-1"]
    certify += ["--valid-from", "2026-01-01"]
    unknown = "01a205d7-5b00-7df4-9705-5f640eb72c62"
    cases = [
        (["verify", volunteer_id, "--operator", "op-import"], "same_operator"),
        (certify, "not_verified"),
        (["verify", unknown, "--operator", "op-2"], "PSKS tidak ditemukan"),
    ]
    refused = await asyncio.gather(*(_cli(tmp_path, *args) for args, _ in cases))  # read only
    for (args, expected), (code, out, err) in zip(cases, refused, strict=True):
        assert code == 2, (args, out, err)
        assert err.startswith("ditolak: "), err
        assert expected in err
        assert "Traceback" not in err
    code, out, _ = await _cli(tmp_path, "verify", volunteer_id, "--operator", "op-2")
    assert (code, out.strip()) == (0, f"{volunteer_id} terverifikasi")
    code, out, err = await _cli(tmp_path, *certify)
    assert code == 0, err
    assert out.startswith("sertifikasi ")


async def test_each_imported_person_has_its_two_events_staged(database_url: str) -> None:
    await _import(database_url, csv_text(ROWS))
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            people = dict((await conn.execute(select(VolunteerRow.id, VolunteerRow.region))).all())
            staged = (await conn.execute(select(outbox.c.headers, outbox.c.event_id))).all()
    finally:
        await engine.dispose()
    by_subject: dict[str, list[str]] = {}
    for headers, event_id in staged:
        assert headers["ce-id"] == str(event_id) == headers["Nats-Msg-Id"]
        assert event_id.version == 7
        by_subject.setdefault(headers["ce-subject"], []).append(headers["ce-type"])
        assert headers["ce-region"] in people.values()
    assert len({event_id for _, event_id in staged}) == len(staged) == 2 * len(people)
    assert {subject: sorted(types) for subject, types in by_subject.items()} == {
        f"volunteer/{person}": [
            "pilar.registry.contact.changed.v1",
            "pilar.registry.volunteer.registered.v1",
        ]
        for person in people
    }
