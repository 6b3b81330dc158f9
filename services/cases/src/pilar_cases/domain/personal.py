"""A client's personal data: specific data under UU 27/2022, kept only sealed at rest. Pure."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Literal

from pilar_contracts.events.cases import ClientPersonalDataErased
from pilar_contracts.reference.regions import common_region

Sex = Literal["M", "F"]


@dataclass(frozen=True)
class PersonalData:
    """What identifies a client; never logged, never evented, stored only encrypted."""

    nik: str
    display_name: str
    kk: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    phone: str | None = None
    address: str | None = None

    def to_bytes(self) -> bytes:
        """Serialise for sealing."""
        fields = asdict(self)
        fields["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return json.dumps(fields, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> PersonalData:
        """Read back what ``to_bytes`` wrote."""
        fields = json.loads(raw)
        born = fields.pop("birth_date")
        return cls(**fields, birth_date=date.fromisoformat(born) if born else None)

    def __repr__(self) -> str:
        """Never show the values, so a stray log line or traceback leaks nothing."""
        return "PersonalData(<sealed>)"


def erasure_regions(case_regions: Iterable[str]) -> list[str]:
    """Where an erasure is announced: per province, the deepest region all its cases share."""
    regions = sorted(set(case_regions))
    announced = []
    for _, group in groupby(regions, key=lambda region: region[:2]):
        announced.append(common_region(group))
    return announced


def erased(client_ref: str, now: datetime) -> ClientPersonalDataErased:
    """The announcement that a client's personal data is gone, so that copies are erased too."""
    return ClientPersonalDataErased(client_ref=client_ref, erased_at=now)
