"""Which event notifies whom, with which template and how urgently: rules as data.

Parameters carry codes and ids only, never names of clients; templates turn codes into words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import Any
from uuid import UUID

from pilar_contracts import Event
from pilar_contracts.events.cases import CaseReferred, ReferralDeclined, ReferralExpired
from pilar_contracts.events.registry import (
    CertificationExpired,
    CertificationExpiring,
    VolunteerCertified,
    VolunteerDeployed,
)


class Priority(IntEnum):
    """Delivery lane: a lower value is dispatched first."""

    URGENT = 0
    ROUTINE = 1


@dataclass(frozen=True)
class CaseFacts:
    """What notifications knows of a case from its CaseOpened event (codes only)."""

    region: str
    pmks_category: str | None = None
    owner_id: UUID | None = None


Selector = Callable[[Any, CaseFacts | None], UUID | None]
Params = Callable[[Any, CaseFacts | None], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Notify the recipient chosen from the event, with a template, in a priority lane."""

    event: type[Event]
    recipient: Selector
    template: str
    priority: Priority = Priority.ROUTINE
    params: Params = lambda _event, _case: {}


def case_ref(case_id: UUID) -> str:
    """The short case reference a pillar quotes; the full record is behind the login."""
    return f"KS-{case_id.hex[-8:].upper()}"


def _case(event: Any, case: CaseFacts | None) -> dict[str, Any]:
    return {
        "case_ref": case_ref(event.case_id),
        "pmks_category": case.pmks_category if case else None,
        "region": case.region if case else None,
    }


def _referred(e: CaseReferred, case: CaseFacts | None) -> dict[str, Any]:
    return _case(e, case) | {"accept_by": e.accept_by.isoformat(), "attempt": e.attempt}


def _certified(e: VolunteerCertified, _case: CaseFacts | None) -> dict[str, Any]:
    return {
        "scheme": e.scheme,
        "level": e.level,
        "certificate_no": e.certificate_no,
        "valid_from": e.valid_from.isoformat(),
        "valid_until": e.valid_until.isoformat() if e.valid_until else None,
    }


def _deployed(e: VolunteerDeployed, _case: CaseFacts | None) -> dict[str, Any]:
    return {"task": e.task.value, "report_to_region": e.report_to_region}


def _expiring(e: CertificationExpiring, _case: CaseFacts | None) -> dict[str, Any]:
    return {"valid_until": e.valid_until.isoformat(), "days_left": e.days_left}


def _case_owner(_event: Any, case: CaseFacts | None) -> UUID | None:
    # The owner is CaseOpened.opened_by, an opaque operator id; it is a recipient only when it is
    # a UUID the directory can know. Otherwise nobody is notified (None), rather than a guess.
    return case.owner_id if case else None


RULES: tuple[Rule, ...] = (
    Rule(CaseReferred, lambda e, _: e.to_id, "case_referred", params=_referred),
    Rule(ReferralDeclined, _case_owner, "referral_declined", params=_case),
    Rule(ReferralExpired, _case_owner, "referral_expired", params=_case),
    Rule(
        VolunteerDeployed,
        lambda e, _: e.volunteer_id,
        "volunteer_deployed",
        Priority.URGENT,
        params=_deployed,
    ),
    Rule(VolunteerCertified, lambda e, _: e.volunteer_id, "volunteer_certified", params=_certified),
    Rule(
        CertificationExpiring,
        lambda e, _: e.volunteer_id,
        "certification_expiring",
        params=_expiring,
    ),
    Rule(CertificationExpired, lambda e, _: e.volunteer_id, "certification_expired"),
)


@cache
def rules_for(event_type: type[Event]) -> tuple[Rule, ...]:
    """The rules an event type triggers, in table order."""
    return tuple(rule for rule in RULES if rule.event is event_type)
