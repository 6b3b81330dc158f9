"""Tagana call-out for a disaster in response status: who goes, with which task, where. Pure.

Permensos 28/2012 gives Tagana their response tasks: public kitchens, shelters, evacuation,
psychosocial support and victim registration (DOMAIN.md 5.4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from pilar_contracts.events.fields import DeploymentTask, DisasterStatus
from pilar_contracts.events.registry import VolunteerDeployed, VolunteersMobilized
from pilar_registry.domain.deployments import Deployment, deployed_event
from pilar_registry.domain.eligibility import is_eligible
from pilar_registry.domain.people import Volunteer
from pilar_registry.domain.psks import TAGANA

TAGANA_SCHEME = "TAGANA"  # the membership a Tagana must hold, as recorded by certify_volunteer
TASKS = tuple(DeploymentTask)
STAGES = tuple(DisasterStatus)  # siaga -> tanggap -> transisi -> closed (UU 24/2007)


@dataclass(frozen=True)
class Disaster:
    """What the registry remembers of a declaration: where it struck, its stage, if called out."""

    id: UUID
    status: DisasterStatus
    affected_regions: tuple[str, ...]
    declared_on: date
    called_out_at: datetime | None = None
    version: int = 1

    @property
    def awaits_call_out(self) -> bool:
        """In response status (tanggap darurat) and no Tagana called out yet."""
        return self.status is DisasterStatus.TANGGAP_DARURAT and self.called_out_at is None

    @property
    def provinces(self) -> tuple[str, ...]:
        """The provinces touched, as far as a call-out may widen."""
        return tuple(dict.fromkeys(r[:2] for r in self.affected_regions))

    @property
    def regencies(self) -> tuple[str, ...]:
        """The affected regencies (from regency, district or village codes)."""
        return tuple(dict.fromkeys(r[:5] for r in self.affected_regions if len(r) >= 5))

    @property
    def whole_provinces(self) -> tuple[str, ...]:
        """Provinces declared as a whole."""
        return tuple(r for r in self.affected_regions if len(r) == 2)

    @property
    def region(self) -> str:
        """The narrowest region holding every affected region ("" when provinces differ)."""
        common: list[str] = []
        for level in zip(*(r.split(".") for r in self.affected_regions), strict=False):
            if len(set(level)) != 1:
                break
            common.append(level[0])
        return ".".join(common)

    def is_nearby(self, region: str) -> bool:
        """A person of ``region`` lives in an affected regency (or affected whole province)."""
        return region[:5] in self.regencies or region[:2] in self.whole_provinces

    def report_to(self, region: str, turn: int = 0) -> str:
        """The affected region a person of ``region`` serves: their own, else the nearest one.

        When several are equally near, ``turn`` spreads people over them.
        """
        inside = [a for a in self.affected_regions if region == a or region.startswith(a + ".")]
        if inside:
            return max(inside, key=len)
        same_regency = [a for a in self.affected_regions if len(a) >= 5 and a[:5] == region[:5]]
        same_province = [a for a in self.affected_regions if a[:2] == region[:2]]
        options = same_regency or same_province or list(self.affected_regions)
        return options[turn % len(options)]


def declare(
    disaster_id: UUID, status: DisasterStatus, affected_regions: Sequence[str], declared_on: date
) -> Disaster:
    """Remember a declaration, in whichever stage it was declared."""
    return Disaster(disaster_id, status, tuple(dict.fromkeys(affected_regions)), declared_on)


def change_stage(disaster: Disaster, status: DisasterStatus) -> Disaster:
    """The disaster in a later emergency stage; a stage already passed is stale news, ignored."""
    if STAGES.index(status) <= STAGES.index(disaster.status):
        return disaster
    return replace(disaster, status=status, version=disaster.version + 1)


@dataclass(frozen=True)
class CallOut:
    """The outcome of a call-out: the deployments and what to announce."""

    disaster: Disaster
    deployments: tuple[Deployment, ...]
    deployed: tuple[VolunteerDeployed, ...]
    mobilized: VolunteersMobilized
    widened: bool


def eligible_tagana(
    disaster: Disaster, candidates: Sequence[Volunteer], *, deployed: Collection[UUID], on: date
) -> list[Volunteer]:
    """Active, verified Tagana of the affected provinces with valid membership, not yet sent."""
    provinces = set(disaster.provinces)
    return [
        v
        for v in candidates
        if v.psks_type == TAGANA
        and v.id not in deployed
        and v.region[:2] in provinces
        and is_eligible(v, on, scheme=TAGANA_SCHEME)
    ]


def select_tagana(
    disaster: Disaster,
    candidates: Sequence[Volunteer],
    *,
    deployed: Collection[UUID],
    on: date,
    minimum: int,
) -> tuple[list[Volunteer], bool]:
    """Those of the affected regencies; the whole province when fewer than ``minimum``."""
    eligible = eligible_tagana(disaster, candidates, deployed=deployed, on=on)
    eligible.sort(key=lambda v: (not disaster.is_nearby(v.region), v.id))
    nearby = [v for v in eligible if disaster.is_nearby(v.region)]
    if len(nearby) >= minimum:
        return nearby, False
    return eligible, len(eligible) > len(nearby)


def skills(volunteer: Volunteer) -> tuple[DeploymentTask, ...]:
    """The response tasks a person has a competency for."""
    return tuple(t for t in TASKS if t.value in volunteer.competencies)


def assign_tasks(volunteers: Sequence[Volunteer]) -> dict[UUID, DeploymentTask]:
    """Balanced round-robin over the tasks, honouring competencies where balance allows.

    People with competencies (the most specialised first) take a matching task while it is under
    an even share; everyone else fills the least-staffed task. Task sizes differ by at most one.
    """
    share = len(volunteers) // len(TASKS)
    staffed = dict.fromkeys(TASKS, 0)
    assigned: dict[UUID, DeploymentTask] = {}
    for v in sorted((v for v in volunteers if skills(v)), key=lambda v: (len(skills(v)), v.id)):
        open_tasks = [t for t in skills(v) if staffed[t] < share]
        if open_tasks:
            task = min(open_tasks, key=lambda t: staffed[t])
            assigned[v.id], staffed[task] = task, staffed[task] + 1
    for v in volunteers:
        if v.id not in assigned:
            fewest = min(staffed.values())
            options = [t for t in TASKS if staffed[t] == fewest]
            task = next((t for t in options if t in skills(v)), options[0])
            assigned[v.id], staffed[task] = task, staffed[task] + 1
    return assigned


def call_out(
    disaster: Disaster,
    candidates: Sequence[Volunteer],
    *,
    deployed: Collection[UUID],
    on: date,
    minimum: int,
    now: datetime,
    new_id: Callable[[], UUID],
) -> CallOut:
    """Deploy the Tagana eligible ``on`` the day, with balanced tasks; announce each, and all."""
    chosen, widened = select_tagana(disaster, candidates, deployed=deployed, on=on, minimum=minimum)
    tasks = assign_tasks(chosen)
    deployments = tuple(
        Deployment(
            id=new_id(),
            disaster_id=disaster.id,
            volunteer_id=v.id,
            volunteer_region=v.region,
            task=tasks[v.id],
            report_to_region=disaster.report_to(v.region, turn),
            deployed_at=now,
        )
        for turn, v in enumerate(chosen)
    )
    done = replace(disaster, called_out_at=now, version=disaster.version + 1)
    announced = tuple(deployed_event(d) for d in deployments)
    return CallOut(done, deployments, announced, mobilized(disaster, deployments), widened)


def mobilized(disaster: Disaster, deployments: Sequence[Deployment]) -> VolunteersMobilized:
    """How many Tagana a disaster mobilised, counted by the regency they come from."""
    by_regency = Counter(d.volunteer_region[:5] for d in deployments)
    return VolunteersMobilized(
        disaster_id=disaster.id,
        region=disaster.region,
        volunteer_count=len(deployments),
        by_regency=dict(sorted(by_regency.items())),
    )


def replacement(
    disaster: Disaster,
    declined: Deployment,
    candidates: Sequence[Volunteer],
    *,
    deployed: Collection[UUID],
    on: date,
    deployment_id: UUID,
    now: datetime,
) -> Deployment | None:
    """The next eligible Tagana for a declined task: nearby first, then those competent in it."""
    if disaster.status is not DisasterStatus.TANGGAP_DARURAT:
        return None  # the response is over: nobody new is sent
    eligible = eligible_tagana(disaster, candidates, deployed=deployed, on=on)
    if not eligible:
        return None
    task = declined.task
    best = min(
        eligible, key=lambda v: (not disaster.is_nearby(v.region), task not in skills(v), v.id)
    )
    return Deployment(
        id=deployment_id,
        disaster_id=disaster.id,
        volunteer_id=best.id,
        volunteer_region=best.region,
        task=task,
        report_to_region=declined.report_to_region,
        deployed_at=now,
        replaces=declined.id,
    )
