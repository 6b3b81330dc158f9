"""Case lifecycle HTTP API: stage changes, assessment, consent decisions and closing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pilar_cases import usecases
from pilar_cases.api.deps import ContextDep, Operator
from pilar_cases.api.errors import answered
from pilar_cases.api.schemas import CasePublic
from pilar_cases.domain import RiskLevel, Stage
from pilar_cases.metrics import province_of
from pilar_contracts.events.fields import Code
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/cases/{case_id}", tags=["cases"])


class StageChange(BaseModel):
    """The stage of case management to enter (DOMAIN.md 6.2)."""

    model_config = ConfigDict(extra="forbid")
    stage: Stage


class AssessmentCreate(BaseModel):
    """What the assessment found: service codes needed and the risk level."""

    model_config = ConfigDict(extra="forbid")
    needs: list[Code] = Field(min_length=1, max_length=20, description="e.g. pendampingan_lansia")
    risk_level: RiskLevel


class ConsentChange(BaseModel):
    """The client's new consent decision on sharing the case for referral."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["given", "withdrawn"]


class Closure(BaseModel):
    """The outcome a case closes with."""

    model_config = ConfigDict(extra="forbid")
    outcome: Code = Field(description="e.g. terlayani, pindah_domisili, meninggal")


@router.post("/stage")
async def move_stage(
    case_id: UUID, body: StageChange, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> CasePublic:
    """Move the case to an allowed next stage; 409 names the stages allowed from here."""
    with answered():
        async with runtime.transaction() as session:
            case = await usecases.move_stage(
                session, runtime.outbox, case_id=case_id, to=body.stage, who=who
            )
    context.metrics.stage_changes.labels(case.stage.value).inc()
    return CasePublic.of(case)


@router.post("/assessment")
async def assess_case(
    case_id: UUID, body: AssessmentCreate, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> CasePublic:
    """Record the assessment (needs, risk level); a new case enters the asesmen stage."""
    with answered():
        async with runtime.transaction() as session:
            case = await usecases.assess_case(
                session,
                runtime.outbox,
                case_id=case_id,
                needs=tuple(body.needs),
                risk_level=body.risk_level,
                who=who,
                now=datetime.now(UTC),
            )
    context.metrics.assessed.labels(body.risk_level.value).inc()
    return CasePublic.of(case)


@router.post("/consent")
async def record_consent(
    case_id: UUID, body: ConsentChange, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> CasePublic:
    """Record consent given or withdrawn; without it no referral goes out but by override."""
    with answered():
        async with runtime.transaction() as session:
            case = await usecases.record_consent(
                session,
                runtime.outbox,
                case_id=case_id,
                given=body.status == "given",
                who=who,
                now=datetime.now(UTC),
            )
    context.metrics.consent.labels(body.status).inc()
    return CasePublic.of(case)


@router.post("/close")
async def close_case(
    case_id: UUID, body: Closure, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> CasePublic:
    """Close the case with an outcome; refused while a referral of it is still running."""
    with answered():
        async with runtime.transaction() as session:
            case = await usecases.close_case(
                session,
                runtime.outbox,
                case_id=case_id,
                outcome=body.outcome,
                who=who,
                now=datetime.now(UTC),
            )
    context.metrics.closed.labels(province_of(case.region)).inc()
    return CasePublic.of(case)
