"""What each PSKS institution type needs (Permensos 8/2012 and the regulation of each type)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pilar_contracts.reference.regions import region_level
from pilar_registry.domain.psks import INSTITUTION, Finding, subject_kind

LKS, KARANG_TARUNA, LK3 = "PSKS-04", "PSKS-05", "PSKS-06"
KELUARGA_PIONER, WKSBM, DUNIA_USAHA = "PSKS-07", "PSKS-08", "PSKS-12"
DEPTHS = ("province", "regency", "district", "village")
DEPTH_LABELS = {
    "regency": "kabupaten/kota",
    "district": "kecamatan",
    "village": "desa/kelurahan",
}


@dataclass(frozen=True)
class InstitutionRules:
    """Registration rules of one institution type."""

    min_depth: str = "regency"  # the level of kode wilayah a record must have at least
    exact_depth: bool = False  # the record sits exactly at that level
    number_pattern: str | None = None  # the registration number required, as a regex
    number_label: str = "nomor registrasi"
    one_per_region: bool = False


RULES: dict[str, InstitutionRules] = {
    # LKS register with the regency/city Dinas Sosial, which issues a tanda daftar (its number).
    LKS: InstitutionRules(number_pattern=r"^\S.{0,63}$", number_label="nomor tanda daftar LKS"),
    # One Karang Taruna per desa/kelurahan (Permensos 25/2019).
    KARANG_TARUNA: InstitutionRules(min_depth="village", exact_depth=True, one_per_region=True),
    LK3: InstitutionRules(),
    KELUARGA_PIONER: InstitutionRules(min_depth="village", exact_depth=True),
    WKSBM: InstitutionRules(min_depth="village", exact_depth=True),
    # A business is known by its NIB (Nomor Induk Berusaha, 13 digits, issued through OSS).
    DUNIA_USAHA: InstitutionRules(number_pattern=r"^[0-9]{13}$", number_label="NIB (13 digit)"),
}
ACCREDITED_TYPES = frozenset({LKS})  # BALKS accredits LKS (Permensos 17/2012)


def institution_findings(code: str, region: str, registration_no: str | None) -> list[Finding]:
    """Check the subject, region depth and registration number of a type; empty when fine."""
    if subject_kind(code) != INSTITUTION or code not in RULES:
        return [Finding("wrong_subject", f"{code} didaftarkan sebagai perorangan, bukan lembaga")]
    rules, findings = RULES[code], []
    depth = DEPTHS.index(region_level(region))
    wanted = DEPTHS.index(rules.min_depth)
    if depth < wanted or (rules.exact_depth and depth != wanted):
        label = DEPTH_LABELS[rules.min_depth]
        exactly = "" if rules.exact_depth else " atau lebih rinci"
        findings.append(
            Finding("region_depth", f"{code} harus terdaftar pada tingkat {label}{exactly}")
        )
    if rules.number_pattern:
        if not registration_no:
            findings.append(Finding("registration_no_missing", f"{rules.number_label} wajib diisi"))
        elif not re.match(rules.number_pattern, registration_no):
            findings.append(Finding("registration_no_invalid", f"{rules.number_label} tidak sah"))
    return findings


def name_key(name: str) -> str:
    """A name as compared for duplicates: case and spacing do not matter."""
    return " ".join(name.casefold().split())
