"""Request and response bodies for trainings, competencies and capacity of PSKS people."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pilar_contracts.events.fields import Code
from pilar_registry.domain.competencies import Training


class TrainingCreate(BaseModel):
    """A training a person attended, and the competencies it confers."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    organiser: str = Field(min_length=1, max_length=200, description="e.g. Kemensos, Dinas Sosial")
    held_on: date
    hours: int = Field(ge=1, le=2000, description="jam pelajaran")
    competencies: tuple[Code, ...] = Field(default=(), max_length=50)


class TrainingPublic(BaseModel):
    """A recorded training."""

    id: UUID
    name: str
    organiser: str
    held_on: date
    hours: int
    competencies: tuple[str, ...]

    @classmethod
    def of(cls, t: Training) -> TrainingPublic:
        """From the domain."""
        return cls(
            id=t.id,
            name=t.name,
            organiser=t.organiser,
            held_on=t.held_on,
            hours=t.hours,
            competencies=t.competencies,
        )


class CompetenciesChange(BaseModel):
    """The competencies a person has, as an operator assessed them (replaces the list)."""

    model_config = ConfigDict(extra="forbid")
    competencies: tuple[Code, ...] = Field(max_length=100)


class CapacityChange(BaseModel):
    """How many open referrals a person can carry."""

    model_config = ConfigDict(extra="forbid")
    capacity: int = Field(ge=0, le=500)
