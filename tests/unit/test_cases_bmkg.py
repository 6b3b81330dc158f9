"""Cases domain: reading BMKG autogempa-format feeds into earthquake reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pilar_cases.domain.earthquakes import (
    FeedMalformed,
    parse_feed,
    parse_item,
    report_id,
    suggested_hazard,
    tsunami_potential,
)

FEEDS = Path(__file__).parents[2] / "services" / "cases" / "tests" / "fixtures" / "bmkg"
SIGI = {
    "DateTime": "2026-08-06T02:59:47+00:00",
    "Coordinates": "-1.17,120.06",
    "Magnitude": "4.1",
    "Kedalaman": "10 km",
    "Potensi": "Tidak berpotensi tsunami",
    "Dirasakan": "III Sigi",
    "Wilayah": "Pusat gempa berada di darat 32 km Timur Laut Sigi",
}


def test_an_autogempa_object_becomes_one_report_with_the_contract_fields() -> None:
    [quake] = parse_feed((FEEDS / "autogempa.json").read_bytes())
    event = quake.event
    assert event.occurred_at == datetime(2026, 8, 6, 2, 59, 47, tzinfo=UTC)
    assert (event.latitude, event.longitude) == (-1.17, 120.06)
    assert (event.magnitude, event.depth_km) == (4.1, 10.0)
    assert event.tsunami_potential is False
    assert event.felt == "III Sigi, II Palu"
    assert quake.area == "Pusat gempa berada di darat 32 km Timur Laut Sigi"
    assert suggested_hazard(event) == "107"


def test_an_array_feed_gives_every_report_and_the_same_quake_the_same_id() -> None:
    [single] = parse_feed((FEEDS / "autogempa.json").read_bytes())
    quakes = parse_feed((FEEDS / "gempaterkini.json").read_bytes())
    assert [q.event.magnitude for q in quakes] == [7.1, 5.3, 4.1]
    assert quakes[2].event.report_id == single.event.report_id
    assert quakes[0].event.tsunami_potential is True
    assert suggested_hazard(quakes[0].event) == "110"
    assert quakes[0].event.felt is None


def test_the_identity_is_time_and_epicentre_whatever_the_notation() -> None:
    utc = parse_item(SIGI).event.report_id
    wib = parse_item(SIGI | {"DateTime": "2026-08-06T09:59:47+07:00"}).event.report_id
    spaced = parse_item(SIGI | {"Coordinates": "-1.17, 120.06"}).event.report_id
    assert utc == wib == spaced
    later = datetime(2026, 8, 6, 3, tzinfo=UTC)
    assert report_id(later, -1.17, 120.06) != utc


def test_lintang_and_bujur_stand_in_for_missing_coordinates() -> None:
    item = {k: v for k, v in SIGI.items() if k != "Coordinates"}
    north_west = parse_item(item | {"Lintang": "2.85 LU", "Bujur": "95.10 BB"}).event
    assert (north_west.latitude, north_west.longitude) == (2.85, -95.10)
    south_east = parse_item(item | {"Lintang": "1.17 LS", "Bujur": "120.06 BT"}).event
    assert south_east.report_id == parse_item(SIGI).event.report_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tidak berpotensi tsunami", False),
        ("Berpotensi tsunami", True),
        ("Potensi tsunami untuk diteruskan pada masyarakat", True),
        ("Gempa ini dirasakan untuk diteruskan pada masyarakat", False),
        (None, False),
    ],
)
def test_tsunami_potential_is_read_from_potensi(text: str | None, expected: bool) -> None:
    assert tsunami_potential(text) is expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[{", "bukan JSON"),
        (b'{"gempa": {}}', "Infogempa"),
        (json.dumps({"Infogempa": {"gempa": ["x"]}}).encode(), "gempa ke-1: setiap"),
        (json.dumps({"Infogempa": {"gempa": {**SIGI, "Magnitude": "kuat"}}}).encode(), "Magnitude"),
        (json.dumps({"Infogempa": {"gempa": {**SIGI, "Magnitude": "12"}}}).encode(), "magnitude"),
        (json.dumps({"Infogempa": {"gempa": {**SIGI, "DateTime": "06 Agu"}}}).encode(), "DateTime"),
        (
            json.dumps(
                {"Infogempa": {"gempa": {**SIGI, "DateTime": "2026-08-06T02:59:47"}}}
            ).encode(),
            "zona waktu",
        ),
        (
            json.dumps({"Infogempa": {"gempa": {**SIGI, "Coordinates": "1,2,3"}}}).encode(),
            "lintang",
        ),
    ],
)
def test_a_malformed_feed_is_refused_with_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(FeedMalformed, match=message):
        parse_feed(raw)


def test_one_bad_quake_refuses_the_whole_feed() -> None:
    with pytest.raises(FeedMalformed, match="gempa ke-2"):
        parse_feed((FEEDS / "malformed.json").read_bytes())
    with pytest.raises(FeedMalformed, match="bukan JSON"):
        parse_feed((FEEDS / "truncated.json").read_bytes())
