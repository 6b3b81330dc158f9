"""Bulk import of PSKS people from a province's CSV list.

Streaming, in chunks: every row is checked (format, region, NIK, type rules, duplicates);
a bad row is reported with its line number and reason while the good rows go in. A row that
breaks only a soft NIK rule (DOMAIN.md 4.1: an unknown or historical prefix, a birth date or sex
that disagrees with the optional ``birth_date`` and ``sex`` columns) goes in with its warnings
reported by line. Re-importing the same file changes nothing: people are recognised by their NIK.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import TextIO

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import wrap
from pilar_contracts.events.registry import SOURCE
from pilar_contracts.identity import Sex, check_nik
from pilar_kit.outbox import Outbox
from pilar_registry import domain
from pilar_registry.api.schemas import VolunteerCreate
from pilar_registry.domain import Contact, Registration
from pilar_registry.domain.psks import ONE_PER_REGION, PERSON, type_findings
from pilar_registry.store.statistics import refresh_statistics
from pilar_registry.store.volunteers import add_many, ids_by_nik, posts_taken

COLUMNS = (
    "psks_type",
    "region",
    "nik",
    "display_name",
    "email",
    "phone",
    "whatsapp",
    "competencies",
    "tier",
    "level",
    "capacity",
    "birth_date",  # optional, only to check the NIK against: not stored
    "sex",  # L/P (or M/F), likewise
)
SEXES: dict[str, Sex] = {"L": "M", "M": "M", "P": "F", "F": "F"}


@dataclass(frozen=True)
class RowProblem:
    """A rejected row: its line in the file and why."""

    line: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Parsed:
    """A row that may go in, and the soft rules it broke."""

    form: Registration
    warnings: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    unchanged: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)  # of rows that went in

    @property
    def rows(self) -> int:
        """Rows read."""
        return self.imported + self.unchanged + len(self.rejected)


def read_rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of the CSV with their line numbers (the header is line 1)."""
    reader = csv.DictReader(stream)
    missing = {"psks_type", "region", "nik", "display_name"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"kolom wajib tidak ada: {', '.join(sorted(missing))}")
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def parse(raw: dict[str, str], today: date) -> Parsed | tuple[str, ...]:
    """A registration from one row with its warnings, or the reasons it is refused."""
    details = {k: raw[k] for k in ("tier", "level") if raw.get(k)}
    body: dict[str, object] = {
        k: raw[k] for k in ("psks_type", "region", "nik", "display_name") if k in raw
    }
    body |= {k: raw[k] for k in ("email", "phone", "whatsapp", "capacity") if raw.get(k)}
    competencies = tuple(c for c in raw.get("competencies", "").split(";") if c)
    try:
        form = VolunteerCreate.model_validate(
            body | {"competencies": competencies, "details": details}
        )
    except ValidationError as invalid:
        return tuple(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in invalid.errors(include_input=False, include_url=False)
        )
    nik = "".join(ch for ch in form.nik if ch not in " .-")
    birth_date, sex, unread = _identity_hints(raw)
    checked = check_nik(nik, today=today, birth_date=birth_date, sex=sex)
    reasons = [f.message for f in type_findings(form.psks_type, form.region, form.details, PERSON)]
    reasons += [e.message for e in checked.errors]
    if reasons:
        return tuple(reasons)
    contact = Contact(form.display_name, form.email, form.phone, form.whatsapp)
    registration = Registration(
        form.psks_type, form.region, nik, contact, form.competencies, form.details, form.capacity
    )
    return Parsed(registration, (*unread, *(w.message for w in checked.warnings)))


def _identity_hints(raw: dict[str, str]) -> tuple[date | None, Sex | None, list[str]]:
    """The optional birth date and sex to check the NIK against, and what could not be read."""
    unread, birth_date = [], None
    if raw.get("birth_date"):
        try:
            birth_date = date.fromisoformat(raw["birth_date"])
        except ValueError:
            unread.append("birth_date: bukan tanggal YYYY-MM-DD; tidak dicocokkan dengan NIK")
    sex = SEXES.get(raw.get("sex", "").upper())
    if raw.get("sex") and sex is None:
        unread.append("sex: isi L atau P; tidak dicocokkan dengan NIK")
    return birth_date, sex, unread


def chunks(
    rows: Iterable[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    """The rows in lists of ``size``."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Importer:
    """Imports one file for one operator; each chunk is one transaction."""

    def __init__(self, outbox: Outbox, *, operator: str, chunk_size: int = 1000) -> None:
        self.outbox, self.operator, self.chunk_size = outbox, operator, chunk_size
        self.report = ImportReport()
        self._seen: dict[str, int] = {}  # NIK -> first line, to catch duplicates inside the file
        self._posts: set[tuple[str, str]] = set()

    async def import_chunk(
        self, session: AsyncSession, chunk: list[tuple[int, dict[str, str]]]
    ) -> None:
        """Check, dedupe and insert one chunk with its events."""
        now = datetime.now(UTC)
        candidates = []
        for line, raw in chunk:
            parsed = parse(raw, now.date())
            if isinstance(parsed, tuple):
                self.report.rejected.append(RowProblem(line, parsed))
            else:
                candidates.append((line, parsed))
        fresh = await self._fresh(session, candidates)
        outgoing, volunteers = [], []
        for line, row in fresh:
            form = row.form
            if row.warnings:
                self.report.warnings.append(RowProblem(line, row.warnings))
            volunteer, events = domain.register(
                form, volunteer_id=uuid7(), by=self.operator, now=now
            )
            volunteers.append(volunteer)
            subject = f"volunteer/{volunteer.id}"
            outgoing += [
                wrap(e, source=SOURCE, subject=subject, region=form.region) for e in events
            ]
        await add_many(session, volunteers)
        await self.outbox.stage(session, *outgoing)
        self.report.imported += len(volunteers)

    async def _fresh(
        self, session: AsyncSession, candidates: list[tuple[int, Parsed]]
    ) -> list[tuple[int, Parsed]]:
        known = await ids_by_nik(session, [row.form.nik for _, row in candidates])
        posts = [
            (row.form.psks_type, row.form.region)
            for _, row in candidates
            if row.form.psks_type in ONE_PER_REGION
        ]
        taken = await posts_taken(session, posts)
        fresh = []
        for line, row in candidates:
            form = row.form
            if form.nik in self._seen:
                self._reject(line, f"NIK sama dengan baris {self._seen[form.nik]}")
            elif form.nik in known:
                self._seen[form.nik] = line
                self.report.unchanged += 1
            elif (form.psks_type, form.region) in taken | self._posts:
                self._reject(line, f"wilayah ini sudah memiliki {form.psks_type} aktif")
            else:
                self._seen[form.nik] = line
                if form.psks_type in ONE_PER_REGION:
                    self._posts.add((form.psks_type, form.region))
                fresh.append((line, row))
        return fresh

    def _reject(self, line: int, reason: str) -> None:
        self.report.rejected.append(RowProblem(line, (reason,)))


async def import_csv(
    stream: TextIO,
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    importer: Importer,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportReport:
    """Import a whole file, chunk by chunk, calling ``progress(rows_read)`` after each."""
    for chunk in chunks(read_rows(stream), importer.chunk_size):
        async with transaction() as session:
            await importer.import_chunk(session, chunk)
        progress(importer.report.rows)
    async with transaction() as session:
        await refresh_statistics(session)  # the tables may have grown many times over
    importer.report.rejected.sort(key=lambda problem: problem.line)
    importer.report.warnings.sort(key=lambda problem: problem.line)
    return importer.report
