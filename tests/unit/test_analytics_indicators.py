"""Indicators: percentiles, coverage and its ranking, threshold crossings, region drill-down."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from pilar_analytics.domain.callouts import callouts
from pilar_analytics.domain.indicators import (
    Coverage,
    below_target,
    coverage_ratio,
    percentile,
    quantile,
    rank_bounds,
    unavailable_at,
    worst_first,
)
from pilar_analytics.domain.regions import (
    UnknownRegion,
    normalise,
    overlaps,
    row_codes,
    row_level,
    within,
)
from pilar_analytics.domain.thresholds import Crossing, crossings

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Responded:
    """A disaster's response as the store reports it (the fields a call-out reads)."""

    status: str
    regions: list[str]
    declared_at: datetime
    first_deployed_at: datetime | None
    deployed: int
    acknowledged: int


def test_percentiles_interpolate_between_the_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert percentile([7], 90) == 7
    assert percentile([], 50) is None


def test_the_ranks_a_store_fetches_give_the_same_percentile_as_all_values() -> None:
    chance = random.Random(3)
    for count in range(1, 60):
        values = sorted(chance.uniform(0, 100) for _ in range(count))
        for percent in (50, 90):
            low, high, _ = rank_bounds(count, percent)
            fetched = {low: values[low - 1], high: values[high - 1]}
            assert quantile(fetched, count, percent) == percentile(values, percent)


def test_rank_bounds_match_the_integer_arithmetic_of_the_sql() -> None:
    for count in range(1, 500):
        scaled = (count - 1) * 90
        low, high, _ = rank_bounds(count, 90)
        assert (low, high) == (scaled // 100 + 1, (scaled + 99) // 100 + 1)


def test_coverage_ratio_is_psks_per_open_case_and_none_without_cases() -> None:
    assert coverage_ratio(3, 4) == 0.75
    assert coverage_ratio(3, 0) is None
    assert below_target(0.75, 1.0)
    assert not below_target(None, 1.0)
    assert not below_target(1.0, 1.0)


def test_regions_below_target_come_first_then_by_ratio_and_empty_ones_last() -> None:
    rows = [
        Coverage("31", 10, 5, 5),  # 2.0
        Coverage("32", 1, 0, 4),  # 0.25
        Coverage("33", 0, 0, 0),  # none
        Coverage("34", 9, 9, 10),  # 0.9
        Coverage("35", 5, 5, 5),  # 1.0
    ]
    assert [r.region for r in worst_first(rows, 1.0)] == ["32", "34", "35", "31", "33"]
    assert [r.region for r in worst_first(rows, 0.5)] == ["32", "34", "35", "31", "33"]
    assert [r.region for r in worst_first(rows, 0.2)] == ["32", "34", "35", "31", "33"]


def test_a_fall_below_target_is_announced_once_and_again_only_after_recovery() -> None:
    first = crossings({"33": 0.5, "34": 2.0}, {}, 1.0)
    assert first == [Crossing("33", 0.5, below=True)]
    assert first[0].announce
    assert crossings({"33": 0.4}, {"33": True}, 1.0) == []
    recovered = crossings({"33": 1.5}, {"33": True}, 1.0)
    assert recovered == [Crossing("33", 1.5, below=False)]
    assert not recovered[0].announce
    assert crossings({"33": 0.9}, {"33": False}, 1.0) == [Crossing("33", 0.9, below=True)]


def test_a_region_without_open_cases_is_no_longer_below_target() -> None:
    assert crossings({}, {"33.71": True}, 1.0) == [Crossing("33.71", None, below=False)]


def test_region_parameters_are_dotted_or_compact_kemendagri_codes() -> None:
    assert normalise(None) == normalise("") == normalise("00") == ""
    assert normalise("3371") == normalise("33.71") == "33.71"
    assert normalise("337101") == "33.71.01"
    for bad in ("3", "99", "33.99", "33.71.01.1003", "abc", "33-71"):
        with pytest.raises(UnknownRegion):
            normalise(bad)


def test_drill_down_goes_national_provinces_regencies_districts() -> None:
    assert row_level("") == "province"
    assert len(row_codes("")) == 38
    assert row_level("33") == "regency"
    assert "33.71" in row_codes("33")
    assert row_level("33.71") == "district"
    assert all(code.startswith("33.71.") for code in row_codes("33.71"))
    assert row_level("33.71.01") == "district"
    assert row_codes("33.71.01") == ["33.71.01"]


def test_within_and_overlaps() -> None:
    assert within("33.71.01", "33.71")
    assert not within("33.72", "33.71")
    assert not within("33.710", "33.71")
    assert within("31", "")
    assert overlaps("33", "33.71")
    assert overlaps("33.71.01", "33.71")
    assert not overlaps("34", "33.71")


def test_people_away_at_a_moment_follow_their_latest_change_by_then() -> None:
    day = timedelta(days=1)
    changes = [
        ("a", "suspended", T0 + day, T0),
        ("a", "active", T0 + 3 * day, T0),
        ("b", "on_leave", T0 + day, T0 + 2 * day),  # counted only from day 2
        ("c", "active", T0 + day, T0),
        ("c", "inactive", T0 + day, T0),  # at the same moment, away wins
    ]
    assert unavailable_at(changes, T0) == 0
    assert unavailable_at(changes, T0 + day) == 2
    assert unavailable_at(changes, T0 + 2 * day) == 3
    assert unavailable_at(changes, T0 + 3 * day) == 2


def test_callouts_sum_open_disasters_per_province_and_time_the_latest() -> None:
    later = T0 + timedelta(days=2)
    found = callouts(
        [
            Responded(
                "tanggap_darurat", ["33.71", "33.08.01"], T0, T0 + timedelta(minutes=45), 4, 3
            ),
            Responded("siaga_darurat", ["33.72", "35"], later, None, 0, 0),
            Responded("closed", ["33.71"], later, later + timedelta(minutes=5), 9, 9),
        ]
    )
    assert set(found) == {"33", "35"}
    central = found["33"]
    assert (central.disasters, central.deployed, central.acknowledged) == (2, 4, 3)
    assert central.minutes_to_first_deployment is None  # the latest open one: nobody yet
    assert found["35"].latest_declared_at == later
    alone = callouts([Responded("transisi_darurat", ["33.71"], T0, T0 + timedelta(hours=1), 1, 0)])
    assert alone["33"].minutes_to_first_deployment == 60.0
