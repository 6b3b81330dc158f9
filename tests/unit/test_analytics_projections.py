"""Each projection folds its events into rows; any order and any duplicates give the same rows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from pilar_analytics.domain.facts import Fact, Record, Row
from pilar_analytics.projections import FACTS, effects
from pilar_contracts import Outgoing
from pilar_contracts.events import ALL_EVENTS
from pilar_contracts.events import registry as r
from pilar_contracts.events.fields import VolunteerStatus
from tests.unit.test_analytics_story import T0, Story, deliveries

Tables = dict[str, dict[Any, Row]]
KEPT_KEYS = {"earthquakes": "report_id"}


def fold_all(told: Sequence[Outgoing]) -> Tables:
    """Apply the effects to in-memory tables, as the store does to SQL ones."""
    tables: Tables = {}
    for effect in effects(deliveries(told)):
        table = tables.setdefault(effect.entity, {})
        if isinstance(effect, Fact):
            table[effect.key] = effect.fold(dict(table.get(effect.key, {})))
        elif isinstance(effect, Record):
            key = effect.row.get(KEPT_KEYS.get(effect.entity, "event_id"))
            table.setdefault(key, effect.row)
    return tables


def shuffled(told: Sequence[Outgoing], seed: int) -> list[Outgoing]:
    """The same events, some twice, in another order."""
    chance = random.Random(seed)
    out = list(told) + chance.sample(list(told), k=len(told) // 2)
    chance.shuffle(out)
    return out


def test_every_public_event_of_the_three_producers_has_a_projection() -> None:
    read = {e for e in ALL_EVENTS if e.kind.producer in ("registry", "cases", "notifications")}
    public = {e for e in read if not e.kind.private}
    assert set(FACTS) == public


def test_a_person_is_registered_verified_and_certified_with_event_times() -> None:
    story = Story()
    who = story.volunteer("33.71.01.1003", verify=False, certify=False)
    story.later(hours=2)
    story.certify(who, "33.71.01.1003")
    rows = fold_all(story.told)
    person = rows["psks_people"][who]
    assert person["registered_at"] == T0
    assert person.get("verified_at") is None
    assert (person["province"], person["regency"], person["district"]) == (
        "33",
        "33.71",
        "33.71.01",
    )
    (certification,) = rows["psks_certifications"].values()
    assert certification["certified_at"] == T0 + timedelta(hours=2)
    assert certification["volunteer_id"] == who


def test_a_certification_ends_at_its_first_end_whatever_the_order() -> None:
    story = Story()
    who = story.volunteer("33.71", certify=False)
    certification = story.certify(who, "33.71")
    story.later(days=3).tell(
        r.CertificationRevoked(
            volunteer_id=who, certification_id=certification, reason_code="fraud"
        ),
        "33.71",
    )
    story.later(days=1).tell(
        r.CertificationExpired(volunteer_id=who, certification_id=certification), "33.71"
    )
    for told in (story.told, list(reversed(story.told))):
        row = fold_all(told)["psks_certifications"][certification]
        assert (row["ended_at"], row["end_reason"]) == (T0 + timedelta(days=3), "revoked")


def test_an_acceptance_before_its_referral_still_gives_the_time_to_accept() -> None:
    story = Story()
    pillar = story.volunteer("33.71.01.1003")
    case = story.case("33.71.01.1003")
    referral = story.later(hours=1).refer(case, "33.71.01.1003", pillar)
    story.later(hours=5).accept(referral, case, "33.71.01.1003", pillar)
    story.later(days=2).complete(referral, case, "33.71.01.1003")
    in_order = fold_all(story.told)
    backwards = fold_all(list(reversed(story.told)))
    assert in_order == backwards
    row = in_order["referrals"][referral]
    assert (row["accept_hours"], row["complete_hours"]) == (5.0, 53.0)
    milestones = in_order["pmks_cases"][case]
    assert milestones["opened_at"] == T0
    assert milestones["accepted_at"] == T0 + timedelta(hours=6)


def test_a_case_closed_before_it_was_seen_opened_keeps_both_times() -> None:
    story = Story()
    case = story.case("35.78.01.1001", "PMKS-05")
    story.later(days=4).close(case, "35.78.01.1001")
    row = fold_all(list(reversed(story.told)))["pmks_cases"][case]
    assert (row["opened_at"], row["closed_at"]) == (T0, T0 + timedelta(days=4))
    assert (row["pmks_category"], row["closing_stage"]) == ("PMKS-05", "terminasi")


def test_status_changes_are_kept_as_dated_facts() -> None:
    story = Story()
    who = story.volunteer("33.71")
    story.later(days=1).status(who, "33.71", VolunteerStatus.SUSPENDED)
    story.later(days=1).status(who, "33.71", VolunteerStatus.ACTIVE)
    facts = sorted(fold_all(story.told)["psks_status_changes"].values(), key=lambda f: f["at"])
    assert [(f["status"], f["at"] - T0) for f in facts] == [
        ("suspended", timedelta(days=1)),
        ("active", timedelta(days=2)),
    ]


def test_disaster_response_rows() -> None:
    story = Story()
    tagana = story.volunteer("33.71.01.1003", "PSKS-03")
    disaster = story.later(hours=1).disaster(["33.71"])
    deployment, deployed = story.later(minutes=30).deploy(disaster, tagana, "33.71.01")
    story.later(minutes=10).acknowledge(deployment, tagana, "33.71")
    story.later(minutes=1).delivered(deployed, tagana, "33.71")
    rows = fold_all(shuffled(story.told, 7))
    assert rows["disasters"][disaster]["regions"] == "33.71"
    team = rows["disaster_deployments"][deployment]
    assert team["deployed_at"] - rows["disasters"][disaster]["declared_at"] == timedelta(minutes=30)
    assert team["deployed_event_id"] == deployed.envelope.id
    assert team["acknowledged_at"] is not None
    (notice,) = rows["notifications"].values()
    assert notice["cause_event_id"] == deployed.envelope.id


def rich_story() -> Story:
    """A bit of everything, with answers that come late and cases that close."""
    story = Story()
    region = "33.71.01.1003"
    pillars = [story.later(minutes=5).volunteer(region) for _ in range(3)]
    story.institution("33.71.02")
    for index, pillar in enumerate(pillars):
        case = story.later(hours=1).case(region, f"PMKS-0{index + 1}")
        referral = story.later(hours=1).refer(case, region, pillar)
        if index == 0:
            story.later(hours=3).decline(referral, case, region, pillar)
        else:
            story.later(hours=index).accept(referral, case, region, pillar)
            story.later(days=index).complete(referral, case, region)
            story.close(case, region)
    story.status(pillars[2], region, VolunteerStatus.ON_LEAVE)
    return story


def test_duplicated_and_reordered_deliveries_converge() -> None:
    story = rich_story()
    expected = fold_all(story.told)
    for seed in range(20):
        assert fold_all(shuffled(story.told, seed)) == expected


def test_ids_of_every_fold_are_the_records_own() -> None:
    rows = fold_all(rich_story().told)
    assert all(isinstance(key, UUID) for table in rows.values() for key in table)
