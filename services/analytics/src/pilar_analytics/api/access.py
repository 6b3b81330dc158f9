"""Who may read which region, and at which moment: the query parameters every indicator shares."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, Query

from pilar_analytics.domain.regions import UnknownRegion, normalise, within
from pilar_kit.auth import Principal, Role, forbidden, require_roles
from pilar_kit.http import Rejected

READERS = (
    Role.NATIONAL_OPERATOR,
    Role.PROVINCIAL_OPERATOR,
    Role.REGENCY_OPERATOR,
    Role.AUDITOR,
)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


def end_of_day(day: date) -> datetime:
    """The last moment of a day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)


def parse_moment(text: str | None) -> datetime:
    """``as_of`` as a moment: now when absent, the end of the day for a date, UTC when naive."""
    if not text:
        return datetime.now(UTC)
    try:
        if len(text) == 10:
            return end_of_day(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Rejected(
            "as_of harus berupa tanggal atau waktu ISO 8601 (mis. 2026-03-31)",
            code="invalid_as_of",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def scoped_region(who: Principal, region: str | None) -> str:
    """The region asked for, or the caller's own; 403 outside the caller's authority."""
    try:
        code = normalise(region) if region else normalise(who.region)
    except UnknownRegion:
        raise Rejected(
            "region harus kode wilayah Kemendagri: provinsi, kabupaten/kota atau kecamatan "
            "(mis. 33, 33.71 atau 3371)",
            code="unknown_region",
        ) from None
    if not within(code, who.region):
        raise forbidden()
    return code


class Scope:
    """The region and moment of one indicator request."""

    def __init__(self, region: str, at: datetime) -> None:
        self.region, self.at = region, at


def scope(
    who: Reader,
    region: Annotated[
        str | None, Query(description="kode wilayah; kosong = wilayah pengguna")
    ] = None,
    as_of: Annotated[
        str | None, Query(description="tanggal atau waktu ISO 8601; kosong = sekarang")
    ] = None,
) -> Scope:
    """Resolve the region (checked against the caller's) and the moment of a request."""
    return Scope(scoped_region(who, region), parse_moment(as_of))


ScopeDep = Annotated[Scope, Depends(scope)]
