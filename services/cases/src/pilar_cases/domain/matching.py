"""The broker's choice (DOMAIN.md 6.1): the nearest eligible pillar of a suitable type. Pure.

A pillar is a PSKS person or a PSKS institution (an LKS, LK3, ...); both are judged alike: a person
by its live certifications, an institution by its live BALKS accreditations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pilar_contracts.events.fields import RecipientKind, VolunteerStatus

# Proximity ranks, nearest first; a pillar in another province is never chosen.
SAME_VILLAGE, SAME_DISTRICT, SAME_REGENCY, SAME_PROVINCE = 0, 1, 2, 3
_DEPTH = 4


@dataclass(frozen=True)
class Pillar:
    """A PSKS person or institution as cases' replica knows it, with its local referral load."""

    volunteer_id: UUID  # the person's id, or the institution's for kind INSTITUTION
    psks_type: str
    region: str
    status: VolunteerStatus
    certified_until: tuple[date | None, ...]  # live certifications/accreditations; None = no end
    open_referrals: int
    capacity: int
    kind: RecipientKind = RecipientKind.VOLUNTEER
    competencies: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MatchRequest:
    """What the case needs: where, which PSKS types (preferred first), and who was tried."""

    region: str
    psks_types: tuple[str, ...]
    exclude: frozenset[UUID] = frozenset()
    institution_types: tuple[str, ...] = ()  # after the people, at equal proximity
    service: str | None = None  # a pillar with the competency of that name comes first

    @property
    def all_types(self) -> tuple[str, ...]:
        """People's types then institutions' types, in order of preference."""
        return self.psks_types + self.institution_types


def proximity(case_region: str, pillar_region: str) -> int | None:
    """Rank how near a pillar is: 0 same village ... 3 same province; None if farther."""
    shared = 0
    for ours, theirs in zip(case_region.split("."), pillar_region.split("."), strict=False):
        if ours != theirs:
            break
        shared += 1
    return None if shared == 0 else _DEPTH - shared


def ineligibility(pillar: Pillar, *, today: date) -> str | None:
    """Why a pillar cannot take a referral now (a reason code), or None if it can."""
    if pillar.status is not VolunteerStatus.ACTIVE:
        return "not_active"
    if not pillar.certified_until:
        return "not_accredited" if pillar.kind is RecipientKind.INSTITUTION else "not_certified"
    if all(until is not None and until < today for until in pillar.certified_until):
        return "certification_expired"
    if pillar.open_referrals >= pillar.capacity:
        return "no_capacity"
    return None


def rank(request: MatchRequest, pillars: Iterable[Pillar], *, today: date) -> list[Pillar]:
    """Eligible pillars best first: nearest, competent, preferred type, lightest load."""
    keyed = []
    types = request.all_types
    for pillar in pillars:
        near = proximity(request.region, pillar.region)
        if (
            near is None
            or pillar.volunteer_id in request.exclude
            or pillar.psks_type not in types
            or ineligibility(pillar, today=today) is not None
        ):
            continue
        preference = types.index(pillar.psks_type)
        untrained = request.service not in pillar.competencies
        load = pillar.open_referrals / max(pillar.capacity, 1)
        keyed.append(((near, untrained, preference, load, str(pillar.volunteer_id)), pillar))
    return [pillar for _, pillar in sorted(keyed, key=lambda item: item[0])]


def best_pillar(request: MatchRequest, pillars: Iterable[Pillar], *, today: date) -> Pillar | None:
    """The pillar to refer to, or None when nobody eligible is near enough."""
    ranked = rank(request, pillars, today=today)
    return ranked[0] if ranked else None


def search_scopes(region: str) -> list[str]:
    """Region prefixes to search, narrowest first: village, district, regency, province."""
    parts = region.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]
