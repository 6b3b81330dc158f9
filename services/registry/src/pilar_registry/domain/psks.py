"""Rules that depend on the PSKS type (Permensos 8/2012 and the regulation of each type)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pilar_contracts.reference.catalogue import psks_type
from pilar_contracts.reference.regions import region_level


class TaganaTier(StrEnum):
    """Tagana tiers (Permensos 28/2012)."""

    MUDA = "muda"
    MADYA = "madya"
    UTAMA = "utama"


class PeksosLevel(StrEnum):
    """Professional social worker levels (Permensos 16/2017)."""

    ASISTEN = "asisten"
    GENERALIS = "generalis"
    SPESIALIS = "spesialis"


@dataclass(frozen=True)
class Finding:
    """Why a command is refused: a machine code and a message for operators."""

    code: str
    message: str


PERSON, INSTITUTION = "person", "institution"
TAGANA, PEKSOS, TKSK, KARANG_TARUNA = "PSKS-03", "PSKS-01", "PSKS-11", "PSKS-05"
# One TKSK per kecamatan (Permensos 28/2018), one Karang Taruna per desa/kelurahan (25/2019).
ONE_PER_REGION = {TKSK: "district", KARANG_TARUNA: "village"}


def subject_kind(code: str) -> str:
    """``person`` for people, ``institution`` for institutions, families and networks."""
    return PERSON if psks_type(code).subject == PERSON else INSTITUTION


def type_findings(code: str, region: str, details: dict[str, Any], kind: str) -> list[Finding]:
    """Check the fields and region depth a PSKS type needs; empty when all is well."""
    findings: list[Finding] = []
    if subject_kind(code) != kind:
        where = "lembaga" if kind == PERSON else "perorangan"
        findings.append(Finding("wrong_subject", f"{code} didaftarkan sebagai {where}"))
    depth = ONE_PER_REGION.get(code)
    if depth and region_level(region) != depth:
        label = "kecamatan" if depth == "district" else "desa/kelurahan"
        findings.append(Finding("region_depth", f"{code} harus terdaftar pada tingkat {label}"))
    findings.extend(_detail_findings(code, details))
    return findings


def _detail_findings(code: str, details: dict[str, Any]) -> list[Finding]:
    if code == TAGANA and details.get("tier") not in set(TaganaTier):
        return [Finding("tagana_tier", "Tingkat Tagana wajib: muda, madya, atau utama")]
    if code == PEKSOS and details.get("level") not in set(PeksosLevel):
        return [
            Finding("peksos_level", "Jenjang pekerja sosial wajib: asisten, generalis, spesialis")
        ]
    return []
