"""Which PSKS types a case of each PMKS category is referred to, and for which service.

This is Pilar's own operational mapping, not a regulation: no Permensos assigns PSKS types to PMKS
categories. It follows the roles in DOMAIN.md section 1 (professional social workers for case work
and specialist needs, PSM for village-level accompaniment, Tagana for disaster victims, TKSK for
aid programmes, WPKS for vulnerable women, Penyuluh Sosial for outreach) and lists only PSKS types
that are people, because cases' replica of the registry holds people. The order of the types is a
preference: among equally near pillars, the earlier type is chosen first. Review with Dinas Sosial.
"""

from __future__ import annotations

from dataclasses import dataclass

PEKSOS, PSM, TAGANA, WPKS, PENYULUH, TKSK = (
    "PSKS-01",
    "PSKS-02",
    "PSKS-03",
    "PSKS-09",
    "PSKS-10",
    "PSKS-11",
)
VERSION = "1.0.0"


@dataclass(frozen=True)
class Suitability:
    """The service a category needs and the PSKS types that can give it, preferred first."""

    service: str
    psks_types: tuple[str, ...]


_CHILD = Suitability("perlindungan_anak", (PEKSOS, PSM))
_TUNA_SOSIAL = Suitability("rehabilitasi_tuna_sosial", (PEKSOS, PSM, PENYULUH))
_SPECIALIST = Suitability("rehabilitasi_sosial", (PEKSOS,))

SUITABLE_PSKS: dict[str, Suitability] = {
    "PMKS-01": _CHILD,
    "PMKS-02": _CHILD,
    "PMKS-03": _CHILD,
    "PMKS-04": _CHILD,
    "PMKS-05": Suitability("rehabilitasi_disabilitas", (PEKSOS, PSM)),
    "PMKS-06": _CHILD,
    "PMKS-07": _CHILD,
    "PMKS-08": Suitability("pendampingan_lansia", (PSM, PEKSOS)),
    "PMKS-09": Suitability("rehabilitasi_disabilitas", (PEKSOS, PSM)),
    "PMKS-10": _TUNA_SOSIAL,
    "PMKS-11": _TUNA_SOSIAL,
    "PMKS-12": _TUNA_SOSIAL,
    "PMKS-13": _TUNA_SOSIAL,
    "PMKS-14": Suitability("pemberdayaan_komunitas", (PENYULUH, PSM)),
    "PMKS-15": Suitability("reintegrasi_sosial", (PEKSOS, PSM)),
    "PMKS-16": _SPECIALIST,
    "PMKS-17": _SPECIALIST,
    "PMKS-18": _SPECIALIST,
    "PMKS-19": Suitability("perlindungan_korban_kekerasan", (PEKSOS, PSM)),
    "PMKS-20": Suitability("reintegrasi_sosial", (PEKSOS, TKSK)),
    "PMKS-21": Suitability("perlindungan_korban_bencana", (TAGANA, PSM)),
    "PMKS-22": Suitability("perlindungan_korban_bencana", (TAGANA, PEKSOS)),
    "PMKS-23": Suitability("pemberdayaan_perempuan", (WPKS, PSM)),
    "PMKS-24": Suitability("pendampingan_bansos", (TKSK, PSM)),
    "PMKS-25": Suitability("konseling_keluarga", (PEKSOS, PSM)),
    "PMKS-26": Suitability("pemberdayaan_komunitas", (PENYULUH, PSM)),
}


def suitability(pmks_category: str) -> Suitability:
    """Return the service and PSKS types for a PMKS category (PMKS-01..26)."""
    return SUITABLE_PSKS[pmks_category]
