"""Cases domain: disaster declarations, who may declare for which regions, and the stages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from pilar_cases.domain import CaseRuleBroken
from pilar_cases.domain.disasters import (
    Authority,
    Declaration,
    Disaster,
    change_status,
    check,
    declare,
    jurisdiction,
)
from pilar_contracts.events.fields import DisasterStatus

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
FLOOD = Declaration(
    hazard="101",
    name="Banjir Kota Magelang",
    status=DisasterStatus.TANGGAP_DARURAT,
    affected_regions=("33.71.01", "33.71.02.1003"),
    authority=Authority.WALI_KOTA,
    decree_no="360/112/2026",
    period_start=date(2026, 11, 22),
    period_end=date(2026, 12, 5),
)


def declared(status: DisasterStatus = DisasterStatus.SIAGA_DARURAT) -> Disaster:
    disaster, _ = declare(
        replace(FLOOD, status=status),
        disaster_id=uuid4(),
        authority_region="33.71",
        by="op",
        now=NOW,
    )
    return disaster


def codes(declaration: Declaration) -> list[str]:
    return [code for code, _ in check(declaration)[1]]


def test_a_valid_declaration_names_the_authority_area_and_announces_the_contract() -> None:
    area, findings = check(FLOOD)
    assert (area, findings) == ("33.71", [])
    disaster, event = declare(FLOOD, disaster_id=uuid4(), authority_region=area, by="op-1", now=NOW)
    assert disaster.affects("33.71.01.1003")
    assert not disaster.affects("33.71.03")
    assert (event.hazard, event.status, event.authority) == ("101", "tanggap_darurat", "wali_kota")
    assert event.affected_regions == ("33.71.01", "33.71.02.1003")
    assert (event.period.start, event.period.end) == (date(2026, 11, 22), date(2026, 12, 5))


@pytest.mark.parametrize(
    ("authority", "regions", "area"),
    [
        (Authority.PRESIDEN, ("33", "34.71"), ""),
        (Authority.GUBERNUR, ("33", "33.71.01"), "33"),
        (Authority.BUPATI, ("33.08.01", "33.08"), "33.08"),
        (Authority.WALI_KOTA, ("33.71",), "33.71"),
    ],
)
def test_each_authority_declares_for_its_own_area(
    authority: Authority, regions: tuple[str, ...], area: str
) -> None:
    assert jurisdiction(authority, regions) == area


@pytest.mark.parametrize(
    ("authority", "regions", "code"),
    [
        (Authority.GUBERNUR, ("33.71", "34.71"), "jurisdiction_mismatch"),
        (Authority.BUPATI, ("33.08", "33.09"), "jurisdiction_mismatch"),
        (Authority.BUPATI, ("33",), "jurisdiction_mismatch"),
        (Authority.BUPATI, ("33.71",), "authority_mismatch"),  # a kota has a wali kota
        (Authority.WALI_KOTA, ("33.08",), "authority_mismatch"),
    ],
)
def test_regions_beyond_the_authority_are_refused(
    authority: Authority, regions: tuple[str, ...], code: str
) -> None:
    assert codes(replace(FLOOD, authority=authority, affected_regions=regions)) == [code]


def test_every_broken_rule_is_reported_at_once() -> None:
    bad = replace(
        FLOOD,
        hazard="111",
        status=DisasterStatus.TRANSISI_DARURAT,
        period_end=date(2026, 11, 1),
        affected_regions=("33.71.99",),
    )
    assert codes(bad) == ["hazard_legacy", "status_not_initial", "period_invalid", "region_unknown"]
    assert codes(replace(FLOOD, hazard="123")) == ["hazard_unknown"]


def test_status_moves_forward_only_as_the_stage_catalogue_says() -> None:
    siaga = declared()
    tanggap, event = change_status(
        siaga, DisasterStatus.TANGGAP_DARURAT, decree_no="SK-2", start=date(2026, 11, 24), end=None
    )
    assert (event.from_status, event.to_status) == ("siaga_darurat", "tanggap_darurat")
    assert (tanggap.decree_no, tanggap.period_start) == ("SK-2", date(2026, 11, 24))
    with pytest.raises(CaseRuleBroken) as back:
        change_status(
            tanggap, DisasterStatus.SIAGA_DARURAT, decree_no="x", start=NOW.date(), end=None
        )
    assert back.value.code == "status_not_allowed"
    assert back.value.details["allowed"] == ["transisi_darurat", "closed"]
    assert str(back.value) == "Status tanggap_darurat tidak dapat berubah menjadi siaga_darurat"
    with pytest.raises(CaseRuleBroken, match="tidak dapat berubah"):
        change_status(
            siaga, DisasterStatus.TRANSISI_DARURAT, decree_no="x", start=NOW.date(), end=None
        )


def test_a_closed_disaster_moves_no_more() -> None:
    closed, _ = change_status(
        declared(), DisasterStatus.CLOSED, decree_no="SK-3", start=NOW.date(), end=None
    )
    with pytest.raises(CaseRuleBroken) as refused:
        change_status(closed, DisasterStatus.CLOSED, decree_no="x", start=NOW.date(), end=None)
    assert refused.value.code == "disaster_closed"


def test_a_status_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(CaseRuleBroken) as refused:
        change_status(
            declared(),
            DisasterStatus.TANGGAP_DARURAT,
            decree_no="x",
            start=date(2026, 12, 1),
            end=date(2026, 11, 30),
        )
    assert refused.value.code == "period_invalid"
