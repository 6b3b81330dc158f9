"""The regency a BMKG epicentre is described from, as a kode wilayah for the report's subject."""

from __future__ import annotations

import pytest

from pilar_cases.domain.epicentre import reference_region
from pilar_contracts.reference.regions import common_region


@pytest.mark.parametrize(
    ("area", "region"),
    [
        ("Pusat gempa berada di darat 32 km Timur Laut Sigi", "72.10"),
        ("Pusat gempa berada di laut 56 km BaratDaya Kab. Pangandaran", "32.18"),
        ("Pusat gempa berada di laut 77 km BaratDaya Kep. Mentawai", "13.09"),
        ("Pusat gempa berada di darat 5 km Utara Kota Padang.", "13.71"),
        ("Pusat gempa berada di darat 12 km TimurLaut Lombok Timur", "52.03"),
        ("Pusat gempa berada di darat 10 km Selatan Kab. Bandung", "32.04"),
        ("Pusat gempa berada di darat 10 km Selatan Bandung", "32"),  # Kab. or Kota Bandung
        ("Pusat gempa berada di laut 100 km Selatan Atlantis", ""),
        (None, ""),
    ],
)
def test_the_place_bmkg_measures_from_names_the_region(area: str | None, region: str) -> None:
    assert reference_region(area) == region


def test_the_common_region_is_the_deepest_that_contains_all() -> None:
    assert common_region(["33.71.01.2001", "33.71.02.2001", "33.71"]) == "33.71"
    assert common_region(["33.71.01.2001"]) == "33.71.01.2001"
    assert common_region(["32.04", "32.73"]) == "32"
    assert common_region(["32.04", "33.71"]) == ""
