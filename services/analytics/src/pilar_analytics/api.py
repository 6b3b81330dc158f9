"""Analytics HTTP API: indicators per region, scoped like every other API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from pilar_analytics import store
from pilar_contracts.reference.regions import region_name
from pilar_kit.auth import Principal, Role, require_roles
from pilar_kit.http import RuntimeDep

READERS = (
    Role.NATIONAL_OPERATOR,
    Role.PROVINCIAL_OPERATOR,
    Role.REGENCY_OPERATOR,
    Role.AUDITOR,
)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
router = APIRouter(prefix="/indicators", tags=["indicators"])


class ProvinceCount(BaseModel):
    """A count for one province."""

    province: str
    name: str
    count: int


@router.get("/certified-volunteers")
async def certified_volunteers(runtime: RuntimeDep, who: Reader) -> list[ProvinceCount]:
    """Certified PSKS people per province (a provincial or regency operator sees their own)."""
    province = who.region[:2] if who.region else None
    async with runtime.transaction() as session:
        counts = await store.certified_per_province(session, province)
    return [
        ProvinceCount(province=code, name=region_name(code), count=n)
        for code, n in sorted(counts.items())
    ]
