"""Every notification rule has a template for each of its channels, and it renders."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from jinja2 import UndefinedError

from pilar_contracts.events.registry import VolunteerCertified
from pilar_notifications.rules import RULES
from pilar_notifications.templates import render


def certified(**change: object) -> VolunteerCertified:
    fields: dict[str, object] = {
        "volunteer_id": uuid4(),
        "psks_type": "PSKS-03",
        "region": "33.71.01.1003",
        "certification_id": uuid4(),
        "scheme": "TAGANA",
        "level": "MUDA",
        "certificate_no": "TGN-33-0001",
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2030, 12, 31),
    }
    return VolunteerCertified.model_validate(fields | change)


@pytest.mark.parametrize("event_type", list(RULES), ids=lambda e: e.__name__)
def test_every_rule_renders_on_every_channel(event_type: type) -> None:
    rule = RULES[event_type]
    event = certified()
    assert rule.recipient(event) == event.volunteer_id
    for channel in rule.channels:
        message = render(rule.template, channel, rule.params(event) | {"display_name": "Sari"})
        assert message.subject
        assert "Sari" in message.body


def test_certification_message_is_in_bahasa_indonesia_with_its_facts() -> None:
    rule = RULES[VolunteerCertified]
    params = rule.params(certified()) | {"display_name": "Sari"}
    message = render(rule.template, "email", params)
    assert message.subject == "Sertifikasi TAGANA Anda telah tercatat"
    assert "TGN-33-0001" in message.body
    assert "sampai 2030-12-31" in message.body
    open_ended = render(
        rule.template,
        "email",
        rule.params(certified(valid_until=None, level=None)) | {"display_name": "Sari"},
    )
    assert "sampai" not in open_ended.body
    assert "tingkat" not in open_ended.body


def test_a_missing_field_is_an_error_not_a_blank() -> None:
    with pytest.raises(UndefinedError):
        render("volunteer_certified", "email", {"scheme": "PSM"})
