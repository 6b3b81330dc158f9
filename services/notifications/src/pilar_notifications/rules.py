"""Which event notifies whom, with which template: rules as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pilar_contracts import Event
from pilar_contracts.events.registry import VolunteerCertified


@dataclass(frozen=True)
class Rule:
    """Notify the recipient chosen from the event, with a template, on channels in order."""

    template: str
    recipient: Callable[[Any], UUID]
    params: Callable[[Any], dict[str, Any]]
    channels: tuple[str, ...] = ("email",)


def _certified_params(e: VolunteerCertified) -> dict[str, Any]:
    return {
        "scheme": e.scheme,
        "level": e.level,
        "certificate_no": e.certificate_no,
        "valid_from": e.valid_from.isoformat(),
        "valid_until": e.valid_until.isoformat() if e.valid_until else None,
    }


RULES: dict[type[Event], Rule] = {
    VolunteerCertified: Rule(
        template="volunteer_certified",
        recipient=lambda e: e.volunteer_id,
        params=_certified_params,
    ),
}
