"""A client's personal data: specific data under UU 27/2022, kept only sealed at rest. Pure."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

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
