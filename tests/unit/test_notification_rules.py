"""The rules say which event notifies whom, how urgently, with which template."""

from __future__ import annotations

from uuid import uuid4

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
from pilar_notifications.directory import answers_for, person_id
from pilar_notifications.rules import (
    OPTIONAL,
    RULES,
    CaseFacts,
    Category,
    Operators,
    Priority,
    Systems,
    regency,
    rules_for,
)
from tests.unit.test_notification_templates import sample


def test_each_event_has_its_rules_and_a_template_of_its_own() -> None:
    assert [rule.event for rule in RULES] == [
        CaseReferred,
        ReferralDeclined,
        ReferralExpired,
        ReferralWithdrawn,
        VolunteerDeployed,
        DisasterDeclared,  # to the operators of the affected regions
        DisasterDeclared,  # to the ministry systems subscribed to them
        NotificationFailed,
        VolunteerCertified,
        CertificationExpiring,
        CertificationExpired,
        AccreditationExpiring,
        AccreditationExpired,
    ]
    templates = {rule.event: rule.template for rule in RULES}
    assert len(set(templates.values())) == len(templates)


def test_disaster_alerts_and_deployments_can_never_be_opted_out_of() -> None:
    for event_type in (VolunteerDeployed, DisasterDeclared):
        for rule in rules_for(event_type):
            assert rule.category is Category.DISASTER
            assert rule.priority is Priority.URGENT
    assert Category.DISASTER not in OPTIONAL
    assert Category.REFERRAL not in OPTIONAL
    optional = {rule.event for rule in RULES if rule.category in OPTIONAL}
    assert optional == {
        VolunteerCertified,
        CertificationExpiring,
        CertificationExpired,
        AccreditationExpiring,
        AccreditationExpired,
    }


def test_a_declaration_alerts_operators_and_systems_of_the_affected_regions() -> None:
    event = sample(DisasterDeclared)
    assert isinstance(event, DisasterDeclared)
    operators, systems = rules_for(DisasterDeclared)
    assert operators.recipient(event, None) == Operators(event.affected_regions)
    assert systems.recipient(event, None) == Systems(event.affected_regions)


def test_repeated_failures_go_to_the_operator_of_the_regency() -> None:
    event = sample(NotificationFailed)
    (rule,) = rules_for(NotificationFailed)
    facts = CaseFacts(region="33.71.01.1003")
    assert rule.recipient(event, facts) == Operators(("33.71",), exact=True)
    assert rule.repeats == 3
    assert rule.category is Category.OPERATIONS
    assert set(rule.params(event, facts)) == {"recipient_ref", "reason"}
    assert (regency("33.71.01.1003"), regency("33.71"), regency("33"), regency("")) == (
        "33.71",
        "33.71",
        "33",
        "",
    )


def test_operators_of_affected_regions_are_those_whose_region_overlaps() -> None:
    flood = Operators(("33.71.01", "33.08"))
    assert answers_for(flood, ["33.71"])  # the regency around the affected district
    assert answers_for(flood, ["33"])  # the province
    assert answers_for(flood, ["33.08"])
    assert not answers_for(flood, ["33.72"])
    assert not answers_for(flood, ["34"])
    assert not answers_for(flood, [""])  # national operations hear of it otherwise
    regency_only = Operators(("33.71",), exact=True)
    assert answers_for(regency_only, ["33.71"])
    assert not answers_for(regency_only, ["33"])


def test_systems_subscribe_to_regions_or_to_the_nation() -> None:
    flood = Systems(("33.71",))
    assert answers_for(flood, [])
    assert answers_for(flood, [""])
    assert answers_for(flood, ["33", "35"])
    assert not answers_for(flood, ["35"])


def test_a_login_maps_to_one_directory_id() -> None:
    psks = uuid4()
    assert person_id(str(psks)) == psks
    assert person_id("demo-operator-33.71") == person_id("demo-operator-33.71")
    assert person_id("demo-operator-33.71") != person_id("demo-operator-33")


def test_a_referral_notifies_the_referred_pillar() -> None:
    event = sample(CaseReferred)
    assert isinstance(event, CaseReferred)
    (rule,) = rules_for(CaseReferred)
    assert rule.recipient(event, CaseFacts(region="33.71")) == event.to_id
    assert rule.priority is Priority.ROUTINE


def test_a_deployment_is_urgent_for_the_volunteer() -> None:
    event = sample(VolunteerDeployed)
    assert isinstance(event, VolunteerDeployed)
    (rule,) = rules_for(VolunteerDeployed)
    assert rule.recipient(event, None) == event.volunteer_id
    assert rule.priority is Priority.URGENT


def test_certification_events_notify_the_holder() -> None:
    for event_type in (VolunteerCertified, CertificationExpiring, CertificationExpired):
        event = sample(event_type)
        (rule,) = rules_for(event_type)
        assert rule.recipient(event, None) == getattr(event, "volunteer_id", None)


def test_an_expiring_accreditation_notifies_the_institution() -> None:
    event = sample(AccreditationExpiring)
    assert isinstance(event, AccreditationExpiring)
    (rule,) = rules_for(AccreditationExpiring)
    assert rule.recipient(event, None) == event.institution_id
    assert rule.params(event, None) == {"valid_until": "2026-12-31", "days_left": 7}


def test_an_expired_accreditation_notifies_the_institution() -> None:
    event = sample(AccreditationExpired)
    assert isinstance(event, AccreditationExpired)
    (rule,) = rules_for(AccreditationExpired)
    assert rule.recipient(event, None) == event.institution_id


def test_a_withdrawn_referral_notifies_the_pillar_it_was_sent_to() -> None:
    event = sample(ReferralWithdrawn)
    assert isinstance(event, ReferralWithdrawn)
    (rule,) = rules_for(ReferralWithdrawn)
    case = CaseFacts(region="33.71", pmks_category="PMKS-21", owner_id=uuid4())
    assert rule.recipient(event, case) == event.to_id
    assert rule.recipient(event, None) == event.to_id  # known without the case's facts
    assert rule.category is Category.REFERRAL
    assert rule.params(event, case)["case_ref"] == f"KS-{event.case_id.hex[-8:].upper()}"


def test_a_declined_or_expired_referral_notifies_the_case_owner_only_when_known() -> None:
    owner = uuid4()
    for event_type in (ReferralDeclined, ReferralExpired):
        event = sample(event_type)
        (rule,) = rules_for(event_type)
        assert rule.recipient(event, CaseFacts(region="33.71", owner_id=owner)) == owner
        assert rule.recipient(event, CaseFacts(region="33.71")) is None
        assert rule.recipient(event, None) is None


def test_parameters_carry_codes_not_names() -> None:
    event = sample(CaseReferred)
    (rule,) = rules_for(CaseReferred)
    params = rule.params(event, CaseFacts(region="33.71", pmks_category="PMKS-21"))
    assert params["pmks_category"] == "PMKS-21"
    assert params["region"] == "33.71"
    assert set(params) == {"case_ref", "pmks_category", "region", "accept_by", "attempt"}
