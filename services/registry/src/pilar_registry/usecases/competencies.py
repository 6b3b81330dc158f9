"""Trainings, competencies and capacity of PSKS people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_kit.outbox import Outbox
from pilar_registry.domain import Volunteer
from pilar_registry.domain import competencies as domain
from pilar_registry.domain.competencies import Training
from pilar_registry.store import Volunteers
from pilar_registry.store.trainings import add_training, replace_competencies, trainings_of
from pilar_registry.usecases.events import announce


async def _load(repository: Volunteers, volunteer_id: UUID) -> Volunteer:
    volunteer = await repository.get(volunteer_id)
    if volunteer is None:
        raise LookupError(volunteer_id)
    return volunteer


async def _save(
    repository: Volunteers, outbox: Outbox, changed: Volunteer, loaded: Volunteer
) -> None:
    if changed is loaded:
        return
    await repository.save(changed, loaded_version=loaded.version)
    if changed.competencies != loaded.competencies:
        session = repository.session
        await replace_competencies(session, changed.id, changed.competencies)
        await announce(session, outbox, changed, domain.competencies_event(changed))


async def record_training(
    session: AsyncSession,
    outbox: Outbox,
    *,
    volunteer_id: UUID,
    name: str,
    organiser: str,
    held_on: date,
    hours: int,
    competencies: tuple[str, ...],
    by: str,
) -> tuple[Volunteer, Training]:
    """Record a training a person attended; the competencies it confers become theirs."""
    repository = Volunteers(session)
    volunteer = await _load(repository, volunteer_id)
    now = datetime.now(UTC)
    training = Training(uuid7(), name, organiser, held_on, hours, competencies, by, now)
    known = await trainings_of(session, volunteer_id)
    changed = domain.record_training(volunteer, training, known=known, today=now.date())
    await _save(repository, outbox, changed, volunteer)
    await add_training(session, volunteer_id, training)
    return changed, training


async def set_competencies(
    session: AsyncSession, outbox: Outbox, *, volunteer_id: UUID, competencies: tuple[str, ...]
) -> Volunteer:
    """Set a person's competencies as an operator assessed them."""
    repository = Volunteers(session)
    volunteer = await _load(repository, volunteer_id)
    changed = domain.set_competencies(volunteer, competencies)
    await _save(repository, outbox, changed, volunteer)
    return changed


async def set_capacity(
    session: AsyncSession, outbox: Outbox, *, volunteer_id: UUID, capacity: int
) -> Volunteer:
    """Set how many open referrals a person can carry."""
    repository = Volunteers(session)
    volunteer = await _load(repository, volunteer_id)
    changed = domain.set_capacity(volunteer, capacity)
    await _save(repository, outbox, changed, volunteer)
    return changed
