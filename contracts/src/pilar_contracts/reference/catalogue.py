"""Welfare reference catalogues: PSKS types, PMKS/PPKS categories, BNPB hazards, emergency stages.

The data lives in JSON files next to this module, each shaped
``{"legal_basis": ..., "source": ..., "version": ..., "items": [...]}``; every file is read and
validated once per process, on first use. Lookups raise ``ValueError`` for a malformed code and
``KeyError`` for a well-formed code that is not in the catalogue. PMKS and PPKS are synonyms
(Permensos 3/2021 renamed the category list without changing it), so only PMKS codes exist.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Annotated, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

PsksSubject = Literal["person", "institution", "family", "network"]
PmksUnit = Literal["person", "group", "family", "household", "community"]
PmksCluster = Literal[
    "children", "elderly", "disability", "tuna_sosial", "napza", "disaster", "poverty"
]
HazardCategory = Literal["alam", "nonalam", "sosial"]

_PACKAGE = "pilar_contracts.reference"
_PSKS_CODE = r"PSKS-[0-9]{2}"
_PMKS_CODE = r"PMKS-[0-9]{2}"
_HAZARD_CODE = r"[0-9]{3}"
_STAGE_CODE = r"[a-z]+(?:_[a-z]+)*"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CatalogueItem(_Frozen):
    """Fields shared by every catalogue entry: stable code, Indonesian name, English gloss."""

    code: str
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)


class PsksType(CatalogueItem):
    """One of the 12 PSKS types (Potensi dan Sumber Kesejahteraan Sosial)."""

    code: Annotated[str, Field(pattern=f"^{_PSKS_CODE}$")]
    abbreviation: str | None
    subject: PsksSubject
    legal_basis: str


class PmksCategory(CatalogueItem):
    """One of the 26 PMKS/PPKS categories; ages are inclusive bounds, None when open or unknown."""

    code: Annotated[str, Field(pattern=f"^{_PMKS_CODE}$")]
    abbreviation: str | None
    units: tuple[PmksUnit, ...] = Field(min_length=1)
    age_band: str | None
    age_min: int | None = Field(ge=0)
    age_max: int | None = Field(ge=0)
    cluster: PmksCluster | None

    @model_validator(mode="after")
    def _ages_ordered(self) -> Self:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"{self.code}: age_min {self.age_min} > age_max {self.age_max}")
        return self


class Hazard(CatalogueItem):
    """A BNPB DIBI hazard code with its UU 24/2007 category (None where the law does not say)."""

    code: Annotated[str, Field(pattern=f"^{_HAZARD_CODE}$")]
    category: HazardCategory | None
    legacy: bool


class DisasterStage(CatalogueItem):
    """A stage of a disaster emergency status and the stages it may move on to."""

    code: Annotated[str, Field(pattern=f"^{_STAGE_CODE}$")]
    initial: bool
    terminal: bool
    next: tuple[str, ...]


ItemT = TypeVar("ItemT", bound=CatalogueItem)


class Catalogue(_Frozen, Generic[ItemT]):
    """A versioned reference list with its legal basis and source."""

    legal_basis: str = Field(min_length=1)
    source: str = Field(min_length=1)
    version: str = Field(min_length=1)
    items: tuple[ItemT, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        codes = [item.code for item in self.items]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate codes in catalogue: {duplicates}")
        return self

    def index(self) -> dict[str, ItemT]:
        """Return the items keyed by code."""
        return {item.code: item for item in self.items}


def _read(name: str) -> str:
    return files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def psks_catalogue() -> Catalogue[PsksType]:
    """Return the PSKS catalogue (Permensos 8/2012) with its legal basis and version."""
    return Catalogue[PsksType].model_validate_json(_read("psks_types.json"))


@functools.cache
def pmks_catalogue() -> Catalogue[PmksCategory]:
    """Return the PMKS/PPKS catalogue (Permensos 8/2012, 5/2019, 3/2021) with its metadata."""
    return Catalogue[PmksCategory].model_validate_json(_read("pmks_categories.json"))


@functools.cache
def hazard_catalogue() -> Catalogue[Hazard]:
    """Return the BNPB DIBI hazard catalogue with its metadata."""
    return Catalogue[Hazard].model_validate_json(_read("hazards.json"))


@functools.cache
def disaster_stage_catalogue() -> Catalogue[DisasterStage]:
    """Return the emergency-status stages (UU 24/2007, PP 21/2008) with their metadata."""
    catalogue = Catalogue[DisasterStage].model_validate_json(_read("disaster_stages.json"))
    known = {stage.code for stage in catalogue.items}
    for stage in catalogue.items:
        unknown = set(stage.next) - known
        if unknown:
            raise ValueError(f"stage {stage.code!r} moves to unknown stages {sorted(unknown)}")
        if stage.terminal != (not stage.next):
            raise ValueError(f"stage {stage.code!r}: terminal iff it has no next stage")
    return catalogue


@functools.cache
def _psks_index() -> dict[str, PsksType]:
    return psks_catalogue().index()


@functools.cache
def _pmks_index() -> dict[str, PmksCategory]:
    return pmks_catalogue().index()


@functools.cache
def _hazard_index() -> dict[str, Hazard]:
    return hazard_catalogue().index()


@functools.cache
def _stage_index() -> dict[str, DisasterStage]:
    return disaster_stage_catalogue().index()


def _lookup(kind: str, pattern: str, index: Mapping[str, ItemT], code: str) -> ItemT:
    if not isinstance(code, str) or re.fullmatch(pattern, code) is None:
        raise ValueError(f"not a {kind} code: {code!r}")
    try:
        return index[code]
    except KeyError:
        raise KeyError(f"unknown {kind} code: {code!r}") from None


def psks_type(code: str) -> PsksType:
    """Return the PSKS type for a code such as ``PSKS-03``."""
    return _lookup("PSKS", _PSKS_CODE, _psks_index(), code)


def pmks_category(code: str) -> PmksCategory:
    """Return the PMKS/PPKS category for a code such as ``PMKS-24``."""
    return _lookup("PMKS", _PMKS_CODE, _pmks_index(), code)


def hazard(code: str | int) -> Hazard:
    """Return the hazard for a DIBI code such as ``"107"`` (an int such as 107 is accepted)."""
    if isinstance(code, int):
        code = str(code)  # True becomes 'True', which the format check rejects
    return _lookup("hazard", _HAZARD_CODE, _hazard_index(), code)


def disaster_stage(code: str) -> DisasterStage:
    """Return the emergency-status stage for a code such as ``tanggap_darurat``."""
    return _lookup("disaster stage", _STAGE_CODE, _stage_index(), code)


@functools.cache
def psks_codes() -> frozenset[str]:
    """Return the set of valid PSKS codes."""
    return frozenset(_psks_index())


@functools.cache
def pmks_codes() -> frozenset[str]:
    """Return the set of valid PMKS/PPKS codes."""
    return frozenset(_pmks_index())


@functools.cache
def hazard_codes() -> frozenset[str]:
    """Return the set of valid DIBI hazard codes."""
    return frozenset(_hazard_index())


@functools.cache
def disaster_stage_codes() -> frozenset[str]:
    """Return the set of valid emergency-status stage codes."""
    return frozenset(_stage_index())


def is_valid_transition(from_stage: str, to_stage: str) -> bool:
    """Tell whether a stage may follow another; staying in a non-terminal stage is an extension."""
    source = disaster_stage(from_stage)
    target = disaster_stage(to_stage)
    if source.code == target.code:
        return not source.terminal
    return target.code in source.next
