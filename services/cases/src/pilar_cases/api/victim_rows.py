"""Reading a posted victim list, JSON or CSV, into rows that remember where they came from."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pilar_cases.usecases.victims import Rejection
from pilar_kit.http import Rejected

MAX_ROWS = 20_000
COLUMNS = frozenset(
    {
        "nik",
        "kk",
        "display_name",
        "birth_date",
        "sex",
        "phone",
        "address",
        "region",
        "pmks_category",
        "client_kind",
        "urgency",
        "consent",
    }
)
REQUIRED = ("nik", "display_name", "region", "consent")


@dataclass(frozen=True)
class Row:
    """One posted row: its index from 0, its CSV line (header = 1), its fields or why not."""

    index: int
    line: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    rejection: Rejection | None = None


def parse_rows(content_type: str, body: bytes) -> list[Row]:
    """The rows of a JSON list or a CSV file; 4xx when the whole upload is unreadable."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        rows = _json_rows(body)
    elif media in ("text/csv", "application/csv"):
        rows = _csv_rows(body)
    else:
        message = "Kirim daftar korban sebagai application/json (list) atau text/csv"
        raise Rejected(message, code="unsupported_media_type", status=415)
    if not rows:
        raise Rejected("Tidak ada baris korban", code="no_rows")
    if len(rows) > MAX_ROWS:
        message = f"Paling banyak {MAX_ROWS} baris per kiriman; bagi filenya"
        raise Rejected(message, code="too_many_rows", status=413)
    return rows


def _json_rows(body: bytes) -> list[Row]:
    try:
        items = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Rejected("Isi kiriman bukan JSON yang sah", code="malformed_json") from None
    if not isinstance(items, list):
        raise Rejected("Isi kiriman harus berupa daftar (JSON list)", code="not_a_list")
    return [
        Row(i, None, item)
        if isinstance(item, dict)
        else Row(i, None, rejection=Rejection(i, None, "not_an_object", "Baris bukan objek JSON"))
        for i, item in enumerate(items)
    ]


def _csv_rows(body: bytes) -> list[Row]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected("File CSV harus berenkode UTF-8", code="malformed_csv") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return []
    _check_header(header)
    rows = []
    try:
        for index, values in enumerate(reader):
            rows.append(_csv_row(index, reader.line_num, header, values))
    except csv.Error:
        raise Rejected("File CSV rusak", code="malformed_csv", line=reader.line_num) from None
    return [row for row in rows if row is not None]


def _check_header(header: list[str]) -> None:
    unknown = sorted(set(header) - COLUMNS)
    missing = [name for name in REQUIRED if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        message = "Baris judul CSV tidak sah"
        raise Rejected(message, code="csv_header", unknown=unknown, missing=missing)


def _csv_row(index: int, line: int, header: list[str], values: list[str]) -> Row | None:
    if not any(value.strip() for value in values):
        return None  # a blank line, e.g. at the end of the file
    if len(values) != len(header):
        message = f"Baris berisi {len(values)} kolom, judul {len(header)}"
        return Row(index, line, rejection=Rejection(index, line, "csv_row_shape", message))
    fields = {name: value.strip() for name, value in zip(header, values, strict=True)}
    return Row(index, line, {name: value for name, value in fields.items() if value})
