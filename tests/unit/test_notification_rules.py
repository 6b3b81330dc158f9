"""The rules say which event notifies whom, how urgently, with which template."""

from __future__ import annotations

from uuid import uuid4

from pilar_contracts.events.cases import CaseReferred, ReferralDeclined, ReferralExpired
from pilar_contracts.events.registry import (
    CertificationExpired,
    CertificationExpiring,
    VolunteerCertified,
    VolunteerDeployed,
)
from pilar_notifications.rules import RULES, CaseFacts, Priority, rules_for
from tests.unit.test_notification_templates import sample


def test_each_event_has_one_rule_and_a_template_of_its_own() -> None:
    assert [rule.event for rule in RULES] == [
        CaseReferred,
        ReferralDeclined,
        ReferralExpired,
        VolunteerDeployed,
        VolunteerCertified,
        CertificationExpiring,
        CertificationExpired,
    ]
    assert len({rule.template for rule in RULES}) == len(RULES)


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
