"""Cases events as facts: PMKS cases, referrals, disasters, earthquake reports. Pure.

A case's stage is read from its milestones (the public events carry no stage changes before
closing): opened, assessed, referred, a referral accepted, a referral completed.
"""

from __future__ import annotations

from uuid import UUID

from pilar_analytics.domain.facts import (
    Effect,
    Fact,
    FactsOf,
    Record,
    Row,
    Seen,
    earliest,
    fill,
    hours_between,
    no_figure,
    placed,
    put,
)
from pilar_contracts import Event
from pilar_contracts.events import cases as ev

CASES, REFERRALS = "pmks_cases", "referrals"
DISASTERS, DISASTER_STATUSES, EARTHQUAKES = "disasters", "disaster_status_changes", "earthquakes"

# Milestone columns of a case, latest stage first: the stage at a time is the first one reached.
STAGES: tuple[tuple[str, str], ...] = (
    ("completed_at", "monitoring"),
    ("accepted_at", "pemecahan_masalah"),
    ("referred_at", "rujukan"),
    ("assessed_at", "asesmen"),
    ("opened_at", "pendekatan_awal"),
)


def _case_milestone(case_id: UUID, column: str, seen: Seen) -> Fact:
    """A referral's step is also a milestone of its case (the earliest counts)."""
    return Fact(CASES, case_id, lambda row: earliest(row, column, seen.at))


def _timed(row: Row) -> Row:
    """Derive the referral's durations from its times."""
    row["accept_hours"] = hours_between(row.get("referred_at"), row.get("accepted_at"))
    row["complete_hours"] = hours_between(row.get("referred_at"), row.get("completed_at"))
    return row


def _opened(e: ev.CaseOpened, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, pmks_category=e.pmks_category, urgency=e.urgency.value, **placed(e.region))
        put(row, disaster_id=e.disaster_id)
        return earliest(row, "opened_at", seen.at)

    return [Fact(CASES, e.case_id, fold)]


def _assessed(e: ev.CaseAssessed, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        if row.get("assessed_at") is None or seen.at < row["assessed_at"]:
            row["risk_level"] = e.risk_level
        return earliest(row, "assessed_at", seen.at)

    return [Fact(CASES, e.case_id, fold)]


def _referred(e: ev.CaseReferred, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, case_id=e.case_id, to_kind=e.to_kind.value, to_id=e.to_id, service=e.service)
        put(row, attempt=e.attempt, accept_by=e.accept_by, **placed(seen.region))
        return _timed(earliest(row, "referred_at", seen.at))

    return [Fact(REFERRALS, e.referral_id, fold), _case_milestone(e.case_id, "referred_at", seen)]


def _answer(
    e: ev.ReferralAccepted
    | ev.ReferralDeclined
    | ev.ReferralExpired
    | ev.ReferralWithdrawn
    | ev.ReferralCompleted,
    seen: Seen,
    column: str,
    **owned: object,
) -> Fact:
    def fold(row: Row) -> Row:
        fill(row, case_id=e.case_id, **placed(seen.region))
        return _timed(earliest(put(row, **owned), column, seen.at))

    return Fact(REFERRALS, e.referral_id, fold)


def _accepted(e: ev.ReferralAccepted, seen: Seen) -> list[Effect]:
    fact = _answer(e, seen, "accepted_at", accepted_by=e.by_id)
    return [fact, _case_milestone(e.case_id, "accepted_at", seen)]


def _declined(e: ev.ReferralDeclined, seen: Seen) -> list[Effect]:
    return [_answer(e, seen, "declined_at")]


def _expired(e: ev.ReferralExpired, seen: Seen) -> list[Effect]:
    return [_answer(e, seen, "expired_at")]


def _withdrawn(e: ev.ReferralWithdrawn, seen: Seen) -> list[Effect]:
    return [_answer(e, seen, "withdrawn_at")]


def _completed(e: ev.ReferralCompleted, seen: Seen) -> list[Effect]:
    fact = _answer(e, seen, "completed_at", outcome=e.outcome, quality=e.quality)
    return [fact, _case_milestone(e.case_id, "completed_at", seen)]


def _closed(e: ev.CaseClosed, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        fill(row, **placed(seen.region))
        put(row, outcome=e.outcome, closing_stage=e.stage)
        return earliest(row, "closed_at", seen.at)

    return [Fact(CASES, e.case_id, fold)]


def _declared(e: ev.DisasterDeclared, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, hazard=e.hazard, name=e.name, authority=e.authority, decree_no=e.decree_no)
        put(row, regions=" ".join(e.affected_regions), declared_event_id=seen.event_id)
        put(row, period_start=e.period.start, period_end=e.period.end)
        return earliest(row, "declared_at", seen.at)

    status = {"event_id": seen.event_id, "disaster_id": e.disaster_id, "status": e.status.value}
    return [
        Fact(DISASTERS, e.disaster_id, fold),
        Record(DISASTER_STATUSES, status | {"at": seen.at}),
    ]


def _status_changed(e: ev.DisasterStatusChanged, seen: Seen) -> list[Effect]:
    status = {"event_id": seen.event_id, "disaster_id": e.disaster_id, "status": e.to_status.value}
    return [Record(DISASTER_STATUSES, status | {"at": seen.at})]


def _earthquake(e: ev.EarthquakeReported, seen: Seen) -> list[Effect]:
    row = {"report_id": e.report_id, "magnitude": e.magnitude, "depth_km": e.depth_km}
    row |= {"latitude": e.latitude, "longitude": e.longitude, "occurred_at": e.occurred_at}
    return [Record(EARTHQUAKES, row | {"tsunami_potential": e.tsunami_potential, "at": seen.at})]


FACTS: dict[type[Event], FactsOf] = {
    ev.CaseOpened: _opened,
    ev.CaseAssessed: _assessed,
    ev.CaseReferred: _referred,
    ev.ReferralAccepted: _accepted,
    ev.ReferralDeclined: _declined,
    ev.ReferralExpired: _expired,
    ev.ReferralWithdrawn: _withdrawn,
    ev.ReferralCompleted: _completed,
    ev.ClientPersonalDataErased: no_figure,  # analytics keeps nothing of a client to erase
    ev.CaseClosed: _closed,
    ev.DisasterDeclared: _declared,
    ev.DisasterStatusChanged: _status_changed,
    ev.EarthquakeReported: _earthquake,
}
"""What each cases event does to the read models."""
