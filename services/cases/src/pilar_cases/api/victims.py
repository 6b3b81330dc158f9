"""Bulk victim registration HTTP API: a JSON list or a CSV file of victims of one disaster."""

from __future__ import annotations

from datetime import UTC, date, datetime
from time import perf_counter
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from pilar_cases.api.deps import ContextDep, Operator
from pilar_cases.api.errors import answered
from pilar_cases.api.victim_rows import MAX_ROWS, Row, parse_rows
from pilar_cases.domain import ClientKind, Intake, PersonalData
from pilar_cases.domain.disasters import Disaster
from pilar_cases.usecases import victims as usecases
from pilar_cases.usecases.disasters import disaster_for
from pilar_cases.usecases.victims import Registered, Rejection, Victim
from pilar_contracts.events.fields import PmksCategory, RegionCode, Urgency
from pilar_contracts.identity import normalise_kk, normalise_nik
from pilar_kit.auth import Principal
from pilar_kit.http import RuntimeDep
from pilar_kit.runtime import Runtime

router = APIRouter(prefix="/disasters/{disaster_id}/victims", tags=["disasters"])
CHUNK = 500  # rows per transaction: large enough for bulk inserts, small enough to retry
BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "maxItems": MAX_ROWS}},
            "text/csv": {"schema": {"type": "string", "description": "header row: field names"}},
        },
    }
}


class VictimCreate(BaseModel):
    """One victim; personal data is sealed at rest like any intake."""

    model_config = ConfigDict(extra="forbid")
    nik: str = Field(max_length=32)
    kk: str | None = Field(default=None, max_length=32)
    display_name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = None
    sex: Literal["M", "F"] | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9]{8,15}$")
    address: str | None = Field(default=None, max_length=500)
    region: RegionCode = Field(description="where the victim was affected, within the disaster")
    pmks_category: PmksCategory | None = Field(default=None, description="default by hazard")
    client_kind: ClientKind = ClientKind.PERSON
    urgency: Urgency = Urgency.PRIORITY
    consent: Literal["given", "refused"]


class RejectionPublic(BaseModel):
    """A row that did not go in: where it was and why (its values are never echoed)."""

    index: int
    line: int | None
    code: str
    message: str


class RegisteredPublic(BaseModel):
    """The case of a row; ``created`` is false when an earlier post registered it."""

    index: int
    case_id: UUID
    client_ref: str
    created: bool


class VictimsRegistered(BaseModel):
    """The outcome of a bulk registration."""

    disaster_id: UUID
    received: int
    registered: int
    existing: int
    rejected: list[RejectionPublic]
    cases: list[RegisteredPublic]


def _victim(row: Row, disaster: Disaster) -> Victim | Rejection:
    body = VictimCreate.model_validate(row.fields)
    category = body.pmks_category or usecases.default_category(disaster)
    if category is None:
        return Rejection(row.index, row.line, "category_missing", "Isi pmks_category")
    intake = Intake(
        client_kind=body.client_kind,
        pmks_category=category,
        region=body.region,
        urgency=body.urgency,
        consent_given=body.consent == "given",
        disaster_id=disaster.id,
    )
    personal = PersonalData(
        nik=normalise_nik(body.nik),
        kk=normalise_kk(body.kk) if body.kk else None,
        display_name=body.display_name,
        birth_date=body.birth_date,
        sex=body.sex,
        phone=body.phone,
        address=body.address,
    )
    return Victim(row.index, intake, personal)


def check_rows(
    rows: list[Row], disaster: Disaster, who: Principal, today: date
) -> tuple[list[Victim], list[Rejection]]:
    """Split the rows into victims that may go in and rejections with their reasons."""
    good, bad = [], []
    for row in rows:
        try:
            checked = row.rejection or _victim(row, disaster)
        except ValidationError as invalid:  # names the fields, never echoes their values
            fields = ", ".join(sorted({str(e["loc"][0]) for e in invalid.errors() if e["loc"]}))
            checked = Rejection(row.index, row.line, "invalid_row", f"Kolom tidak sah: {fields}")
        if isinstance(checked, Rejection):
            bad.append(checked)
            continue
        broken = usecases.check_victim(checked, disaster, who, today)
        if broken is None:
            good.append(checked)
        else:
            bad.append(Rejection(row.index, row.line, *broken))
    return good, bad


async def _register(
    runtime: Runtime, context: ContextDep, chunk: list[Victim], disaster: Disaster, who: Principal
) -> list[Registered]:
    """One chunk in one transaction; a concurrent post of the same victims is retried once."""
    for attempt in (1, 2):
        try:
            async with runtime.transaction() as session:
                return await usecases.register_chunk(
                    session,
                    runtime.outbox,
                    context.keyring,
                    victims=chunk,
                    disaster=disaster,
                    who=who,
                    now=datetime.now(UTC),
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@router.post("", openapi_extra=BODY)
async def register_victims(
    disaster_id: UUID, request: Request, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> VictimsRegistered:
    """Register victims in bulk (JSON list or CSV); bad rows are reported, good rows go in."""
    with answered():
        async with runtime.transaction() as session:
            disaster = await disaster_for(session, disaster_id, who)
        usecases.ensure_open(disaster)
        rows = parse_rows(request.headers.get("content-type", ""), await request.body())
    good, bad = check_rows(rows, disaster, who, datetime.now(UTC).date())
    tracer = trace.get_tracer("pilar.cases", tracer_provider=runtime.tracer_provider)
    results: list[Registered] = []
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        began = perf_counter()
        with tracer.start_as_current_span("register victims chunk") as span:
            span.set_attribute("pilar.rows", len(chunk))
            results += await _register(runtime, context, chunk, disaster, who)
        context.metrics.victim_chunk_seconds.observe(perf_counter() - began)
    return _outcome(context, disaster.id, len(rows), results, bad)


def _outcome(
    context: ContextDep,
    disaster_id: UUID,
    received: int,
    results: list[Registered],
    bad: list[Rejection],
) -> VictimsRegistered:
    created = sum(r.created for r in results)
    counts: dict[str, Any] = {
        "registered": created,
        "existing": len(results) - created,
        "rejected": len(bad),
    }
    for outcome, amount in counts.items():
        if amount:
            context.metrics.victims.labels(outcome).inc(amount)
    return VictimsRegistered(
        disaster_id=disaster_id,
        received=received,
        registered=created,
        existing=len(results) - created,
        rejected=[RejectionPublic(**vars(r)) for r in sorted(bad, key=lambda r: r.index)],
        cases=[RegisteredPublic(**vars(r)) for r in results],
    )
