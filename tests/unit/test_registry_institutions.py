"""Institution rules: fields per type, maker-checker, LKS accreditation, referral load order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    ContactChanged,
    InstitutionAccredited,
    InstitutionRegistered,
)
from pilar_registry.domain import Contact, RegistryRuleBroken, Verification
from pilar_registry.domain.institution_types import institution_findings, name_key
from pilar_registry.domain.institutions import (
    Accreditation,
    AccreditationGrade,
    Institution,
    InstitutionRegistration,
    accredit,
    change_institution_status,
    default_end,
    register_institution,
    verify_institution,
)
from pilar_registry.domain.load import ReferralState, advance

NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)
LKS_FORM = InstitutionRegistration(
    psks_type="PSKS-04",
    region="33.71.01.1003",
    name="LKSA Harapan",
    contact=Contact("Ibu Sri", email="lksa@example.org"),
    registration_no="460/12/2024",
    services=("pengasuhan_anak",),
)


def codes(psks_type: str, region: str, number: str | None = None) -> list[str]:
    return [f.code for f in institution_findings(psks_type, region, number)]


@pytest.mark.parametrize(
    ("psks_type", "region", "number", "expected"),
    [
        ("PSKS-04", "33.71", "460/12/2024", []),
        ("PSKS-04", "33.71.01.1003", None, ["registration_no_missing"]),
        ("PSKS-04", "33", "460/12/2024", ["region_depth"]),
        ("PSKS-05", "33.71.01.1003", None, []),
        ("PSKS-05", "33.71.01", None, ["region_depth"]),
        ("PSKS-06", "33.71.01", None, []),
        ("PSKS-07", "33.71.01.1003", None, []),
        ("PSKS-07", "33.71", None, ["region_depth"]),
        ("PSKS-08", "33.71.01.1003", None, []),
        ("PSKS-12", "33.71", "1234567890123", []),
        ("PSKS-12", "33.71", "12345", ["registration_no_invalid"]),
        ("PSKS-12", "33.71", None, ["registration_no_missing"]),
        ("PSKS-03", "33.71.01.1003", None, ["wrong_subject"]),
        ("PSKS-11", "33.71.01", None, ["wrong_subject"]),
    ],
)
def test_each_type_asks_for_its_own_fields(
    psks_type: str, region: str, number: str | None, expected: list[str]
) -> None:
    assert codes(psks_type, region, number) == expected


def test_names_compare_without_case_or_spacing() -> None:
    assert name_key("  Karang  Taruna Tunas ") == name_key("karang taruna TUNAS")


def registered(form: InstitutionRegistration = LKS_FORM) -> Institution:
    institution, _ = register_institution(form, institution_id=uuid4(), by="maker", now=NOW)
    return institution


def test_registration_announces_no_contact_on_the_public_event() -> None:
    institution, events = register_institution(
        LKS_FORM, institution_id=uuid4(), by="maker", now=NOW
    )
    public, private = events
    assert isinstance(public, InstitutionRegistered)
    assert (public.psks_type, public.region, public.services) == (
        "PSKS-04",
        "33.71.01.1003",
        ("pengasuhan_anak",),
    )
    assert "Sri" not in public.model_dump_json()
    assert "Harapan" not in public.model_dump_json()
    assert isinstance(private, ContactChanged)
    assert (private.person_kind, private.display_name) == ("institution", "Ibu Sri")
    assert institution.verification is Verification.PENDING


def test_maker_checker() -> None:
    institution = registered()
    with pytest.raises(RegistryRuleBroken) as same:
        verify_institution(institution, by="maker")
    assert same.value.code == "same_operator"
    verified = verify_institution(institution, by="checker")
    assert (verified.verification, verified.verified_by) == (Verification.VERIFIED, "checker")
    with pytest.raises(RegistryRuleBroken) as twice:
        verify_institution(verified, by="other")
    assert twice.value.code == "already_verified"


def grade(g: str, number: str = "BALKS-1", until: date | None = None) -> Accreditation:
    start = date(2026, 1, 1)
    end = until or default_end(AccreditationGrade(g), start)
    return Accreditation(uuid4(), AccreditationGrade(g), number, "BALKS", start, end)


@pytest.mark.parametrize(
    ("g", "end"), [("A", "2030-12-31"), ("B", "2028-12-31"), ("C", "2027-12-31")]
)
def test_a_grade_is_valid_five_three_or_two_years_by_default(g: str, end: str) -> None:
    assert default_end(AccreditationGrade(g), date(2026, 1, 1)) == date.fromisoformat(end)


def test_a_leap_day_accreditation_ends_on_the_last_day_of_february() -> None:
    assert default_end(AccreditationGrade.B, date(2024, 2, 29)) == date(2027, 2, 28)


def test_only_a_verified_active_lks_is_accredited() -> None:
    pending = registered()
    with pytest.raises(RegistryRuleBroken) as early:
        accredit(pending, grade("A"))
    assert early.value.code == "not_verified"
    lks = verify_institution(pending, by="checker")
    accredited, event = accredit(lks, grade("A"))
    assert isinstance(event, InstitutionAccredited)
    assert (event.grade, event.valid_until) == ("A", date(2030, 12, 31))
    assert accredited.accreditation_on(date(2027, 6, 1)) == accredited.accreditations[0]
    assert accredited.accreditation_on(date(2031, 1, 1)) is None
    with pytest.raises(RegistryRuleBroken) as again:
        accredit(accredited, grade("B"))
    assert again.value.code == "duplicate_accreditation"
    with pytest.raises(RegistryRuleBroken) as backwards:
        accredit(accredited, grade("B", "BALKS-2", until=date(2025, 1, 1)))
    assert backwards.value.code == "invalid_period"
    closed = change_institution_status(accredited, VolunteerStatus.SUSPENDED)
    with pytest.raises(RegistryRuleBroken) as suspended:
        accredit(closed, grade("B", "BALKS-3"))
    assert suspended.value.code == "not_active"


def test_a_later_accreditation_replaces_the_earlier_one() -> None:
    lks = verify_institution(registered(), by="checker")
    once, _ = accredit(lks, grade("C", "BALKS-1"))
    later = replace(grade("A", "BALKS-2"), valid_from=date(2026, 6, 1))
    twice, _ = accredit(once, later)
    assert twice.accreditation_on(date(2026, 7, 1)) == later


def test_karang_taruna_is_not_accredited() -> None:
    karang_taruna = replace(LKS_FORM, psks_type="PSKS-05", registration_no=None)
    institution = verify_institution(registered(karang_taruna), by="checker")
    with pytest.raises(RegistryRuleBroken) as refused:
        accredit(institution, grade("A"))
    assert refused.value.code == "not_accreditable"


def test_institutions_are_not_on_leave_or_deceased() -> None:
    institution = registered()
    for status in (VolunteerStatus.ON_LEAVE, VolunteerStatus.DECEASED):
        with pytest.raises(RegistryRuleBroken):
            change_institution_status(institution, status)
    assert change_institution_status(institution, VolunteerStatus.ACTIVE) is institution


P, A, C = ReferralState.PENDING, ReferralState.ACCEPTED, ReferralState.CLOSED


@pytest.mark.parametrize(
    ("events", "final"),
    [
        ((P, A, C), C),
        ((C, A, P), C),  # completion overtook everything
        ((A, P), A),  # the referral arrived after its acceptance
        ((P, P, A, A), A),  # redelivered
        ((P,), P),
    ],
)
def test_a_referral_only_moves_forward(
    events: tuple[ReferralState, ...], final: ReferralState
) -> None:
    state: ReferralState | None = None
    for seen in events:
        state = advance(state, seen)
    assert state is final
