"""Cases domain: assessment, consent withdrawal and when the broker may escalate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pilar_cases.domain import (
    Case,
    CaseRuleBroken,
    ClientKind,
    Intake,
    RiskLevel,
    Stage,
    assess,
    close_case,
    may_escalate,
    move_stage,
    open_case,
    record_consent,
)
from pilar_contracts.events.fields import Urgency

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
INTAKE = Intake(ClientKind.PERSON, "PMKS-08", "33.71.01.1003", Urgency.PRIORITY, consent_given=True)


def opened(consent: bool = True) -> Case:
    case, _ = open_case(
        replace(INTAKE, consent_given=consent),
        case_id=uuid4(),
        client_ref="ab" * 32,
        by="op-1",
        now=NOW,
    )
    return case


def test_assessing_a_new_case_enters_asesmen_and_announces_needs_and_risk() -> None:
    case = opened()
    assessed, event = assess(
        case,
        needs=("pendampingan_lansia", "bansos", "pendampingan_lansia"),
        risk_level=RiskLevel.TINGGI,
        by="peksos-1",
        now=NOW,
    )
    assert assessed.stage is Stage.ASESMEN
    assert assessed.assessment is not None
    assert assessed.assessment.needs == ("pendampingan_lansia", "bansos")
    assert (assessed.assessment.assessed_by, assessed.assessment.assessed_at) == ("peksos-1", NOW)
    assert (event.case_id, event.needs, event.risk_level) == (
        case.id,
        ("pendampingan_lansia", "bansos"),
        "tinggi",
    )


def test_a_reassessment_keeps_the_stage_the_case_reached() -> None:
    case = move_stage(move_stage(opened(), Stage.ASESMEN), Stage.RENCANA)
    assessed, _ = assess(case, needs=("bansos",), risk_level=RiskLevel.RENDAH, by="x", now=NOW)
    assert assessed.stage is Stage.RENCANA
    assert assessed.assessment is not None
    assert assessed.assessment.risk_level is RiskLevel.RENDAH


def test_an_assessment_needs_at_least_one_need_and_an_open_case() -> None:
    case = opened()
    with pytest.raises(CaseRuleBroken) as empty:
        assess(case, needs=(), risk_level=RiskLevel.SEDANG, by="x", now=NOW)
    assert empty.value.code == "needs_missing"
    closed, _ = close_case(case, outcome="terlayani", now=NOW)
    with pytest.raises(CaseRuleBroken) as refused:
        assess(closed, needs=("bansos",), risk_level=RiskLevel.SEDANG, by="x", now=NOW)
    assert refused.value.code == "case_closed"


def test_the_broker_escalates_with_consent() -> None:
    assert may_escalate(opened(consent=True), override_at=None)


def test_without_consent_only_an_override_after_the_decision_lets_it_escalate() -> None:
    case = opened(consent=False)
    assert not may_escalate(case, override_at=None)
    assert may_escalate(case, override_at=NOW + timedelta(minutes=5))
    assert not may_escalate(case, override_at=NOW - timedelta(minutes=5))


def test_a_withdrawal_after_the_override_stops_the_chain() -> None:
    overridden_at = NOW + timedelta(hours=1)
    withdrawn = record_consent(
        opened(consent=False), given=False, by="op-2", now=NOW + timedelta(hours=2)
    )
    assert not may_escalate(withdrawn, override_at=overridden_at)
    given_again = record_consent(withdrawn, given=True, by="op-2", now=NOW + timedelta(hours=3))
    assert may_escalate(given_again, override_at=None)


def test_a_closed_case_never_escalates() -> None:
    closed, _ = close_case(opened(), outcome="terlayani", now=NOW)
    assert not may_escalate(closed, override_at=NOW)
