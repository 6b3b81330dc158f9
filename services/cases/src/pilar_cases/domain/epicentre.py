"""The regency BMKG names as an epicentre's reference ("... 32 km Timur Laut Sigi"). Pure.

A report carries coordinates, not a kode wilayah; its ``Wilayah`` text ends with the place the
distance is measured from, written as BMKG writes it ("Kab. Garut", "Kota Padang", "Kep.
Mentawai" or a bare "Sigi"). Announcing the report on that regency's subject lets the province's
operators and subscribed systems see it. A bare name shared by a kabupaten and a kota (Bandung,
Malang, ...) falls back to the region both lie in; an unknown place to none (national).
"""

from __future__ import annotations

import re
from functools import cache

from pilar_contracts.reference.regions import children, common_region, provinces, region_name

# BMKG's abbreviations, spelled out as Kemendagri writes the names
_SPELLED = (("kab.", "kabupaten "), ("kep.", "kepulauan "), ("kab ", "kabupaten "))
_KIND = re.compile(r"^(kabupaten|kota administrasi|kota) ")
_TAIL_NOISE = re.compile(r"[\s.,;:)]+$")
NATIONAL = ""


def _normal(text: str) -> str:
    text = text.lower()
    for short, full in _SPELLED:
        text = text.replace(short, full)
    return " ".join(_TAIL_NOISE.sub("", text).split())


@cache
def _names() -> dict[str, tuple[str, ...]]:
    """Every way a regency may be named (full, and bare without its kind) -> the codes."""
    names: dict[str, list[str]] = {}
    for province in provinces():
        for regency in children(province):
            full = _normal(region_name(regency))
            bare = _KIND.sub("", full)
            for name in {full, bare, full.replace("kota administrasi ", "kota ")}:
                names.setdefault(name, []).append(regency)
    return {name: tuple(codes) for name, codes in names.items()}


def reference_region(area: str | None) -> str:
    """The regency (or the province of an ambiguous name) an epicentre is described from."""
    if not area:
        return NATIONAL
    words = _normal(area).split()
    names = _names()
    for start in range(len(words)):  # the longest ending that names a regency wins
        codes = names.get(" ".join(words[start:]))
        if codes:
            return common_region(codes)
    return NATIONAL
