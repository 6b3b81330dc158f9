"""Bulk import of PSKS people from a province's CSV list.

Streaming, in chunks: every row is checked (format, region, NIK, type rules, duplicates);
a bad row is reported with its line number and reason while the good rows go in. A row that
breaks only a soft NIK rule (DOMAIN.md 4.1: an unknown or historical prefix, a birth date or sex
that disagrees with the optional ``birth_date`` and ``sex`` columns) goes in with its warnings
reported by line. Re-importing the same file changes nothing: people are recognised by their NIK.
"""

from __future__ import annotations

import csv
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from typing import TextIO
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import Envelope, Event, Outgoing
from pilar_contracts.events.registry import SOURCE
from pilar_contracts.identity import Sex, check_nik
from pilar_contracts.subjects import event_subject
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
NIK_SEPARATORS = str.maketrans("", "", " .-")
EVENTS_PER_ROW = 2  # VolunteerRegistered and the private ContactChanged
_UUID7_BITS = (7 << 76) | (2 << 62)  # version 7, RFC 9562 variant
_UUID7_RANDOM = ((1 << 76) - 1) ^ (3 << 62)  # rand_a and rand_b: 74 random bits


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
    nik = form.nik.translate(NIK_SEPARATORS)
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


def uuid7_batch(count: int) -> list[UUID]:
    """``count`` ascending UUIDv7 of this millisecond from one read of the OS random source.

    ``uuid6.uuid7`` reads the OS once per id and, by stepping its clock one millisecond per id,
    runs minutes ahead of the clock on a bulk import.
    """
    head = (time.time_ns() // 1_000_000 << 80) | _UUID7_BITS
    noise = os.urandom(10 * count)
    values = (int.from_bytes(noise[i : i + 10]) & _UUID7_RANDOM for i in range(0, 10 * count, 10))
    return [UUID(int=head | value) for value in sorted(values)]


class Wrapper:
    """``pilar_contracts.wrap`` with the envelope's id and time given, and per-type constants kept.

    ``wrap`` reads the clock, draws a uuid7 and formats the type, schema and NATS subject anew for
    every event; on a bulk import one id batch and one clock reading serve a whole chunk.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._kinds: dict[type[Event], tuple[str, str, bool]] = {}
        self._subjects: dict[tuple[str, str], str] = {}

    def __call__(
        self, event: Event, *, event_id: UUID, at: datetime, subject: str, region: str
    ) -> Outgoing:
        """The event ready for the outbox, as ``wrap`` makes it (and validated the same way)."""
        type_name, dataschema, private = self._kind(type(event))
        envelope = Envelope(
            id=event_id,
            source=self.source,
            type=type_name,
            subject=subject,
            time=at,
            dataschema=dataschema,
            region=region,
        )
        key = (type_name, region[:5])  # the subject names the province and regency only
        nats_subject = self._subjects.get(key)
        if nats_subject is None:
            nats_subject = event_subject(type_name, envelope.region, private=private)
            self._subjects[key] = nats_subject
        body = event.model_dump_json().encode()
        return Outgoing(envelope=envelope, nats_subject=nats_subject, body=body)

    def _kind(self, event_type: type[Event]) -> tuple[str, str, bool]:
        kind = self._kinds.get(event_type)
        if kind is None:
            k = event_type.kind
            kind = self._kinds[event_type] = (k.type_name, k.dataschema, k.private)
        return kind


class Importer:
    """Imports one file for one operator; each chunk is one transaction."""

    def __init__(self, outbox: Outbox, *, operator: str, chunk_size: int = 1000) -> None:
        self.outbox, self.operator, self.chunk_size = outbox, operator, chunk_size
        self.report = ImportReport()
        self._seen: dict[str, int] = {}  # NIK -> first line, to catch duplicates inside the file
        self._posts: set[tuple[str, str]] = set()
        self._wrap = Wrapper(SOURCE)

    async def import_chunk(
        self, session: AsyncSession, chunk: list[tuple[int, dict[str, str]]]
    ) -> None:
        """Check, dedupe and insert one chunk with its events."""
        now = datetime.now(UTC)
        today = now.date()
        candidates = []
        for line, raw in chunk:
            parsed = parse(raw, today)
            if isinstance(parsed, tuple):
                self.report.rejected.append(RowProblem(line, parsed))
            else:
                candidates.append((line, parsed))
        fresh = await self._fresh(session, candidates)
        ids = iter(uuid7_batch(len(fresh) * (1 + EVENTS_PER_ROW)))
        outgoing, volunteers = [], []
        for line, row in fresh:
            form = row.form
            if row.warnings:
                self.report.warnings.append(RowProblem(line, row.warnings))
            volunteer, events = domain.register(
                form, volunteer_id=next(ids), by=self.operator, now=now
            )
            volunteers.append(volunteer)
            subject = f"volunteer/{volunteer.id}"
            outgoing += [
                self._wrap(e, event_id=next(ids), at=now, subject=subject, region=form.region)
                for e in events
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
            elif (post := (form.psks_type, form.region)) in taken or post in self._posts:
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
    analysed_at = 0  # rows imported when the planner's statistics were last refreshed
    with _heap_frozen():
        for chunk in chunks(read_rows(stream), importer.chunk_size):
            async with transaction() as session:
                await importer.import_chunk(session, chunk)
                if importer.report.imported > 2 * analysed_at:
                    # each time the import doubled: with the statistics of a much smaller table
                    # PostgreSQL plans the NIK lookup badly (100,000 rows: 48 s instead of 0.9 s)
                    await refresh_statistics(session)
                    analysed_at = importer.report.imported
            progress(importer.report.rows)
    async with transaction() as session:
        await refresh_statistics(session)  # the tables may have grown many times over
    importer.report.rejected.sort(key=lambda problem: problem.line)
    importer.report.warnings.sort(key=lambda problem: problem.line)
    return importer.report


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep the objects that exist now out of the cyclic GC's full passes while importing.

    An import allocates a few dozen objects per row, which triggers full collections that each
    walk the whole heap of the loaded libraries: about a quarter of the import's CPU time.
    Left alone when someone else froze the heap already (e.g. a pre-fork server).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
