"""Which event notifies whom, with which template and how urgently: rules as data.

Parameters carry codes and ids only, never names of clients; templates turn codes into words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cache
from typing import Any
from uuid import UUID

from pilar_contracts import Event
from pilar_contracts.events.cases import (
    CaseReferred,
    DisasterDeclared,
    ReferralDeclined,
    ReferralExpired,
    ReferralWithdrawn,
)
from pilar_contracts.events.notifications import NotificationFailed
from pilar_contracts.events.registry import (
    AccreditationExpired,
    AccreditationExpiring,
    CertificationExpired,
    CertificationExpiring,
    VolunteerCertified,
    VolunteerDeployed,
)


class Priority(IntEnum):
    """Delivery lane: a lower value is dispatched first."""

    URGENT = 0
    ROUTINE = 1


class Category(StrEnum):
    """What a notification is about; a person may opt out of the optional ones only."""

    DISASTER = "disaster"  # call-outs and declarations: never optional (UU 24/2007)
    REFERRAL = "referral"  # a pillar's duty to answer, or an owner's to re-refer
    OPERATIONS = "operations"  # operators' duties, e.g. a PSKS nobody can reach
    CERTIFICATION = "certification"  # confirmations and renewal reminders


# Only information a person may decline to receive; never alerts or duties (UU 27/2022 Pasal 20
# allows processing to fulfil legal obligations and public duties without consent).
OPTIONAL: frozenset[Category] = frozenset({Category.CERTIFICATION})


@dataclass(frozen=True)
class CaseFacts:
    """What notifications knows of a case (codes only), or just the region an event is about."""

    region: str
    pmks_category: str | None = None
    owner_id: UUID | None = None


@dataclass(frozen=True)
class Operators:
    """Dinas Sosial operators of regions: those overlapping them, or ``exact``ly of them."""

    regions: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class Systems:
    """Ministry systems (signed webhooks) subscribed to any of the regions."""

    regions: tuple[str, ...]


Audience = UUID | Operators | Systems | None
Selector = Callable[[Any, CaseFacts | None], Audience]
Params = Callable[[Any, CaseFacts | None], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Notify the recipients chosen from the event, with a template, in a priority lane.

    ``repeats`` > 1: only the n-th such event for one subject within ``REPEAT_WINDOW`` notifies.
    """

    event: type[Event]
    recipient: Selector
    template: str
    priority: Priority = Priority.ROUTINE
    params: Params = lambda _event, _case: {}
    category: Category = Category.OPERATIONS  # mandatory unless a rule says otherwise
    repeats: int = 1


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


def _accreditation_expiring(e: AccreditationExpiring, _case: CaseFacts | None) -> dict[str, Any]:
    return {"valid_until": e.valid_until.isoformat(), "days_left": e.days_left}


def _withdrawn(e: ReferralWithdrawn, case: CaseFacts | None) -> dict[str, Any]:
    return _case(e, case) | {"reason_code": e.reason_code}


def _declared(e: DisasterDeclared, _case: CaseFacts | None) -> dict[str, Any]:
    return {
        "disaster_id": str(e.disaster_id),
        "hazard": e.hazard,
        "status": e.status.value,
        "name": e.name,
        "affected_regions": list(e.affected_regions),
        "decree_no": e.decree_no,
        "period_start": e.period.start.isoformat(),
    }


def _unreachable(e: NotificationFailed, _case: CaseFacts | None) -> dict[str, Any]:
    return {"recipient_ref": e.recipient_id.hex[-8:].upper(), "reason": e.reason_code}


def regency(region: str) -> str:
    """The regency part of a region code; a province or the nation stays as it is."""
    return ".".join(region.split(".")[:2])


def _regency_operator(_event: NotificationFailed, facts: CaseFacts | None) -> Audience:
    return Operators((regency(facts.region),), exact=True) if facts else None


def _case_owner(_event: Any, case: CaseFacts | None) -> UUID | None:
    # The owner is the operator who opened the case (CaseOpened.opened_by, as a directory id);
    # without CaseOpened nobody is notified (None), rather than a guess.
    return case.owner_id if case else None


REPEAT_WINDOW_HOURS = 24
URGENT, DISASTER, REFERRAL = Priority.URGENT, Category.DISASTER, Category.REFERRAL
CERTIFICATION = Category.CERTIFICATION

RULES: tuple[Rule, ...] = (
    Rule(CaseReferred, lambda e, _: e.to_id, "case_referred", params=_referred, category=REFERRAL),
    Rule(ReferralDeclined, _case_owner, "referral_declined", params=_case, category=REFERRAL),
    Rule(ReferralExpired, _case_owner, "referral_expired", params=_case, category=REFERRAL),
    Rule(
        ReferralWithdrawn,
        lambda e, _: e.to_id,
        "referral_withdrawn",
        params=_withdrawn,
        category=REFERRAL,
    ),
    Rule(
        VolunteerDeployed,
        lambda e, _: e.volunteer_id,
        "volunteer_deployed",
        URGENT,
        params=_deployed,
        category=DISASTER,
    ),
    Rule(
        DisasterDeclared,
        lambda e, _: Operators(e.affected_regions),
        "disaster_declared",
        URGENT,
        params=_declared,
        category=DISASTER,
    ),
    Rule(
        DisasterDeclared,
        lambda e, _: Systems(e.affected_regions),
        "disaster_declared",
        URGENT,
        params=_declared,
        category=DISASTER,
    ),
    Rule(
        NotificationFailed,
        _regency_operator,
        "recipient_unreachable",
        params=_unreachable,
        category=Category.OPERATIONS,
        repeats=3,
    ),
    Rule(
        VolunteerCertified,
        lambda e, _: e.volunteer_id,
        "volunteer_certified",
        params=_certified,
        category=CERTIFICATION,
    ),
    Rule(
        CertificationExpiring,
        lambda e, _: e.volunteer_id,
        "certification_expiring",
        params=_expiring,
        category=CERTIFICATION,
    ),
    Rule(
        CertificationExpired,
        lambda e, _: e.volunteer_id,
        "certification_expired",
        category=CERTIFICATION,
    ),
    # Registry announces an LKS's accreditation expiry to the institution itself (the holder).
    Rule(
        AccreditationExpiring,
        lambda e, _: e.institution_id,
        "accreditation_expiring",
        params=_accreditation_expiring,
        category=CERTIFICATION,
    ),
    Rule(
        AccreditationExpired,
        lambda e, _: e.institution_id,
        "accreditation_expired",
        category=CERTIFICATION,
    ),
)


@cache
def rules_for(event_type: type[Event]) -> tuple[Rule, ...]:
    """The rules an event type triggers, in table order."""
    return tuple(rule for rule in RULES if rule.event is event_type)
