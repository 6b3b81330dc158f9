"""NIK checks (DOMAIN.md 4.1): the calendar of the birth date, the +40 rule, soft prefix rules."""

from __future__ import annotations

from datetime import date

import pytest

from pilar_contracts.identity import check_kk, check_nik

TODAY = date(2026, 11, 25)


def codes(nik: str) -> list[str]:
    return [e.code for e in check_nik(nik, today=TODAY).errors]


@pytest.mark.parametrize(
    ("nik", "born"),
    [
        ("3371012902000001", date(2000, 2, 29)),  # 2000 is a leap year, 1900 is not
        ("3371016902000001", date(2000, 2, 29)),  # the same day for a woman (+40)
        ("3371013112990001", date(1999, 12, 31)),
        ("3371012802250001", date(2025, 2, 28)),
        ("3371011507270001", date(1927, 7, 15)),  # 2027 would be after today
    ],
)
def test_a_real_birth_date_is_read_in_the_right_century(nik: str, born: date) -> None:
    checked = check_nik(nik, today=TODAY)
    assert (checked.valid, checked.birth_date) == (True, born)


@pytest.mark.parametrize(
    "nik",
    [
        "3371012902010001",  # 29 February in 2001 and 1901
        "3371013104900001",  # 31 April
        "3371017104900001",  # 31 April, for a woman
        "3371013002880001",  # 30 February
    ],
)
def test_a_day_missing_from_the_calendar_is_refused(nik: str) -> None:
    assert codes(nik) == ["date_invalid"]


def test_day_and_month_out_of_range_are_refused_with_their_own_codes() -> None:
    assert codes("3371013213900001") == ["day_invalid", "month_invalid"]
    assert codes("3371010008900001") == ["day_invalid"]
    assert codes("3371017208900001") == ["day_invalid"]  # 72 - 40 = 32


def test_the_sex_follows_the_day_and_disagreement_is_only_a_warning() -> None:
    woman = check_nik("3371015508900001", today=TODAY, sex="M", birth_date=date(1990, 8, 15))
    assert (woman.valid, woman.sex, woman.birth_date) == (True, "F", date(1990, 8, 15))
    assert [w.code for w in woman.warnings] == ["sex_mismatch"]


def test_prefix_warnings_repeat_for_every_number_of_a_district() -> None:
    first = check_nik("9101011508900022", today=TODAY)
    again = check_nik("9101011508900023", today=TODAY)
    assert [w.code for w in first.warnings] == [w.code for w in again.warnings]
    assert [w.code for w in first.warnings] == ["prefix_historical"]
    unknown = check_kk("3399990101200001", today=TODAY)
    assert [w.code for w in unknown.warnings] == ["prefix_unknown"]
    assert "NIK" not in unknown.warnings[0].message  # the KK's own wording, not the NIK's
    assert [w.code for w in check_nik("3399991508900001", today=TODAY).warnings] == [
        "prefix_unknown"
    ]
