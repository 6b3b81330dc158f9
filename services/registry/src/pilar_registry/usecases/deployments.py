"""Tagana call-out when a disaster enters response status, and the deployed volunteers' answers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import Event, Outgoing, wrap
from pilar_contracts.events.fields import DisasterStatus
from pilar_contracts.events.registry import SOURCE
from pilar_kit.outbox import Outbox
from pilar_registry.domain import callout, deployments
from pilar_registry.domain.callout import CallOut, Disaster
from pilar_registry.domain.deployments import Deployment
from pilar_registry.domain.people import Volunteer
from pilar_registry.store import Deployments, tagana_in

log = logging.getLogger("pilar.registry.callout")


class UnknownDisaster(LookupError):  # noqa: N818  transient: the declaration may still arrive
    """A stage change for a disaster whose declaration the registry has not seen."""


async def disaster_declared(
    session: AsyncSession,
    outbox: Outbox,
    *,
    disaster_id: UUID,
    status: DisasterStatus,
    affected_regions: Sequence[str],
    declared_on: date,
    minimum: int,
) -> CallOut | None:
    """Remember a declaration in any stage; call Tagana out if it is in response status."""
    repository = Deployments(session)
    known = await repository.disaster(disaster_id)
    if known is None:
        known = callout.declare(disaster_id, status, affected_regions, declared_on)
        await repository.add_disaster(known)
    return await _enter_stage(session, outbox, known, status, on=declared_on, minimum=minimum)


async def disaster_status_changed(
    session: AsyncSession,
    outbox: Outbox,
    *,
    disaster_id: UUID,
    status: DisasterStatus,
    on: date,
    minimum: int,
) -> CallOut | None:
    """Follow a disaster's stage; entering response status calls Tagana out (once)."""
    known = await Deployments(session).disaster(disaster_id)
    if known is None:
        if status is DisasterStatus.TANGGAP_DARURAT:
            raise UnknownDisaster(disaster_id)
        return None  # nothing to do for a disaster the registry never had to act on
    return await _enter_stage(session, outbox, known, status, on=on, minimum=minimum)


async def _enter_stage(
    session: AsyncSession,
    outbox: Outbox,
    known: Disaster,
    status: DisasterStatus,
    *,
    on: date,
    minimum: int,
) -> CallOut | None:
    moved = callout.change_stage(known, status)
    if moved.awaits_call_out:
        return await call_out(
            session, outbox, disaster=moved, loaded_version=known.version, on=on, minimum=minimum
        )
    if moved is not known:
        await Deployments(session).save_disaster(moved, loaded_version=known.version)
    return None


async def call_out(
    session: AsyncSession,
    outbox: Outbox,
    *,
    disaster: Disaster,
    loaded_version: int,
    on: date,
    minimum: int,
) -> CallOut:
    """Deploy the eligible Tagana of the affected regencies (or province) and announce them."""
    repository = Deployments(session)
    sent = await repository.volunteers_sent(disaster.id)
    candidates = await _candidates(session, disaster, sent=sent, on=on, minimum=minimum)
    plan = callout.call_out(
        disaster,
        candidates,
        deployed=sent,
        on=on,
        minimum=minimum,
        now=datetime.now(UTC),
        new_id=uuid7,
    )
    await repository.save_disaster(plan.disaster, loaded_version=loaded_version)
    await repository.add_many(plan.deployments)
    await _announce(session, outbox, plan)
    log.info(
        "called out %d Tagana for disaster %s%s",
        len(plan.deployments),
        disaster.id,
        " (widened to the province)" if plan.widened else "",
    )
    return plan


async def _announce(session: AsyncSession, outbox: Outbox, plan: CallOut) -> None:
    """Stage one VolunteerDeployed per deployment, then the disaster's VolunteersMobilized."""
    disaster = plan.disaster
    mobilized = wrap(
        plan.mobilized, source=SOURCE, subject=f"disaster/{disaster.id}", region=disaster.region
    )
    await outbox.stage(
        session,
        *(_wrapped(d, e) for d, e in zip(plan.deployments, plan.deployed, strict=True)),
        mobilized,
    )


async def _candidates(
    session: AsyncSession, disaster: Disaster, *, sent: set[UUID], on: date, minimum: int
) -> list[Volunteer]:
    """Tagana of the affected regencies; the province's too when those are too few."""
    nearby = await tagana_in(
        session,
        regencies=disaster.regencies,
        provinces=disaster.whole_provinces,
        not_sent_to=disaster.id,
    )
    if len(callout.eligible_tagana(disaster, nearby, deployed=sent, on=on)) >= minimum:
        return nearby
    return await tagana_in(session, provinces=disaster.provinces, not_sent_to=disaster.id)


def _wrapped(deployment: Deployment, event: Event) -> Outgoing:
    return wrap(
        event,
        source=SOURCE,
        subject=f"deployment/{deployment.id}",
        region=deployment.report_to_region,
    )


async def _load(repository: Deployments, deployment_id: UUID) -> Deployment:
    deployment = await repository.get(deployment_id)
    if deployment is None:
        raise LookupError(deployment_id)
    return deployment


async def acknowledge(session: AsyncSession, outbox: Outbox, *, deployment_id: UUID) -> Deployment:
    """A deployed Tagana confirms the call-out."""
    repository = Deployments(session)
    deployment = await _load(repository, deployment_id)
    acknowledged, event = deployments.acknowledge(deployment, now=datetime.now(UTC))
    await repository.save(acknowledged, loaded_version=deployment.version)
    await outbox.stage(session, _wrapped(acknowledged, event))
    return acknowledged


async def decline(
    session: AsyncSession, outbox: Outbox, *, deployment_id: UUID, reason_code: str | None
) -> tuple[Deployment, Deployment | None]:
    """A deployed Tagana declines; the next eligible one takes the same task, if there is one."""
    repository = Deployments(session)
    deployment = await _load(repository, deployment_id)
    now = datetime.now(UTC)
    declined, event = deployments.decline(deployment, reason_code=reason_code, now=now)
    staged = [_wrapped(declined, event)]
    successor = await _replacement(session, declined, now)
    if successor is not None:
        declined = deployments.replaced_by(declined, successor)
        await repository.add_many([successor])
        staged.append(_wrapped(successor, deployments.deployed_event(successor)))
    await repository.save(declined, loaded_version=deployment.version)
    await outbox.stage(session, *staged)
    return declined, successor


async def _replacement(
    session: AsyncSession, declined: Deployment, now: datetime
) -> Deployment | None:
    """Look nearby first, then across the province, for someone eligible today."""
    repository = Deployments(session)
    disaster = await repository.disaster(declined.disaster_id)
    if disaster is None:
        return None
    sent = await repository.volunteers_sent(disaster.id)
    nearby, province = (disaster.regencies, disaster.whole_provinces), ((), disaster.provinces)
    for regencies, provinces in (nearby, province):
        candidates = await tagana_in(
            session, regencies=regencies, provinces=provinces, not_sent_to=disaster.id
        )
        found = callout.replacement(
            disaster,
            declined,
            candidates,
            deployed=sent,
            on=now.date(),
            deployment_id=uuid7(),
            now=now,
        )
        if found is not None:
            return found
    return None
