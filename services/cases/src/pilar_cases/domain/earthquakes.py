"""Earthquake reports in the BMKG autogempa format (DOMAIN.md 5.5): parse, identify, announce.

A report is an observation, never a declaration. Its identity is BMKG's own: the event time
(``DateTime``, UTC) and the epicentre (``Coordinates``), so the same quake read from
autogempa, gempaterkini or gempadirasakan, or read twice, is one report. Pure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import ValidationError

from pilar_contracts.events.cases import EarthquakeReported

# Fixed forever: report ids derived from it are the dedup keys of every ingested quake.
REPORT_NAMESPACE = UUID("6b1f0f6e-5c0a-4f4e-9a53-0b6d4d1e7a01")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_ABSENT = {"", "-"}


class FeedMalformed(ValueError):  # noqa: N818  a verdict on the input, for operators
    """A feed that is not in the BMKG format; nothing of it is ingested."""


@dataclass(frozen=True)
class Quake:
    """One reported earthquake, as the contract carries it plus BMKG's epicentre description."""

    event: EarthquakeReported
    area: str | None


def report_id(occurred_at: datetime, latitude: float, longitude: float) -> UUID:
    """BMKG's event identity as a stable id: time (UTC) and epicentre."""
    key = f"{occurred_at.astimezone(UTC).isoformat()}|{latitude:.2f},{longitude:.2f}"
    return uuid5(REPORT_NAMESPACE, key)


def _number(text: str, what: str) -> float:
    found = _NUMBER.search(text)
    if found is None:
        raise FeedMalformed(f"{what} bukan angka: {text[:40]!r}")
    return float(found.group().replace(",", "."))


def _coordinates(item: dict[str, Any]) -> tuple[float, float]:
    """Latitude and longitude from ``Coordinates``, else from ``Lintang``/``Bujur`` (LS/BB < 0)."""
    raw = str(item.get("Coordinates", "")).strip()
    if raw:
        parts = raw.split(",")
        if len(parts) != 2:
            raise FeedMalformed(f"Coordinates harus 'lintang,bujur': {raw[:40]!r}")
        return _number(parts[0], "Lintang"), _number(parts[1], "Bujur")
    lintang, bujur = str(item.get("Lintang", "")), str(item.get("Bujur", ""))
    latitude = _number(lintang, "Lintang") * (-1 if "LS" in lintang.upper() else 1)
    longitude = _number(bujur, "Bujur") * (-1 if "BB" in bujur.upper() else 1)
    return latitude, longitude


def _occurred_at(item: dict[str, Any]) -> datetime:
    raw = str(item.get("DateTime", "")).strip()
    try:
        occurred = datetime.fromisoformat(raw)
    except ValueError:
        raise FeedMalformed(f"DateTime bukan waktu ISO 8601: {raw[:40]!r}") from None
    if occurred.tzinfo is None:
        raise FeedMalformed(f"DateTime tanpa zona waktu: {raw[:40]!r}")
    return occurred


def _text(item: dict[str, Any], key: str) -> str | None:
    value = str(item.get(key, "")).strip()
    return None if value in _ABSENT else value[:500]


def tsunami_potential(potensi: str | None) -> bool:
    """BMKG's free text says "Tidak berpotensi tsunami" or names a tsunami potential."""
    text = (potensi or "").lower()
    return "tsunami" in text and "tidak" not in text


def parse_item(item: Any) -> Quake:
    """One ``gempa`` object as a report; FeedMalformed names what is wrong."""
    if not isinstance(item, dict):
        raise FeedMalformed("setiap 'gempa' harus berupa objek")
    for key in ("DateTime", "Magnitude", "Kedalaman"):
        if key not in item:
            raise FeedMalformed(f"kolom {key} tidak ada")
    occurred = _occurred_at(item)
    latitude, longitude = _coordinates(item)
    try:
        event = EarthquakeReported(
            report_id=report_id(occurred, latitude, longitude),
            magnitude=_number(str(item["Magnitude"]), "Magnitude"),
            depth_km=_number(str(item["Kedalaman"]), "Kedalaman"),
            latitude=latitude,
            longitude=longitude,
            occurred_at=occurred,
            tsunami_potential=tsunami_potential(_text(item, "Potensi")),
            felt=_text(item, "Dirasakan"),
        )
    except ValidationError as invalid:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in invalid.errors() if e["loc"]}))
        raise FeedMalformed(f"nilai di luar batas: {fields}") from None
    return Quake(event, _text(item, "Wilayah"))


def parse_feed(raw: bytes) -> list[Quake]:
    """Every quake of an autogempa (object) or gempaterkini/gempadirasakan (array) feed."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FeedMalformed("bukan JSON yang sah") from None
    info = document.get("Infogempa") if isinstance(document, dict) else None
    if not isinstance(info, dict) or "gempa" not in info:
        raise FeedMalformed("tidak ada {'Infogempa': {'gempa': ...}}")
    items = info["gempa"] if isinstance(info["gempa"], list) else [info["gempa"]]
    quakes = []
    for position, item in enumerate(items):
        try:
            quakes.append(parse_item(item))
        except FeedMalformed as malformed:
            raise FeedMalformed(f"gempa ke-{position + 1}: {malformed}") from None
    return list({q.event.report_id: q for q in quakes}.values())


def suggested_hazard(quake: EarthquakeReported) -> str:
    """The BNPB code an operator would declare: 110 with a tsunami potential, else 107."""
    return "110" if quake.tsunami_potential else "107"
