"""Welfare reference catalogues: PSKS, PMKS/PPKS, BNPB hazards and emergency-status stages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from pilar_contracts.reference.catalogue import (
    Catalogue,
    PsksType,
    disaster_stage,
    disaster_stage_catalogue,
    disaster_stage_codes,
    hazard,
    hazard_catalogue,
    hazard_codes,
    is_valid_transition,
    pmks_catalogue,
    pmks_category,
    pmks_codes,
    psks_catalogue,
    psks_codes,
    psks_type,
)

STAGES = ["siaga_darurat", "tanggap_darurat", "transisi_darurat", "closed"]
ALLOWED = {
    ("siaga_darurat", "tanggap_darurat"),
    ("siaga_darurat", "closed"),
    ("tanggap_darurat", "transisi_darurat"),
    ("tanggap_darurat", "closed"),
    ("transisi_darurat", "closed"),
    # Extension: same stage, new period.
    ("siaga_darurat", "siaga_darurat"),
    ("tanggap_darurat", "tanggap_darurat"),
    ("transisi_darurat", "transisi_darurat"),
}


def test_psks_has_the_twelve_types_of_permensos_8_2012() -> None:
    assert psks_codes() == {f"PSKS-{n:02d}" for n in range(1, 13)}
    catalogue = psks_catalogue()
    assert catalogue.legal_basis == "Permensos 8/2012"
    assert [item.code for item in catalogue.items] == sorted(psks_codes())
    assert all(item.legal_basis == "Permensos 8/2012" for item in catalogue.items)


@pytest.mark.parametrize(
    ("code", "name", "abbreviation", "subject"),
    [
        ("PSKS-01", "Pekerja Sosial Profesional", None, "person"),
        ("PSKS-02", "Pekerja Sosial Masyarakat", "PSM", "person"),
        ("PSKS-03", "Taruna Siaga Bencana", "Tagana", "person"),
        ("PSKS-04", "Lembaga Kesejahteraan Sosial", "LKS", "institution"),
        ("PSKS-07", "Keluarga Pioner", None, "family"),
        ("PSKS-08", "Wahana Kesejahteraan Sosial Keluarga Berbasis Masyarakat", "WKSBM", "network"),
        ("PSKS-11", "Tenaga Kesejahteraan Sosial Kecamatan", "TKSK", "person"),
        ("PSKS-12", "Dunia Usaha", None, "institution"),
    ],
)
def test_psks_types(code: str, name: str, abbreviation: str | None, subject: str) -> None:
    item = psks_type(code)
    assert (item.code, item.name, item.abbreviation, item.subject) == (
        code,
        name,
        abbreviation,
        subject,
    )
    assert item.name_en


def test_psks_subject_kinds() -> None:
    subjects = [item.subject for item in psks_catalogue().items]
    assert subjects.count("person") == 6
    assert subjects.count("institution") == 4
    assert subjects.count("family") == 1
    assert subjects.count("network") == 1


def test_pmks_has_the_twenty_six_categories() -> None:
    assert pmks_codes() == {f"PMKS-{n:02d}" for n in range(1, 27)}
    catalogue = pmks_catalogue()
    assert catalogue.legal_basis == "Permensos 8/2012; Permensos 5/2019; Permensos 3/2021 (PPKS)"
    assert [item.code for item in catalogue.items] == sorted(pmks_codes())


def test_pmks_categories() -> None:
    toddler = pmks_category("PMKS-01")
    assert toddler.name == "Anak balita terlantar"
    assert (toddler.age_min, toddler.age_max, toddler.cluster) == (0, 5, "children")
    elderly = pmks_category("PMKS-08")
    assert (elderly.age_min, elderly.age_max, elderly.cluster) == (60, None, "elderly")
    assert pmks_category("PMKS-03").abbreviation == "ABH"
    assert pmks_category("PMKS-09").cluster == "disability"
    assert pmks_category("PMKS-14").units == ("group",)
    assert pmks_category("PMKS-21").units == ("person", "family")
    assert pmks_category("PMKS-24").units == ("person", "household")
    assert pmks_category("PMKS-25").units == ("family",)
    assert pmks_category("PMKS-26").units == ("community",)
    assert pmks_category("PMKS-26").abbreviation == "KAT"


def test_pmks_children_cluster_is_the_first_seven() -> None:
    children = {item.code for item in pmks_catalogue().items if item.cluster == "children"}
    assert children == {f"PMKS-{n:02d}" for n in range(1, 8)}
    for code in children:
        age_max = pmks_category(code).age_max
        assert age_max is not None
        assert age_max <= 18


def test_hazards() -> None:
    assert hazard_codes() == {str(code) for code in range(101, 112)} | {"999"}
    assert hazard("101").name == "Banjir"
    assert hazard("107").name_en == "Earthquake"
    assert hazard(107) == hazard("107")
    assert hazard("110").category == "alam"
    assert hazard("111").legacy
    assert not hazard("109").legacy
    assert hazard("999").category is None
    assert "UU 24/2007" in hazard_catalogue().legal_basis
    assert "DIBI" in hazard_catalogue().source


def test_disaster_stages() -> None:
    assert disaster_stage_codes() == set(STAGES)
    assert disaster_stage("tanggap_darurat").name == "Tanggap Darurat"
    assert disaster_stage("closed").terminal
    assert {stage.code for stage in disaster_stage_catalogue().items if stage.initial} == {
        "siaga_darurat",
        "tanggap_darurat",
    }
    assert disaster_stage_catalogue().legal_basis == "UU 24/2007; PP 21/2008"


@pytest.mark.parametrize("source", STAGES)
@pytest.mark.parametrize("target", STAGES)
def test_stage_transitions(source: str, target: str) -> None:
    assert is_valid_transition(source, target) == ((source, target) in ALLOWED)


def test_transitions_with_unknown_stages() -> None:
    with pytest.raises(KeyError, match="unknown disaster stage"):
        is_valid_transition("proposed", "siaga_darurat")
    with pytest.raises(ValueError, match="not a disaster stage code"):
        is_valid_transition("tanggap_darurat", "Closed")


@pytest.mark.parametrize(
    ("lookup", "code"),
    [
        (psks_type, "PSKS-13"),
        (psks_type, "PSKS-00"),
        (pmks_category, "PMKS-27"),
        (hazard, "112"),
        (disaster_stage, "extended"),
    ],
)
def test_unknown_codes_raise_key_error(lookup: Callable[[str], object], code: str) -> None:
    with pytest.raises(KeyError, match="unknown"):
        lookup(code)


@pytest.mark.parametrize(
    ("lookup", "code"),
    [
        (psks_type, "PSKS-1"),
        (psks_type, "psks-01"),
        (psks_type, "PSKS-01 "),
        (psks_type, "PMKS-01"),
        (pmks_category, "PMKS-001"),
        (pmks_category, ""),
        (hazard, "10"),
        (hazard, "1010"),
        (hazard, True),
        (disaster_stage, "Tanggap Darurat"),
    ],
)
def test_malformed_codes_raise_value_error(lookup: Callable[[Any], object], code: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        lookup(code)


def test_items_are_frozen() -> None:
    item = psks_type("PSKS-03")
    with pytest.raises(ValidationError):
        item.name = "changed"  # type: ignore[misc]
    assert psks_type("PSKS-03").name == "Taruna Siaga Bencana"


def test_lookups_return_the_same_loaded_objects() -> None:
    assert psks_catalogue() is psks_catalogue()
    assert pmks_category("PMKS-05") is pmks_category("PMKS-05")


def test_catalogue_rejects_duplicate_codes() -> None:
    entry = psks_type("PSKS-01").model_dump()
    data = {"legal_basis": "x", "source": "y", "version": "1", "items": [entry, entry]}
    with pytest.raises(ValidationError, match="duplicate codes"):
        Catalogue[PsksType].model_validate(data)


def test_catalogue_rejects_malformed_items() -> None:
    entry = psks_type("PSKS-01").model_dump() | {"code": "PSKS-1"}
    data = {"legal_basis": "x", "source": "y", "version": "1", "items": [entry]}
    with pytest.raises(ValidationError):
        Catalogue[PsksType].model_validate(data)
    entry = psks_type("PSKS-01").model_dump() | {"subject": "robot"}
    with pytest.raises(ValidationError):
        Catalogue[PsksType].model_validate(data | {"items": [entry]})
