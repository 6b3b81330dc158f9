"""Trainings and competencies of PSKS people."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_registry.domain.competencies import Training
from pilar_registry.store.tables import CompetencyRow, TrainingRow


def training_of(row: TrainingRow) -> Training:
    """Map a training row to the domain."""
    return Training(
        id=row.id,
        name=row.name,
        organiser=row.organiser,
        held_on=row.held_on,
        hours=row.hours,
        competencies=tuple(row.competencies),
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


async def trainings_of(session: AsyncSession, volunteer_id: UUID) -> list[Training]:
    """A person's trainings, oldest first."""
    query = (
        select(TrainingRow)
        .where(TrainingRow.volunteer_id == volunteer_id)
        .order_by(TrainingRow.held_on, TrainingRow.id)
    )
    return [training_of(r) for r in (await session.execute(query)).scalars()]


async def add_training(session: AsyncSession, volunteer_id: UUID, t: Training) -> None:
    """Insert one training."""
    session.add(
        TrainingRow(
            id=t.id,
            volunteer_id=volunteer_id,
            name=t.name,
            organiser=t.organiser,
            held_on=t.held_on,
            hours=t.hours,
            competencies=list(t.competencies),
            recorded_by=t.recorded_by,
            recorded_at=t.recorded_at,
        )
    )
    await session.flush()


async def replace_competencies(
    session: AsyncSession, volunteer_id: UUID, competencies: tuple[str, ...]
) -> None:
    """Make the person's competency rows exactly ``competencies``."""
    await session.execute(delete(CompetencyRow).where(CompetencyRow.volunteer_id == volunteer_id))
    if competencies:
        rows = [{"volunteer_id": volunteer_id, "competency": c} for c in competencies]
        await session.execute(insert(CompetencyRow), rows)
