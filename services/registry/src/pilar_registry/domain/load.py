"""The referral load of a pillar, from cases' referral events in any order. Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum


class ReferralState(StrEnum):
    """Where a referral stands, as far as the load it puts on its pillar goes."""

    PENDING = "pending"  # referred, awaiting an answer: the pillar is asked to hold room for it
    ACCEPTED = "accepted"
    CLOSED = "closed"  # declined, expired, withdrawn or completed: it weighs nothing any more


OPEN_STATES = frozenset({ReferralState.PENDING, ReferralState.ACCEPTED})
_ORDER = (ReferralState.PENDING, ReferralState.ACCEPTED, ReferralState.CLOSED)


def advance(current: ReferralState | None, seen: ReferralState) -> ReferralState:
    """The state after an event: referrals only move forward, so a late or repeated event is moot.

    A completion that overtakes the acceptance closes the referral, and the acceptance that
    arrives afterwards does not reopen it.
    """
    if current is None:
        return seen
    return max(current, seen, key=_ORDER.index)
