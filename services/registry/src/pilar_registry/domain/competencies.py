"""Trainings, competencies and capacity of PSKS people. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from pilar_contracts.events.registry import VolunteerCompetenciesChanged
from pilar_registry.domain.people import RegistryRuleBroken, Volunteer


@dataclass(frozen=True)
class Training:
    """A training a person attended; the competencies it confers become theirs."""

    id: UUID
    name: str
    organiser: str
    held_on: date
    hours: int
    competencies: tuple[str, ...]
    recorded_by: str
    recorded_at: datetime


def record_training(
    volunteer: Volunteer, training: Training, *, known: list[Training], today: date
) -> Volunteer:
    """Add a training; the person gains the competencies it confers."""
    if training.held_on > today:
        raise RegistryRuleBroken("training_in_future", "Tanggal pelatihan belum terjadi")
    if training.hours < 1:
        raise RegistryRuleBroken("training_hours", "Jumlah jam pelatihan minimal 1")
    key = (training.name.casefold(), training.held_on)
    if any((t.name.casefold(), t.held_on) == key for t in known):
        raise RegistryRuleBroken(
            "duplicate_training", "Pelatihan dengan nama dan tanggal ini sudah tercatat"
        )
    return set_competencies(volunteer, (*volunteer.competencies, *training.competencies))


def set_competencies(volunteer: Volunteer, competencies: tuple[str, ...]) -> Volunteer:
    """The person's competencies, as an operator sets them (sorted, without repeats)."""
    wanted = tuple(sorted(set(competencies)))
    if wanted == volunteer.competencies:
        return volunteer
    return replace(volunteer, competencies=wanted, version=volunteer.version + 1)


def set_capacity(volunteer: Volunteer, capacity: int) -> Volunteer:
    """How many open referrals the person can carry (below the current load means: none more)."""
    if capacity < 0:
        raise RegistryRuleBroken("capacity_negative", "Kapasitas tidak boleh negatif")
    if capacity == volunteer.capacity:
        return volunteer
    return replace(volunteer, capacity=capacity, version=volunteer.version + 1)


def competencies_event(volunteer: Volunteer) -> VolunteerCompetenciesChanged:
    """The announcement of a person's competencies as they now stand."""
    return VolunteerCompetenciesChanged(
        volunteer_id=volunteer.id, competencies=volunteer.competencies
    )
