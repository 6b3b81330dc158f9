"""Every notification template renders for every channel, fits an SMS, and names no client."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from jinja2 import UndefinedError

from pilar_contracts import Event
from pilar_contracts.events.cases import CaseReferred, ReferralDeclined, ReferralExpired
from pilar_contracts.events.registry import (
    CertificationExpired,
    CertificationExpiring,
    VolunteerCertified,
    VolunteerDeployed,
)
from pilar_notifications.rules import RULES, CaseFacts, Rule
from pilar_notifications.templates import CHANNELS, SMS_LIMIT, render

NIK_LIKE = re.compile(r"\d{16}")
# The longest PMKS category name and one of the longest regency names: the worst case for SMS.
LONG_CASE = CaseFacts(region="71.09", pmks_category="PMKS-06", owner_id=uuid4())
DISPLAY_NAME = "Sari Wulandari Kusumaningrum Setyaningsih Purbaningrum"


def sample(event_type: type[Event]) -> Event:
    """A valid event of each type that has a rule."""
    ids: dict[str, object] = {"case_id": uuid4(), "referral_id": uuid4(), "volunteer_id": uuid4()}
    samples: dict[type[Event], dict[str, object]] = {
        CaseReferred: ids
        | {
            "to_kind": "volunteer",
            "to_id": uuid4(),
            "service": "pendampingan",
            "accept_by": datetime(2026, 12, 31, 9, 0, tzinfo=UTC),
            "attempt": 1,
        },
        ReferralDeclined: ids | {"by_id": uuid4(), "reason_code": "capacity_full"},
        ReferralExpired: ids | {"to_id": uuid4()},
        VolunteerDeployed: ids
        | {
            "deployment_id": uuid4(),
            "disaster_id": uuid4(),
            "task": "psychosocial_support",
            "report_to_region": "71.09",
        },
        VolunteerCertified: ids
        | {
            "psks_type": "PSKS-03",
            "region": "33.71.01.1003",
            "certification_id": uuid4(),
            "scheme": "TAGANA",
            "level": "MUDA",
            "certificate_no": "TGN-33-0001",
            "valid_from": date(2026, 1, 1),
            "valid_until": date(2030, 12, 31),
        },
        CertificationExpiring: ids
        | {"certification_id": uuid4(), "valid_until": date(2026, 12, 31), "days_left": 30},
        CertificationExpired: ids | {"certification_id": uuid4()},
    }
    return event_type.model_validate(samples[event_type])


def params(rule: Rule, event: Event) -> dict[str, object]:
    return rule.params(event, LONG_CASE) | {"display_name": DISPLAY_NAME}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.template)
def test_every_rule_renders_on_every_channel_without_client_data(rule: Rule, channel: str) -> None:
    message = render(rule.template, channel, params(rule, sample(rule.event)))
    text = f"{message.subject}\n{message.body}"
    assert message.body.strip()
    assert NIK_LIKE.search(text) is None
    if channel == "email":
        assert message.subject
    if channel == "sms":
        assert len(message.body) <= SMS_LIMIT, message.body
        assert message.body.isascii()  # one GSM-7 segment, never UCS-2


def test_a_referral_names_case_category_region_and_deadline_and_points_to_the_login() -> None:
    rule = next(r for r in RULES if r.event is CaseReferred)
    event = sample(CaseReferred)
    assert isinstance(event, CaseReferred)
    facts = CaseFacts(region="33.71", pmks_category="PMKS-21")
    sms = render(rule.template, "sms", rule.params(event, facts)).body
    ref = f"KS-{event.case_id.hex[-8:].upper()}"
    assert ref in sms
    assert "Korban bencana alam" in sms
    assert "Kota Magelang" in sms
    assert "31-12-2026 16:00 WIB" in sms  # 09:00 UTC in Central Java
    assert "Masuk ke Pilar" in sms


def test_deadlines_are_in_the_regions_time_zone() -> None:
    rule = next(r for r in RULES if r.event is CaseReferred)
    event = sample(CaseReferred)
    makassar = render(rule.template, "sms", rule.params(event, CaseFacts(region="73.71"))).body
    jayapura = render(rule.template, "sms", rule.params(event, CaseFacts(region="91.71"))).body
    assert "17:00 WITA" in makassar
    assert "18:00 WIT" in jayapura


def test_certification_message_is_in_bahasa_indonesia_with_its_facts() -> None:
    rule = next(r for r in RULES if r.event is VolunteerCertified)
    message = render(rule.template, "email", params(rule, sample(VolunteerCertified)))
    assert message.subject == "Sertifikasi TAGANA Anda telah tercatat"
    assert "TGN-33-0001" in message.body
    assert "sampai 2030-12-31" in message.body
    assert DISPLAY_NAME in message.body


def test_a_missing_field_is_an_error_not_a_blank() -> None:
    with pytest.raises(UndefinedError):
        render("volunteer_certified", "email", {"scheme": "PSM"})
