"""Call-outs per province: what the disasters still in emergency there have mobilised so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pilar_analytics.domain.regions import prefix

CLOSED = "closed"


class Response(Protocol):
    """What a call-out needs of one disaster's response as of a moment."""

    @property
    def status(self) -> str: ...
    @property
    def regions(self) -> list[str]: ...
    @property
    def declared_at(self) -> datetime: ...
    @property
    def first_deployed_at(self) -> datetime | None: ...
    @property
    def deployed(self) -> int: ...
    @property
    def acknowledged(self) -> int: ...


@dataclass
class Callout:
    """The call-out of a province: open disasters, volunteers deployed and acknowledged."""

    disasters: int = 0
    deployed: int = 0
    acknowledged: int = 0
    latest_declared_at: datetime | None = None
    minutes_to_first_deployment: float | None = None


def minutes_to_first(found: Response) -> float | None:
    """Minutes from declaration to the first deployment (None before anyone is deployed)."""
    if found.first_deployed_at is None:
        return None
    return (found.first_deployed_at - found.declared_at).total_seconds() / 60


def callouts(responses: Iterable[Response]) -> dict[str, Callout]:
    """Per province touched: sums over its open disasters; the latest one's time to deploy."""
    out: dict[str, Callout] = {}
    for found in responses:
        if found.status == CLOSED:
            continue
        for province in {p for code in found.regions if (p := prefix(code, "province"))}:
            row = out.setdefault(province, Callout())
            row.disasters += 1
            row.deployed += found.deployed
            row.acknowledged += found.acknowledged
            if row.latest_declared_at is None or found.declared_at > row.latest_declared_at:
                row.latest_declared_at = found.declared_at
                row.minutes_to_first_deployment = minutes_to_first(found)
    return out
