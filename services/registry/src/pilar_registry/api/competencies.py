"""Registry HTTP API for trainings, competencies and capacity of PSKS people."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException, status

from pilar_kit.http import RuntimeDep
from pilar_registry.api.access import Operator, Reader, ensure_may_read
from pilar_registry.api.competency_schemas import (
    CapacityChange,
    CompetenciesChange,
    TrainingCreate,
    TrainingPublic,
)
from pilar_registry.api.errors import NOT_FOUND, answered
from pilar_registry.api.schemas import VolunteerPublic
from pilar_registry.api.volunteers import volunteer_in_scope
from pilar_registry.metrics import MetricsDep
from pilar_registry.store import Volunteers
from pilar_registry.store.trainings import trainings_of
from pilar_registry.usecases import competencies as usecases

router = APIRouter(prefix="/volunteers", tags=["volunteers"])


@router.post("/{volunteer_id}/trainings", status_code=status.HTTP_201_CREATED)
async def record_training(
    volunteer_id: UUID,
    body: TrainingCreate,
    runtime: RuntimeDep,
    who: Operator,
    metrics: MetricsDep,
) -> TrainingPublic:
    """Record a training; the person gains the competencies it confers."""
    with answered():
        async with runtime.transaction() as session:
            person = await volunteer_in_scope(session, volunteer_id, who)
            _, training = await usecases.record_training(
                session,
                runtime.outbox,
                volunteer_id=volunteer_id,
                name=body.name.strip(),
                organiser=body.organiser.strip(),
                held_on=body.held_on,
                hours=body.hours,
                competencies=body.competencies,
                by=who.subject,
            )
    metrics.trainings.labels(province=person.region[:2]).inc()
    return TrainingPublic.of(training)


@router.get("/{volunteer_id}/trainings")
async def list_trainings(
    volunteer_id: UUID, runtime: RuntimeDep, who: Reader
) -> list[TrainingPublic]:
    """A person's trainings, oldest first: for operators of its region, or the person themself."""
    async with runtime.transaction() as session:
        volunteer = await Volunteers(session).get(volunteer_id)
        if volunteer is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        ensure_may_read(who, volunteer.id, volunteer.region)
        trainings = await trainings_of(session, volunteer_id)
    return [TrainingPublic.of(t) for t in trainings]


@router.put("/{volunteer_id}/competencies")
async def set_competencies(
    volunteer_id: UUID, body: CompetenciesChange, runtime: RuntimeDep, who: Operator
) -> VolunteerPublic:
    """Replace a person's competencies."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            volunteer = await usecases.set_competencies(
                session, runtime.outbox, volunteer_id=volunteer_id, competencies=body.competencies
            )
    return VolunteerPublic.of(volunteer)


@router.put("/{volunteer_id}/capacity")
async def set_capacity(
    volunteer_id: UUID, body: CapacityChange, runtime: RuntimeDep, who: Operator
) -> VolunteerPublic:
    """Set how many open referrals a person can carry."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            volunteer = await usecases.set_capacity(
                session, runtime.outbox, volunteer_id=volunteer_id, capacity=body.capacity
            )
    return VolunteerPublic.of(volunteer)
