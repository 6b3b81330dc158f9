"""Tagana call-out rules, without I/O: who is sent, with which task, reporting where."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import count
from uuid import UUID, uuid4

import pytest

from pilar_contracts.events.fields import DeploymentTask, DisasterStatus, VolunteerStatus
from pilar_registry.domain import (
    Certification,
    Contact,
    RegistryRuleBroken,
    Verification,
    Volunteer,
)
from pilar_registry.domain.callout import (
    Disaster,
    assign_tasks,
    call_out,
    change_stage,
    declare,
    replacement,
    select_tagana,
)
from pilar_registry.domain.deployments import (
    Deployment,
    DeploymentStatus,
    acknowledge,
    decline,
    replaced_by,
)

DECLARED_ON = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
MAGELANG = "33.71.01.1003"  # Kota Magelang, Jawa Tengah
SEMARANG = "33.74.01.1001"  # Kota Semarang, same province
BANDUNG = "32.73.01.1001"  # Kota Bandung, Jawa Barat
FLOOD = declare(uuid4(), DisasterStatus.TANGGAP_DARURAT, ["33.71"], DECLARED_ON)
_serial = count(1)


def tagana(
    region: str = MAGELANG,
    *,
    competencies: tuple[str, ...] = (),
    status: VolunteerStatus = VolunteerStatus.ACTIVE,
    verification: Verification = Verification.VERIFIED,
    valid_until: date | None = None,
    revoked: bool = False,
    scheme: str = "TAGANA",
    psks_type: str = "PSKS-03",
) -> Volunteer:
    serial = next(_serial)
    membership = Certification(
        uuid4(),
        scheme,
        "MUDA",
        f"TGN-{serial}",
        date(2026, 1, 1),
        valid_until,
        revoked_at=NOW - timedelta(days=1) if revoked else None,
    )
    return Volunteer(
        id=UUID(int=serial),  # ordered like the UUIDv7 ids of the registry
        psks_type=psks_type,
        region=region,
        nik=f"33710115089{serial:05d}",
        contact=Contact(f"Relawan Rahasia {serial}", phone="+628111"),
        registered_at=NOW,
        registered_by="maker",
        competencies=competencies,
        status=status,
        verification=verification,
        certifications=(membership,),
    )


def ids(volunteers: list[Volunteer]) -> list[UUID]:
    return [v.id for v in volunteers]


def test_only_active_verified_tagana_with_valid_membership_are_called() -> None:
    good = tagana()
    already_sent = tagana()
    others = [
        tagana(status=VolunteerStatus.ON_LEAVE),
        tagana(status=VolunteerStatus.SUSPENDED),
        tagana(status=VolunteerStatus.INACTIVE),
        tagana(verification=Verification.PENDING),
        tagana(valid_until=DECLARED_ON - timedelta(days=1)),
        tagana(revoked=True),
        tagana(scheme="PSM"),
        tagana(psks_type="PSKS-02"),
    ]
    chosen, _ = select_tagana(
        FLOOD, [good, already_sent, *others], deployed={already_sent.id}, on=DECLARED_ON, minimum=1
    )
    assert ids(chosen) == [good.id]


def test_membership_valid_on_its_last_day_still_counts() -> None:
    last_day = tagana(valid_until=DECLARED_ON)
    chosen, _ = select_tagana(FLOOD, [last_day], deployed=set(), on=DECLARED_ON, minimum=1)
    assert ids(chosen) == [last_day.id]


def test_the_affected_regencies_are_enough_when_they_reach_the_minimum() -> None:
    local = [tagana(), tagana()]
    province = [tagana(SEMARANG)]
    chosen, widened = select_tagana(
        FLOOD, [*province, *local], deployed=set(), on=DECLARED_ON, minimum=2
    )
    assert (ids(chosen), widened) == (ids(local), False)


def test_too_few_nearby_widens_to_the_province_but_never_beyond() -> None:
    local, province, elsewhere = [tagana()], [tagana(SEMARANG), tagana(SEMARANG)], [tagana(BANDUNG)]
    chosen, widened = select_tagana(
        FLOOD, [*elsewhere, *province, *local], deployed=set(), on=DECLARED_ON, minimum=3
    )
    assert (ids(chosen), widened) == (ids(local) + ids(province), True)


def test_tasks_are_spread_evenly_over_the_five_tagana_tasks() -> None:
    tasks = assign_tasks([tagana() for _ in range(23)])
    sizes = Counter(tasks.values())
    assert set(sizes) == set(DeploymentTask)
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_a_competency_decides_the_task_while_balance_allows() -> None:
    counsellors = [tagana(competencies=("psychosocial_support",)) for _ in range(2)]
    cooks = [tagana(competencies=("dapur_umum", "first_aid")) for _ in range(2)]
    rest = [tagana() for _ in range(6)]
    tasks = assign_tasks([*rest, *cooks, *counsellors])
    assert {tasks[v.id] for v in counsellors} == {DeploymentTask.PSYCHOSOCIAL_SUPPORT}
    assert {tasks[v.id] for v in cooks} == {DeploymentTask.DAPUR_UMUM}
    assert set(Counter(tasks.values()).values()) == {2}


def test_balance_wins_when_everyone_has_the_same_competency() -> None:
    cooks = [tagana(competencies=("dapur_umum",)) for _ in range(10)]
    sizes = Counter(assign_tasks(cooks).values())
    assert sizes == dict.fromkeys(DeploymentTask, 2)


def test_each_reports_to_the_affected_region_they_serve() -> None:
    disaster = declare(uuid4(), DisasterStatus.TANGGAP_DARURAT, ["33.71.01", "33.72"], DECLARED_ON)
    assert disaster.report_to("33.71.01.1003") == "33.71.01"
    assert disaster.report_to("33.71.02.1001") == "33.71.01"  # same regency
    assert disaster.report_to("33.72.05.2001") == "33.72"
    assert {disaster.report_to(SEMARANG, turn) for turn in range(2)} == {"33.71.01", "33.72"}
    assert disaster.region == "33"


def test_call_out_announces_each_deployment_and_the_mobilisation() -> None:
    local, province = [tagana() for _ in range(3)], [tagana(SEMARANG) for _ in range(2)]
    plan = call_out(
        FLOOD,
        [*local, *province],
        deployed=set(),
        on=DECLARED_ON,
        minimum=5,
        now=NOW,
        new_id=uuid4,
    )
    assert plan.widened
    assert plan.disaster.called_out_at == NOW
    assert not plan.disaster.awaits_call_out
    assert [e.volunteer_id for e in plan.deployed] == ids(local) + ids(province)
    assert {e.report_to_region for e in plan.deployed} == {"33.71"}
    assert [e.deployment_id for e in plan.deployed] == [d.id for d in plan.deployments]
    assert (plan.mobilized.volunteer_count, plan.mobilized.region) == (5, "33.71")
    assert plan.mobilized.by_regency == {"33.71": 3, "33.74": 2}
    published = "".join(e.model_dump_json() for e in [*plan.deployed, plan.mobilized])
    assert "Rahasia" not in published
    assert local[0].nik not in published


def test_a_call_out_with_nobody_eligible_still_tells_who_was_mobilized() -> None:
    plan = call_out(FLOOD, [], deployed=set(), on=DECLARED_ON, minimum=5, now=NOW, new_id=uuid4)
    assert (plan.deployments, plan.mobilized.volunteer_count) == ((), 0)


def test_stages_only_move_forward_and_response_awaits_one_call_out() -> None:
    siaga = declare(uuid4(), DisasterStatus.SIAGA_DARURAT, ["33.71"], DECLARED_ON)
    assert not siaga.awaits_call_out
    response = change_stage(siaga, DisasterStatus.TANGGAP_DARURAT)
    assert response.awaits_call_out
    assert change_stage(response, DisasterStatus.SIAGA_DARURAT) is response  # stale news
    assert not replace(response, called_out_at=NOW).awaits_call_out


def deploy(volunteer: Volunteer) -> Deployment:
    plan = call_out(
        FLOOD, [volunteer], deployed=set(), on=DECLARED_ON, minimum=1, now=NOW, new_id=uuid4
    )
    return plan.deployments[0]


def successor_of(
    declined: Deployment, candidates: list[Volunteer], sent: set[UUID], disaster: Disaster = FLOOD
) -> Deployment | None:
    return replacement(
        disaster,
        declined,
        candidates,
        deployed=sent,
        on=DECLARED_ON,
        deployment_id=uuid4(),
        now=NOW,
    )


def test_a_deployment_is_answered_once() -> None:
    deployment = deploy(tagana())
    acknowledged, event = acknowledge(deployment, now=NOW)
    assert acknowledged.status is DeploymentStatus.ACKNOWLEDGED
    assert event.deployment_id == deployment.id
    declined, declined_event = decline(deployment, reason_code="sakit", now=NOW)
    assert (declined.status, declined_event.reason_code) == (DeploymentStatus.DECLINED, "sakit")
    for answered in (acknowledged, declined):
        with pytest.raises(RegistryRuleBroken) as refused:
            decline(answered, reason_code=None, now=NOW)
        assert refused.value.code == "already_answered"


def test_a_replacement_takes_the_same_task_nearby_first_then_the_competent() -> None:
    first = tagana()
    declined, _ = decline(deploy(first), reason_code=None, now=NOW)
    far_cook = tagana(SEMARANG, competencies=(declined.task.value,))
    near, near_cook = tagana(), tagana(competencies=(declined.task.value,))
    successor = successor_of(declined, [far_cook, near, near_cook, first], {first.id})
    assert successor is not None
    assert (successor.volunteer_id, successor.task) == (near_cook.id, declined.task)
    assert (successor.replaces, successor.report_to_region) == (declined.id, "33.71")
    assert replaced_by(declined, successor).status is DeploymentStatus.REPLACED
    without_nearby = successor_of(declined, [far_cook], {first.id})
    assert without_nearby is not None
    assert without_nearby.volunteer_id == far_cook.id


def test_no_replacement_when_nobody_is_left_or_the_response_is_over() -> None:
    first = tagana()
    declined, _ = decline(deploy(first), reason_code=None, now=NOW)
    assert successor_of(declined, [first], {first.id}) is None
    over = change_stage(FLOOD, DisasterStatus.TRANSISI_DARURAT)
    assert successor_of(declined, [tagana()], {first.id}, over) is None
