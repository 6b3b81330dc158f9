"""A Tagana deployment to a disaster and its answer: acknowledged or declined. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pilar_contracts.events.fields import DeploymentTask
from pilar_contracts.events.registry import (
    DeploymentAcknowledged,
    DeploymentDeclined,
    VolunteerDeployed,
)
from pilar_registry.domain.people import RegistryRuleBroken


class DeploymentStatus(StrEnum):
    """Where a deployment stands: waiting for an answer, answered, or filled by someone else."""

    DEPLOYED = "deployed"
    ACKNOWLEDGED = "acknowledged"
    DECLINED = "declined"  # and no replacement was found
    REPLACED = "replaced"  # declined, and another Tagana took the task


@dataclass(frozen=True)
class Deployment:
    """One Tagana sent to one disaster with one task, reporting to one affected region."""

    id: UUID
    disaster_id: UUID
    volunteer_id: UUID
    volunteer_region: str
    task: DeploymentTask
    report_to_region: str
    deployed_at: datetime
    status: DeploymentStatus = DeploymentStatus.DEPLOYED
    answered_at: datetime | None = None
    reason_code: str | None = None
    replaces: UUID | None = None
    replaced_by: UUID | None = None
    version: int = 1


def deployed_event(deployment: Deployment) -> VolunteerDeployed:
    """The public announcement of a deployment (ids and codes only, no personal data)."""
    return VolunteerDeployed(
        deployment_id=deployment.id,
        disaster_id=deployment.disaster_id,
        volunteer_id=deployment.volunteer_id,
        task=deployment.task,
        report_to_region=deployment.report_to_region,
    )


def _still_open(deployment: Deployment) -> None:
    if deployment.status is not DeploymentStatus.DEPLOYED:
        raise RegistryRuleBroken(
            "already_answered",
            f"Pengerahan sudah dijawab sebelumnya (status: {deployment.status.value})",
            status=deployment.status.value,
        )


def acknowledge(
    deployment: Deployment, *, now: datetime
) -> tuple[Deployment, DeploymentAcknowledged]:
    """The Tagana confirms they are on their way."""
    _still_open(deployment)
    acknowledged = replace(
        deployment,
        status=DeploymentStatus.ACKNOWLEDGED,
        answered_at=now,
        version=deployment.version + 1,
    )
    event = DeploymentAcknowledged(
        deployment_id=deployment.id, volunteer_id=deployment.volunteer_id
    )
    return acknowledged, event


def decline(
    deployment: Deployment, *, reason_code: str | None, now: datetime
) -> tuple[Deployment, DeploymentDeclined]:
    """The Tagana cannot go; the task waits for a replacement."""
    _still_open(deployment)
    declined = replace(
        deployment,
        status=DeploymentStatus.DECLINED,
        answered_at=now,
        reason_code=reason_code,
        version=deployment.version + 1,
    )
    event = DeploymentDeclined(
        deployment_id=deployment.id, volunteer_id=deployment.volunteer_id, reason_code=reason_code
    )
    return declined, event


def replaced_by(declined: Deployment, successor: Deployment) -> Deployment:
    """The declined deployment, its task now carried by ``successor``."""
    return replace(
        declined,
        status=DeploymentStatus.REPLACED,
        replaced_by=successor.id,
        version=declined.version + 1,
    )
