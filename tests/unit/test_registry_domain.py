"""Registry domain rules, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    CertificationRevoked,
    ContactChanged,
    VolunteerCertified,
    VolunteerRegistered,
)
from pilar_registry.domain import (
    Certification,
    Contact,
    Registration,
    RegistryRuleBroken,
    Verification,
    Volunteer,
    certify,
    change_status,
    ineligibility,
    notice_due,
    register,
    revoke,
    type_findings,
    verify,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)
TODAY = NOW.date()
FORM = Registration(
    psks_type="PSKS-03",
    region="33.71.01.1003",
    nik="3371015508900001",
    contact=Contact("Sari", email="sari@example.org", phone="+628111"),
    competencies=("dapur_umum",),
    details={"tier": "muda"},
)


def registered() -> tuple[Volunteer, list[VolunteerRegistered | ContactChanged]]:
    return register(FORM, volunteer_id=uuid4(), by="maker", now=NOW)


def verified() -> Volunteer:
    return verify(registered()[0], by="checker")[0]


def cert(
    no: str = "TGN-1", start: date = date(2026, 1, 1), end: date | None = None
) -> Certification:
    return Certification(uuid4(), "TAGANA", "MUDA", no, start, end)


def test_registration_is_pending_and_announces_contact_only_privately() -> None:
    volunteer, (public, private) = registered()
    assert volunteer.verification is Verification.PENDING
    assert isinstance(public, VolunteerRegistered)
    assert isinstance(private, ContactChanged)
    assert "Sari" not in public.model_dump_json()
    assert FORM.nik not in public.model_dump_json()
    assert (private.display_name, private.email) == ("Sari", "sari@example.org")


def test_maker_checker_needs_a_second_operator() -> None:
    volunteer, _ = registered()
    with pytest.raises(RegistryRuleBroken) as refused:
        verify(volunteer, by="maker")
    assert refused.value.code == "same_operator"
    checked, event = verify(volunteer, by="checker")
    assert checked.verification is Verification.VERIFIED
    assert event.verified_by == "checker"
    with pytest.raises(RegistryRuleBroken, match="sudah"):
        verify(checked, by="another")


def test_only_verified_active_people_are_certified() -> None:
    with pytest.raises(RegistryRuleBroken) as pending:
        certify(registered()[0], cert())
    assert pending.value.code == "not_verified"
    suspended = replace(verified(), status=VolunteerStatus.SUSPENDED)
    with pytest.raises(RegistryRuleBroken) as inactive:
        certify(suspended, cert())
    assert inactive.value.code == "not_active"
    updated, event = certify(verified(), cert())
    assert isinstance(event, VolunteerCertified)
    assert [c.certificate_no for c in updated.certifications] == ["TGN-1"]


def test_certificate_numbers_and_periods() -> None:
    updated, _ = certify(verified(), cert("TGN-1"))
    with pytest.raises(RegistryRuleBroken) as duplicate:
        certify(updated, cert("TGN-1"))
    assert duplicate.value.code == "duplicate_certificate"
    with pytest.raises(RegistryRuleBroken) as backwards:
        certify(verified(), cert(start=date(2026, 2, 1), end=date(2026, 1, 1)))
    assert backwards.value.code == "invalid_period"


def test_revocation_makes_a_person_ineligible() -> None:
    holder, _ = certify(verified(), cert(end=date(2030, 1, 1)))
    assert ineligibility(holder, TODAY, scheme="TAGANA") == []
    revoked_holder, revoked, event = revoke(holder, holder.certifications[0].id, "misconduct", NOW)
    assert isinstance(event, CertificationRevoked)
    assert revoked.revoked_at == NOW
    assert ineligibility(revoked_holder, TODAY) == ["no_valid_certification"]
    with pytest.raises(RegistryRuleBroken, match="sudah dicabut"):
        revoke(revoked_holder, revoked.id, "again", NOW)


@pytest.mark.parametrize(
    ("change", "reasons"),
    [
        ({}, []),
        ({"verification": Verification.PENDING}, ["not_verified"]),
        ({"status": VolunteerStatus.ON_LEAVE}, ["status_on_leave"]),
        ({"open_referrals": 5, "capacity": 5}, ["no_capacity"]),
        ({"certifications": ()}, ["no_valid_certification"]),
    ],
)
def test_eligibility(change: dict[str, object], reasons: list[str]) -> None:
    holder, _ = certify(verified(), cert(end=date(2030, 1, 1)))
    assert ineligibility(replace(holder, **change), TODAY) == reasons  # type: ignore[arg-type]


def test_an_expired_certification_no_longer_counts() -> None:
    holder, _ = certify(verified(), cert(end=date(2026, 11, 21)))
    assert ineligibility(holder, TODAY) == ["no_valid_certification"]
    assert ineligibility(holder, date(2026, 11, 21)) == []


@pytest.mark.parametrize(
    ("days_left", "sent", "due"),
    [
        (45, set(), None),
        (30, set(), 30),
        (25, set(), 30),
        (25, {30}, None),
        (7, {30}, 7),
        (5, set(), 7),
        (5, {7}, None),
        (1, {30, 7}, 1),
        (0, {30, 7}, 1),
        (0, {1}, None),
        (-1, set(), None),
    ],
)
def test_expiry_notices_come_30_7_and_1_days_before_and_once(
    days_left: int, sent: set[int], due: int | None
) -> None:
    valid_until = date.fromordinal(TODAY.toordinal() + days_left)
    assert notice_due(valid_until, TODAY, sent) == due


def test_status_changes_are_announced_once_and_death_is_final() -> None:
    volunteer = verified()
    same, nothing = change_status(volunteer, VolunteerStatus.ACTIVE, None)
    assert (same, nothing) == (volunteer, None)
    on_leave, event = change_status(volunteer, VolunteerStatus.ON_LEAVE, "cuti")
    assert event is not None
    assert event.status is VolunteerStatus.ON_LEAVE
    deceased, _ = change_status(on_leave, VolunteerStatus.DECEASED, None)
    with pytest.raises(RegistryRuleBroken):
        change_status(deceased, VolunteerStatus.ACTIVE, None)


@pytest.mark.parametrize(
    ("psks_type", "region", "details", "kind", "codes"),
    [
        ("PSKS-03", "33.71.01.1003", {"tier": "madya"}, "person", []),
        ("PSKS-03", "33.71.01.1003", {}, "person", ["tagana_tier"]),
        ("PSKS-01", "33.71", {"level": "generalis"}, "person", []),
        ("PSKS-01", "33.71", {"level": "ahli"}, "person", ["peksos_level"]),
        ("PSKS-11", "33.71.01", {}, "person", []),
        ("PSKS-11", "33.71", {}, "person", ["region_depth"]),
        ("PSKS-05", "33.71.01.1003", {}, "institution", []),
        ("PSKS-05", "33.71.01", {}, "institution", ["region_depth"]),
        ("PSKS-04", "33.71", {}, "person", ["wrong_subject"]),
        ("PSKS-02", "33.71", {}, "institution", ["wrong_subject"]),
    ],
)
def test_type_rules(
    psks_type: str, region: str, details: dict[str, str], kind: str, codes: list[str]
) -> None:
    assert [f.code for f in type_findings(psks_type, region, details, kind)] == codes
