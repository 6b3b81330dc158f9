"""Registry events as facts: PSKS people, certifications, institutions, deployments. Pure."""

from __future__ import annotations

from pilar_analytics.domain.facts import (
    Effect,
    Fact,
    FactsOf,
    Record,
    Row,
    Seen,
    earliest,
    fill,
    first_end,
    no_figure,
    placed,
    put,
)
from pilar_contracts import Event
from pilar_contracts.events import registry as ev

PEOPLE, CERTIFICATIONS, STATUSES = "psks_people", "psks_certifications", "psks_status_changes"
INSTITUTIONS, ACCREDITATIONS = "psks_institutions", "psks_accreditations"
MOBILIZATIONS, DEPLOYMENTS = "disaster_mobilizations", "disaster_deployments"


def _registered(e: ev.VolunteerRegistered, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, psks_type=e.psks_type, **placed(e.region))
        return earliest(row, "registered_at", seen.at)

    return [Fact(PEOPLE, e.volunteer_id, fold)]


def _verified(e: ev.VolunteerVerified, seen: Seen) -> list[Effect]:
    return [Fact(PEOPLE, e.volunteer_id, lambda row: earliest(row, "verified_at", seen.at))]


def _certified(e: ev.VolunteerCertified, seen: Seen) -> list[Effect]:
    where = placed(e.region)

    def person(row: Row) -> Row:  # the registration owns type and region; this fills gaps
        return fill(row, psks_type=e.psks_type, **where)

    def certification(row: Row) -> Row:
        put(row, volunteer_id=e.volunteer_id, psks_type=e.psks_type, scheme=e.scheme, **where)
        put(row, level=e.level, valid_from=e.valid_from, valid_until=e.valid_until)
        return earliest(row, "certified_at", seen.at)

    return [
        Fact(PEOPLE, e.volunteer_id, person),
        Fact(CERTIFICATIONS, e.certification_id, certification),
    ]


def _expiring(e: ev.CertificationExpiring, _: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        left = row.get("days_left")
        row["days_left"] = e.days_left if left is None else min(left, e.days_left)
        return fill(row, volunteer_id=e.volunteer_id)

    return [Fact(CERTIFICATIONS, e.certification_id, fold)]


def _ended(reason: str) -> FactsOf:
    def facts(e: ev.CertificationExpired | ev.CertificationRevoked, seen: Seen) -> list[Effect]:
        def fold(row: Row) -> Row:
            return first_end(fill(row, volunteer_id=e.volunteer_id), seen.at, reason)

        return [Fact(CERTIFICATIONS, e.certification_id, fold)]

    return facts


def _status(e: ev.VolunteerStatusChanged, seen: Seen) -> list[Effect]:
    row = {"event_id": seen.event_id, "volunteer_id": e.volunteer_id, "status": e.status.value}
    return [Record(STATUSES, row | {"at": seen.at})]


def _institution(e: ev.InstitutionRegistered, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, psks_type=e.psks_type, **placed(e.region))
        return earliest(row, "registered_at", seen.at)

    return [Fact(INSTITUTIONS, e.institution_id, fold)]


def _accredited(e: ev.InstitutionAccredited, seen: Seen) -> list[Effect]:
    row = {"event_id": seen.event_id, "institution_id": e.institution_id, "grade": e.grade}
    return [Record(ACCREDITATIONS, row | {"valid_until": e.valid_until, "at": seen.at})]


def _institution_verified(e: ev.InstitutionVerified, seen: Seen) -> list[Effect]:
    return [Fact(INSTITUTIONS, e.institution_id, lambda row: earliest(row, "verified_at", seen.at))]


def _institution_status(e: ev.InstitutionStatusChanged, seen: Seen) -> list[Effect]:
    row = {"event_id": seen.event_id, "volunteer_id": e.institution_id, "status": e.status.value}
    return [Record(STATUSES, row | {"at": seen.at})]


def _mobilized(e: ev.VolunteersMobilized, seen: Seen) -> list[Effect]:
    row = {"event_id": seen.event_id, "disaster_id": e.disaster_id, "region": e.region or None}
    return [Record(MOBILIZATIONS, row | {"volunteer_count": e.volunteer_count, "at": seen.at})]


def _deployed(e: ev.VolunteerDeployed, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        put(row, disaster_id=e.disaster_id, volunteer_id=e.volunteer_id, task=e.task.value)
        put(row, report_to_region=e.report_to_region or None, deployed_event_id=seen.event_id)
        return earliest(row, "deployed_at", seen.at)

    return [Fact(DEPLOYMENTS, e.deployment_id, fold)]


def _answered(column: str) -> FactsOf:
    def facts(e: ev.DeploymentAcknowledged | ev.DeploymentDeclined, seen: Seen) -> list[Effect]:
        def fold(row: Row) -> Row:
            return earliest(fill(row, volunteer_id=e.volunteer_id), column, seen.at)

        return [Fact(DEPLOYMENTS, e.deployment_id, fold)]

    return facts


FACTS: dict[type[Event], FactsOf] = {
    ev.VolunteerRegistered: _registered,
    ev.VolunteerVerified: _verified,
    ev.VolunteerCertified: _certified,
    ev.CertificationExpiring: _expiring,
    ev.CertificationExpired: _ended("expired"),
    ev.CertificationRevoked: _ended("revoked"),
    ev.VolunteerStatusChanged: _status,
    ev.InstitutionRegistered: _institution,
    ev.InstitutionAccredited: _accredited,
    ev.InstitutionVerified: _institution_verified,
    ev.InstitutionStatusChanged: _institution_status,
    # accreditation in force is read from its valid_until; notices and the end add nothing
    ev.AccreditationExpiring: no_figure,
    ev.AccreditationExpired: no_figure,
    ev.VolunteerCompetenciesChanged: no_figure,  # no indicator counts competencies yet
    ev.VolunteersMobilized: _mobilized,
    ev.VolunteerDeployed: _deployed,
    ev.DeploymentAcknowledged: _answered("acknowledged_at"),
    ev.DeploymentDeclined: _answered("declined_at"),
}
"""What each public registry event does to the read models (ContactChanged is private)."""
