"""Who is calling, with which role, over which part of the map of Indonesia."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NATIONAL = ""
"""The region prefix of principals that see the whole country ("00" in tokens means the same)."""

# Kemendagri codes: province 33, regency 33.71, district 33.71.01, village 33.71.01.2001.
# Only digits and dots, so a valid prefix can never carry a LIKE wildcard.
_REGION_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


class Role(StrEnum):
    """What a principal is allowed to do."""

    NATIONAL_OPERATOR = "national_operator"  # Kemensos national operations
    PROVINCIAL_OPERATOR = "provincial_operator"  # Dinas Sosial of a province
    REGENCY_OPERATOR = "regency_operator"  # Dinas Sosial of a regency or city
    PSKS = "psks"  # a PSKS person or institution: only what is addressed to it
    AUDITOR = "auditor"  # national auditor: aggregates and the audit log
    SERVICE = "service"  # machine to machine


# How deep the region of each operator role must be (0 national, 1 province, 2 regency).
_REGION_DEPTH_OF_ROLE = {
    Role.NATIONAL_OPERATOR: 0,
    Role.PROVINCIAL_OPERATOR: 1,
    Role.REGENCY_OPERATOR: 2,
    Role.AUDITOR: 0,
}


def region_prefix(code: str) -> str:
    """Return `code` as a region prefix ("00" becomes ""), or raise ValueError if it is not one."""
    if code in (NATIONAL, "00"):
        return NATIONAL
    if not _REGION_CODE.fullmatch(code):
        raise ValueError("not a Kemendagri region code")
    return code


def region_depth(prefix: str) -> int:
    """Return 0 for national, 1 for a province, 2 for a regency, 3 district, 4 village."""
    return 0 if prefix == NATIONAL else prefix.count(".") + 1


def region_contains(prefix: str, code: str) -> bool:
    """Tell whether region `code` lies within `prefix` (both already valid)."""
    return prefix == NATIONAL or code == prefix or code.startswith(prefix + ".")


class Principal(BaseModel):
    """The authenticated caller of an API: subject, role and region of authority."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=255, description="opaque user id")
    role: Role
    region: str = Field(default=NATIONAL, description='region prefix, "" for national')
    name: str | None = Field(default=None, max_length=200, description="display name")

    @field_validator("region")
    @classmethod
    def _valid_region(cls, value: str) -> str:
        return region_prefix(value)

    @model_validator(mode="after")
    def _region_fits_role(self) -> Self:
        depth = _REGION_DEPTH_OF_ROLE.get(self.role)
        if depth is not None and depth != region_depth(self.region):
            raise ValueError("region does not match role")
        return self

    @property
    def is_national(self) -> bool:
        """Tell whether the principal's authority covers the whole country."""
        return self.region == NATIONAL

    def can_access_region(self, code: str) -> bool:
        """Tell whether a record of region `code` lies within this principal's authority."""
        # A PSKS never gets access by region: it sees only what is addressed to it.
        if self.role is Role.PSKS:
            return False
        try:
            return region_contains(self.region, region_prefix(code))
        except ValueError:  # an invalid code is refused, not guessed at
            return False
