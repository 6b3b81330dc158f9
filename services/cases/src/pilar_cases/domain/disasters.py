"""Disaster declarations (DOMAIN.md 5): who may declare what, and the emergency stages. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pilar_cases.domain.cases import CaseRuleBroken
from pilar_contracts.events.cases import DisasterDeclared, DisasterPeriod, DisasterStatusChanged
from pilar_contracts.events.fields import DisasterStatus
from pilar_contracts.reference.catalogue import disaster_stage, hazard
from pilar_contracts.reference.regions import is_kota, region_exists

NATIONAL = ""


class Authority(StrEnum):
    """Who declares a state of emergency (UU 24/2007): president, governor, regent, mayor."""

    PRESIDEN = "presiden"
    GUBERNUR = "gubernur"
    BUPATI = "bupati"
    WALI_KOTA = "wali_kota"


@dataclass(frozen=True)
class Declaration:
    """What an operator records from the decree (SK) of a state of emergency."""

    hazard: str
    name: str
    status: DisasterStatus
    affected_regions: tuple[str, ...]
    authority: Authority
    decree_no: str
    period_start: date
    period_end: date | None = None


@dataclass(frozen=True)
class Disaster:
    """A declared disaster; ``authority_region`` is the area of the declaring authority."""

    id: UUID
    hazard: str
    name: str
    status: DisasterStatus
    affected_regions: tuple[str, ...]
    authority: Authority
    authority_region: str
    decree_no: str
    period_start: date
    period_end: date | None
    declared_by: str
    declared_at: datetime
    version: int = 1

    @property
    def period(self) -> DisasterPeriod:
        """The period of the current status."""
        return DisasterPeriod(start=self.period_start, end=self.period_end)

    def affects(self, region: str) -> bool:
        """Tell whether a region lies within one of the affected regions."""
        return any(region == r or region.startswith(r + ".") for r in self.affected_regions)


Finding = tuple[str, str]  # (code, message for operators)


def _hazard_findings(code: str) -> list[Finding]:
    try:
        known = hazard(code)
    except (KeyError, ValueError):
        return [("hazard_unknown", f"Kode jenis bencana BNPB {code} tidak dikenal")]
    if known.legacy:
        return [("hazard_legacy", f"Kode {code} ({known.name}) sudah tidak dipakai")]
    return []


def _common_prefix(regions: tuple[str, ...], length: int) -> str | None:
    """The shared code of the given length (2 province, 5 regency), or None if they differ."""
    prefixes = {r[:length] for r in regions}
    if len(prefixes) != 1 or any(len(r) < length for r in regions):
        return None
    return prefixes.pop()


def jurisdiction(authority: Authority, regions: tuple[str, ...]) -> str | Finding:
    """The region of the declaring authority, or why the regions lie beyond it."""
    if authority is Authority.PRESIDEN:
        return NATIONAL
    if authority is Authority.GUBERNUR:
        province = _common_prefix(regions, 2)
        if province is None:
            return ("jurisdiction_mismatch", "Gubernur menetapkan status untuk satu provinsi saja")
        return province
    regency = _common_prefix(regions, 5)
    if regency is None:
        office = "Bupati" if authority is Authority.BUPATI else "Wali kota"
        return ("jurisdiction_mismatch", f"{office} menetapkan status untuk satu kabupaten/kota")
    if is_kota(regency) != (authority is Authority.WALI_KOTA):
        kind = "kota" if is_kota(regency) else "kabupaten"
        return (
            "authority_mismatch",
            f"Wilayah {regency} adalah {kind}; pejabatnya bukan {authority}",
        )
    return regency


def check(declaration: Declaration) -> tuple[str, list[Finding]]:
    """The authority's region and every rule the declaration breaks (empty when valid)."""
    findings = _hazard_findings(declaration.hazard)
    if not disaster_stage(declaration.status.value).initial:
        findings.append(
            ("status_not_initial", "Status awal harus siaga_darurat atau tanggap_darurat")
        )
    end = declaration.period_end
    if end is not None and end < declaration.period_start:
        findings.append(("period_invalid", "Akhir masa status darurat mendahului awalnya"))
    unknown = [r for r in declaration.affected_regions if not region_exists(r)]
    findings += [("region_unknown", f"Kode wilayah {r} tidak dikenal") for r in unknown]
    area = jurisdiction(declaration.authority, declaration.affected_regions)
    if isinstance(area, tuple):
        findings.append(area)
        return NATIONAL, findings
    return area, findings


def declare(
    declaration: Declaration, *, disaster_id: UUID, authority_region: str, by: str, now: datetime
) -> tuple[Disaster, DisasterDeclared]:
    """Record a checked declaration and the event that announces it."""
    regions = tuple(dict.fromkeys(declaration.affected_regions))
    disaster = Disaster(
        id=disaster_id,
        hazard=declaration.hazard,
        name=declaration.name,
        status=declaration.status,
        affected_regions=regions,
        authority=declaration.authority,
        authority_region=authority_region,
        decree_no=declaration.decree_no,
        period_start=declaration.period_start,
        period_end=declaration.period_end,
        declared_by=by,
        declared_at=now,
    )
    event = DisasterDeclared(
        disaster_id=disaster_id,
        hazard=disaster.hazard,
        name=disaster.name,
        status=disaster.status,
        affected_regions=regions,
        authority=disaster.authority.value,
        decree_no=disaster.decree_no,
        period=disaster.period,
    )
    return disaster, event


def change_status(
    disaster: Disaster, to: DisasterStatus, *, decree_no: str, start: date, end: date | None
) -> tuple[Disaster, DisasterStatusChanged]:
    """Move a disaster forward to the next emergency stage under a new decree."""
    current = disaster_stage(disaster.status.value)
    if current.terminal:
        raise CaseRuleBroken("disaster_closed", "Status darurat bencana ini sudah berakhir")
    if to.value not in current.next:
        raise CaseRuleBroken(
            "status_not_allowed",
            f"Status {disaster.status.value} tidak dapat berubah menjadi {to.value}",
            allowed=list(current.next),
        )
    if end is not None and end < start:
        raise CaseRuleBroken("period_invalid", "Akhir masa status darurat mendahului awalnya")
    moved = replace(disaster, status=to, decree_no=decree_no, period_start=start, period_end=end)
    event = DisasterStatusChanged(
        disaster_id=disaster.id, from_status=disaster.status, to_status=to
    )
    return moved, event
