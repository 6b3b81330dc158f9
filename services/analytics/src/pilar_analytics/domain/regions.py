"""Region drill-down: which level of rows a region is broken into, and its children."""

from __future__ import annotations

import re
from typing import Literal

from pilar_contracts.reference.regions import children, provinces, region_exists

RowLevel = Literal["province", "regency", "district"]
NATIONAL = ""
_COMPACT = re.compile(r"\d{2}|\d{4}|\d{6}")
_DOTTED = re.compile(r"\d{2}(\.\d{2}(\.\d{2})?)?")
# Length of the code prefix that names a region of each level (dotted form).
PREFIX_LENGTH: dict[RowLevel, int] = {"province": 2, "regency": 5, "district": 8}


class UnknownRegion(ValueError):  # noqa: N818  a verdict on the caller's input
    """A region parameter that is not a province, regency or district code in the table."""


def normalise(code: str | None) -> str:
    """Return the dotted code of a region parameter: "" national, 33, 33.71 or 33.71.01.

    The compact form without dots (3371, 337101) is accepted as well; villages are not a level
    of the indicators, and "00" means national as in tokens.
    """
    code = (code or "").strip()
    if code in ("", "00"):
        return NATIONAL
    if _COMPACT.fullmatch(code):
        code = ".".join(code[i : i + 2] for i in range(0, len(code), 2))
    if not _DOTTED.fullmatch(code) or not region_exists(code):
        raise UnknownRegion(code)
    return code


_LEVEL_BY_LENGTH: dict[int, RowLevel] = {2: "province", 5: "regency", 8: "district"}
_ROWS_OF: dict[RowLevel | None, RowLevel] = {
    None: "province",
    "province": "regency",
    "regency": "district",
    "district": "district",
}


def level_of(code: str) -> RowLevel | None:
    """The level of a normalised region code (None for national)."""
    return None if code == NATIONAL else _LEVEL_BY_LENGTH[len(code)]


def row_level(code: str) -> RowLevel:
    """The level of the rows a region is broken into (a district is shown as itself)."""
    return _ROWS_OF[level_of(code)]


def row_codes(code: str) -> list[str]:
    """The codes of the rows of a region: provinces, its regencies, its districts, or itself."""
    level = level_of(code)
    if level is None:
        return provinces()
    if level == "district":
        return [code]
    return children(code)


def prefix(region: str | None, level: RowLevel) -> str | None:
    """The code of the region of ``level`` that contains ``region`` (None when not that deep)."""
    if not region:
        return None
    length = PREFIX_LENGTH[level]
    return region[:length] if len(region) >= length else None


def within(code: str, scope: str) -> bool:
    """Tell whether a region code lies within a scope ("" is the whole country)."""
    return scope == NATIONAL or code == scope or code.startswith(scope + ".")


def overlaps(code: str, scope: str) -> bool:
    """Tell whether a region and a scope meet (one contains the other)."""
    return within(code, scope) or within(scope, code)
