"""Kemendagri region codes (idn-area-data 4.0.1, Kepmendagri 300.2.2-2138/2025)."""

from __future__ import annotations

from collections import Counter
from importlib.resources import files
from typing import cast

import pytest

from pilar_contracts.reference.regions import (
    REGION_CODE_PATTERN,
    children,
    is_kota,
    province_of,
    provinces,
    regency_of,
    region_counts,
    region_exists,
    region_level,
    region_name,
    region_parent,
    village_kind,
)

BAD_FORMATS = [
    "",
    "3",
    "3371",
    "33.7",
    "33.710",
    "33.71.1",
    "33.71.01.201",
    "33.71.01.20011",
    "33-71",
    " 33",
    "33\n",
    "33.71.",
    "٣٣",  # Arabic-Indic digits are not Kemendagri digits
    "33.71.01.2001.1",
]


def all_regencies() -> list[str]:
    return [regency for province in provinces() for regency in children(province)]


def all_districts() -> list[str]:
    return [district for regency in all_regencies() for district in children(regency)]


def all_villages() -> list[str]:
    return [village for district in all_districts() for village in children(district)]


def test_counts_match_the_decree() -> None:
    assert region_counts() == {
        "province": 38,
        "regency": 514,
        "district": 7285,
        "village": 83762,
    }


def test_walking_children_reaches_every_region_once() -> None:
    assert len(provinces()) == 38
    assert len(set(all_regencies())) == 514
    assert len(set(all_districts())) == 7285
    villages = all_villages()
    assert len(villages) == len(set(villages)) == 83762


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("11", "Aceh"),
        ("33", "Jawa Tengah"),
        ("96", "Papua Barat Daya"),
        ("33.71", "Kota Magelang"),
        ("33.08", "Kabupaten Magelang"),
        ("31.71", "Kota Administrasi Jakarta Pusat"),
        ("93.01", "Kabupaten Merauke"),
        ("96.71", "Kota Sorong"),
        ("33.71.01", "Magelang Selatan"),
        ("33.71.01.1003", "Rejowinangun Selatan"),
        ("11.01.01.2001", "Keude Bakongan"),
        ("91.03.01.3007", "Desa Adat Yoboi"),
        ("12.07.28.1007", "Lubuk Pakam I,II"),  # quoted comma in the CSV
        ("35.13.15.2017", 'Soka"an'),  # escaped double quote in the CSV
        ("53.07.01.2021", "Regapu\u2019u"),  # non-ASCII apostrophe
    ],
)
def test_known_names(code: str, name: str) -> None:
    assert region_exists(code)
    assert region_name(code) == name


def test_codes_retired_by_the_papua_split_are_not_current() -> None:
    # Kemendagri before 2022: 91.01 Merauke, 92.01 Kab. Sorong, 92.71 Kota Sorong (DOMAIN 3.3).
    for old in ("91.01", "92.01", "92.71"):
        assert not region_exists(old)
        with pytest.raises(KeyError, match="unknown regency"):
            region_name(old)
    # 94 is Papua Tengah for Kemendagri (BPS uses 94 for Papua).
    assert region_name("94") == "Papua Tengah"


def test_levels_by_format() -> None:
    assert region_level("33") == "province"
    assert region_level("33.71") == "regency"
    assert region_level("33.71.01") == "district"
    assert region_level("33.71.01.1003") == "village"
    assert region_level("99.99.99.9999") == "village"  # format only, no lookup


@pytest.mark.parametrize("code", BAD_FORMATS)
def test_bad_formats(code: str) -> None:
    assert REGION_CODE_PATTERN.match(code) is None
    assert not region_exists(code)
    for function in (region_level, region_name, region_parent, province_of, children):
        with pytest.raises(ValueError, match="not a Kemendagri region code"):
            function(code)


def test_non_string_codes_are_rejected() -> None:
    assert not region_exists(cast(str, 33))
    with pytest.raises(ValueError, match="not a Kemendagri region code"):
        region_name(cast(str, 3371))


def test_pattern_accepts_every_level() -> None:
    for code in ("33", "33.71", "33.71.01", "33.71.01.2001"):
        assert REGION_CODE_PATTERN.match(code)


def test_unknown_well_formed_codes() -> None:
    for code in ("10", "33.99", "33.71.99", "33.71.01.2999"):
        assert not region_exists(code)
        with pytest.raises(KeyError):
            region_name(code)
        with pytest.raises(KeyError):
            children(code)


def test_parents_by_truncation() -> None:
    assert region_parent("33") is None
    assert region_parent("33.71") == "33"
    assert region_parent("33.71.01") == "33.71"
    assert region_parent("33.71.01.1003") == "33.71.01"
    assert region_parent("91.01.01") == "91.01"  # no lookup: works for retired codes too
    assert province_of("33.71.01.1003") == "33"
    assert province_of("33") == "33"
    assert regency_of("33.71.01.1003") == "33.71"
    assert regency_of("33.71") == "33.71"
    with pytest.raises(ValueError, match="no regency"):
        regency_of("33")


def test_children() -> None:
    assert children("33.71") == ["33.71.01", "33.71.02", "33.71.03"]
    assert [region_name(code) for code in children("33.71")] == [
        "Magelang Selatan",
        "Magelang Utara",
        "Magelang Tengah",
    ]
    assert children("33.71.01") == [
        "33.71.01.1003",
        "33.71.01.1007",
        "33.71.01.1008",
        "33.71.01.1009",
        "33.71.01.1010",
        "33.71.01.1011",
    ]
    assert children("33.71.01.1003") == []
    assert len(children("95.03")) == 51  # Kabupaten Yahukimo, the most districts
    assert len(children("95.06.03")) == 108  # Abenaho, the most villages
    assert "33.71" in children("33")
    assert "33.08" in children("33")


def test_every_child_points_back_to_its_parent() -> None:
    for regency in all_regencies():
        assert region_parent(regency) in provinces()
        for district in children(regency):
            assert region_parent(district) == regency
            assert region_exists(district)


def test_kota_and_kabupaten() -> None:
    assert is_kota("33.71")
    assert is_kota("33.71.01.1003")
    assert not is_kota("33.08")
    assert not is_kota("33.08.01")
    with pytest.raises(ValueError, match="no regency"):
        is_kota("33")
    regencies = all_regencies()
    assert Counter(is_kota(code) for code in regencies) == {False: 416, True: 98}
    for code in regencies:
        # The names agree with the numbering rule: 01-69 Kabupaten, 71-99 Kota.
        assert region_name(code).startswith("Kota ") == is_kota(code)
        assert region_name(code).startswith("Kabupaten ") != is_kota(code)


def test_village_kinds() -> None:
    assert village_kind("33.71.01.1003") == "kelurahan"
    assert village_kind("33.08.01.2001") == "desa"
    assert village_kind("91.03.01.3007") == "desa_adat"
    kinds = Counter(village_kind(code) for code in all_villages())
    assert kinds == {"kelurahan": 8496, "desa": 75252, "desa_adat": 14}
    adat = [code for code in children("91.03.01") if village_kind(code) == "desa_adat"]
    assert adat == ["91.03.01.3007", "91.03.01.3010"]


def test_village_kind_rejects_other_codes() -> None:
    with pytest.raises(ValueError, match="not a village code"):
        village_kind("33.71.01")
    with pytest.raises(ValueError, match="1, 2 or 3"):
        village_kind("33.71.01.5001")


def test_desa_adat_are_all_in_kabupaten_jayapura() -> None:
    adat = [code for code in all_villages() if village_kind(code) == "desa_adat"]
    assert len(adat) == 14
    assert {regency_of(code) for code in adat} == {"91.03"}
    assert region_name("91.03") == "Kabupaten Jayapura"
    assert all(region_name(code).startswith("Desa Adat ") for code in adat)


def test_data_files_ship_with_their_licence() -> None:
    folder = files("pilar_contracts.reference") / "regions"
    assert "Open Database License" in (folder / "LICENSE.md").read_text(encoding="utf-8")
    attribution = (folder / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Data: idn-area-data 4.0.1 by Fityan, ODbL 1.0" in attribution
    assert not (folder / "islands.csv.gz").is_file()
