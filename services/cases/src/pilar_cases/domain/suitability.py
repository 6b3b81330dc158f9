"""Which PSKS types a case of each PMKS category is referred to, and for which service.

This is Pilar's own operational mapping, not a regulation: no Permensos assigns PSKS types to PMKS
categories. It follows the roles in DOMAIN.md section 1 (professional social workers for case work
and specialist needs, PSM for village-level accompaniment, Tagana for disaster victims, TKSK for
aid programmes, WPKS for vulnerable women, Penyuluh Sosial for outreach). People come first; an
LKS running the same service (LKSA for children, LKS-LU for the elderly, rehabilitation centres and
shelters, DOMAIN.md section 1) follows at equal distance, and an LK3 (family counselling) for
PMKS-25. An LKS may take clients while its BALKS accreditation is live; other institutions once
the registry announces them verified. The order of the types is a preference: among equally near
pillars, the earlier type is chosen first. Review with Dinas Sosial.
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
LKS, LK3 = "PSKS-04", "PSKS-06"
ACCREDITED_TYPES = frozenset({LKS})  # BALKS accredits LKS; other institutions need verification
VERSION = "1.2.0"


@dataclass(frozen=True)
class Suitability:
    """The service a category needs and the PSKS types that can give it, preferred first."""

    service: str
    psks_types: tuple[str, ...]  # people
    institution_types: tuple[str, ...] = ()  # institutions, after the people at equal distance


_CHILD = Suitability("perlindungan_anak", (PEKSOS, PSM), (LKS,))
_TUNA_SOSIAL = Suitability("rehabilitasi_tuna_sosial", (PEKSOS, PSM, PENYULUH), (LKS,))
_SPECIALIST = Suitability("rehabilitasi_sosial", (PEKSOS,), (LKS,))
_DISABILITY = Suitability("rehabilitasi_disabilitas", (PEKSOS, PSM), (LKS,))

SUITABLE_PSKS: dict[str, Suitability] = {
    "PMKS-01": _CHILD,
    "PMKS-02": _CHILD,
    "PMKS-03": _CHILD,
    "PMKS-04": _CHILD,
    "PMKS-05": _DISABILITY,
    "PMKS-06": _CHILD,
    "PMKS-07": _CHILD,
    "PMKS-08": Suitability("pendampingan_lansia", (PSM, PEKSOS), (LKS,)),
    "PMKS-09": _DISABILITY,
    "PMKS-10": _TUNA_SOSIAL,
    "PMKS-11": _TUNA_SOSIAL,
    "PMKS-12": _TUNA_SOSIAL,
    "PMKS-13": _TUNA_SOSIAL,
    "PMKS-14": Suitability("pemberdayaan_komunitas", (PENYULUH, PSM)),
    "PMKS-15": Suitability("reintegrasi_sosial", (PEKSOS, PSM), (LKS,)),
    "PMKS-16": _SPECIALIST,
    "PMKS-17": _SPECIALIST,
    "PMKS-18": _SPECIALIST,
    "PMKS-19": Suitability("perlindungan_korban_kekerasan", (PEKSOS, PSM), (LKS,)),
    "PMKS-20": Suitability("reintegrasi_sosial", (PEKSOS, TKSK), (LKS,)),
    "PMKS-21": Suitability("perlindungan_korban_bencana", (TAGANA, PSM)),
    "PMKS-22": Suitability("perlindungan_korban_bencana", (TAGANA, PEKSOS)),
    "PMKS-23": Suitability("pemberdayaan_perempuan", (WPKS, PSM)),
    "PMKS-24": Suitability("pendampingan_bansos", (TKSK, PSM)),
    "PMKS-25": Suitability("konseling_keluarga", (PEKSOS, PSM), (LK3,)),
    "PMKS-26": Suitability("pemberdayaan_komunitas", (PENYULUH, PSM)),
}


def suitability(pmks_category: str) -> Suitability:
    """Return the service and PSKS types (people, institutions) for a PMKS category."""
    return SUITABLE_PSKS[pmks_category]
