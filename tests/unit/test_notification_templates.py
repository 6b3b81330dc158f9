"""Every notification template renders for every channel, fits an SMS, and names no client."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from jinja2 import UndefinedError

import pilar_notifications
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
from pilar_notifications.rules import RULES, CaseFacts, Rule
from pilar_notifications.templates import CHANNELS, SMS_LIMIT, render, template_file

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
        ReferralWithdrawn: ids | {"to_id": uuid4(), "reason_code": "consent_withdrawn"},
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
        AccreditationExpired: {"institution_id": uuid4(), "accreditation_id": uuid4()},
        AccreditationExpiring: {
            "institution_id": uuid4(),
            "accreditation_id": uuid4(),
            "valid_until": date(2026, 12, 31),
            "days_left": 7,
        },
        DisasterDeclared: {
            "disaster_id": uuid4(),
            "hazard": "103",  # the longest hazard name
            "name": "Gelombang pasang dan abrasi pesisir utara Jawa Tengah dan sekitarnya",
            "status": "transisi_darurat",  # the longest stage name
            "affected_regions": ["33.26", "33.27", "33.28", "33.29", "33.71", "33.76"],
            "authority": "BNPB",
            "decree_no": "360/1234/KEP/BPBD-33/XII/2026 tentang Penetapan Status",
            "period": {"start": date(2026, 12, 1), "end": date(2026, 12, 14)},
        },
        NotificationFailed: {
            "notification_id": uuid4(),
            "cause_event_id": uuid4(),
            "recipient_id": uuid4(),
            "channels_tried": ["whatsapp", "sms", "email"],
            "reason_code": "smtp_unavailable",
        },
    }
    return event_type.model_validate(samples[event_type])


def params(rule: Rule, event: Event) -> dict[str, object]:
    return rule.params(event, LONG_CASE) | {"display_name": DISPLAY_NAME}


LANGUAGES = ("id", "en", "jv")  # Bahasa Indonesia, a translation, a language without templates


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.template)
def test_every_rule_renders_on_every_channel_without_client_data(
    rule: Rule, channel: str, language: str
) -> None:
    message = render(rule.template, channel, params(rule, sample(rule.event)), language)
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


def test_every_template_file_belongs_to_a_rule_and_a_channel() -> None:
    folder = Path(pilar_notifications.__file__).parent / "templates"
    files = {path.name for path in folder.glob("*.j2")}
    templates = {rule.template for rule in RULES}
    for name in files:
        template, channel, *language = name.removesuffix(".j2").split(".")
        assert template in templates, name
        assert channel in CHANNELS, name
        assert language in ([], ["en"]), name
    assert {f"{t}.{c}.j2" for t in templates for c in CHANNELS} <= files


def test_a_language_without_a_template_falls_back_to_bahasa_indonesia() -> None:
    assert template_file("volunteer_deployed", "sms", "en") == "volunteer_deployed.sms.en.j2"
    assert template_file("volunteer_deployed", "sms", "jv") == "volunteer_deployed.sms.j2"
    assert template_file("case_referred", "sms", "en") == "case_referred.sms.j2"
    rule = next(r for r in RULES if r.event is VolunteerDeployed)
    event = sample(VolunteerDeployed)
    assert render(rule.template, "sms", params(rule, event), "en").body.startswith("URGENT")
    assert render(rule.template, "sms", params(rule, event), "jv").body.startswith("PENTING")


def test_a_disaster_alert_names_stage_hazard_regions_and_decree() -> None:
    rule = next(r for r in RULES if r.event is DisasterDeclared)
    event = sample(DisasterDeclared).model_copy(update={"affected_regions": ("33.71",)})
    sms = render(rule.template, "sms", params(rule, event)).body
    assert sms.startswith("PENTING Pilar: Transisi Darurat gelombang pasang dan abrasi di")
    assert "Kota Magelang" in sms
    assert "SK 360/1234/KEP/BPBD-33" in sms
    email = render(rule.template, "email", params(rule, event))
    assert email.subject.startswith("PENTING: Transisi Darurat ke Pemulihan")
    assert "Wilayah terdampak: Kota Magelang" in email.body


def test_many_affected_regions_are_cut_with_dll_in_an_sms() -> None:
    rule = next(r for r in RULES if r.event is DisasterDeclared)
    sms = render(rule.template, "sms", params(rule, sample(DisasterDeclared))).body
    assert "dll." in sms
    assert len(sms) <= SMS_LIMIT


def test_an_unreachable_recipient_alert_names_an_id_and_the_reason_not_the_person() -> None:
    rule = next(r for r in RULES if r.event is NotificationFailed)
    event = sample(NotificationFailed)
    assert isinstance(event, NotificationFailed)
    sms = render(rule.template, "sms", params(rule, event)).body
    assert event.recipient_id.hex[-8:].upper() in sms
    assert "server e-mail gagal" in sms


def test_a_withdrawn_referral_names_the_case_and_says_no_action_is_needed() -> None:
    rule = next(r for r in RULES if r.event is ReferralWithdrawn)
    event = sample(ReferralWithdrawn)
    assert isinstance(event, ReferralWithdrawn)
    facts = CaseFacts(region="33.71", pmks_category="PMKS-21")
    sms = render(rule.template, "sms", rule.params(event, facts)).body
    assert f"KS-{event.case_id.hex[-8:].upper()}" in sms
    assert "dibatalkan" in sms
    assert "Tidak perlu ditindaklanjuti" in sms
    email = render(rule.template, "email", rule.params(event, facts) | {"display_name": "LKS"})
    assert email.subject.startswith("Rujukan kasus KS-")
    assert "Kota Magelang" in email.body


def test_an_expiring_accreditation_names_the_date_and_the_days_left() -> None:
    rule = next(r for r in RULES if r.event is AccreditationExpiring)
    sms = render(rule.template, "sms", params(rule, sample(AccreditationExpiring))).body
    assert sms.startswith("Pilar: Akreditasi lembaga Anda berakhir 2026-12-31 (7 hari lagi)")
    whatsapp = render(rule.template, "whatsapp", params(rule, sample(AccreditationExpiring)))
    assert DISPLAY_NAME in whatsapp.body
