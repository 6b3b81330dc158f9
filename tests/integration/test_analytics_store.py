"""Read models and indicator queries on SQLite and PostgreSQL: figures now and as of the past."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import literal
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_analytics.domain.indicators import percentile
from pilar_analytics.handlers import ROUTERS
from pilar_analytics.indicators import cases, coverage, response, trend
from pilar_analytics.projections import project
from pilar_analytics.rebuild import empty
from pilar_analytics.store.cases import referrals
from pilar_analytics.store.stats import order_statistics
from pilar_analytics.store.trend import psks_active as active_trend
from pilar_contracts import Outgoing
from pilar_contracts.events import cases as c
from pilar_contracts.events import registry as r
from pilar_contracts.events.fields import VolunteerStatus
from tests.unit.test_analytics_story import T0, Story, deliveries

VILLAGE = "33.71.01.1003"  # Kota Magelang, Magelang Selatan
OTHER_VILLAGE = "33.71.02.1001"


async def applied(
    sessions: async_sessionmaker[AsyncSession], told: Sequence[Outgoing], batch: int = 50
) -> None:
    """Project the events in batches, as the consumers do."""
    items = deliveries(told)
    for start in range(0, len(items), batch):
        async with sessions() as session, session.begin():
            await project(items[start : start + batch], session)


def coverage_story() -> Story:
    """Magelang: three PSM and an LKS; cases opened over a week, one closed; one PSM leaves."""
    story = Story()
    psm = [story.volunteer(VILLAGE) for _ in range(2)]
    story.volunteer(OTHER_VILLAGE, verify=True, certify=False)
    story.institution("33.71.02")
    story.later(days=1)
    opened = [story.case(VILLAGE, "PMKS-01") for _ in range(3)]
    story.case(OTHER_VILLAGE, "PMKS-09")
    story.later(days=2).close(opened[0], VILLAGE)
    story.later(days=2).status(psm[0], VILLAGE, VolunteerStatus.INACTIVE)
    story.case("35.78.01.1001", "PMKS-01")  # Surabaya: no PSKS at all
    return story


async def test_coverage_now_and_as_of_a_past_moment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story = coverage_story()
    await applied(sessions, story.told)
    async with sessions() as session:
        now = await coverage.coverage_rows(session, T0 + timedelta(days=10), "33.71", 1.0)
        before = await coverage.coverage_rows(session, T0 + timedelta(days=2), "33.71", 1.0)
        national = await coverage.coverage_rows(session, T0 + timedelta(days=10), "", 1.0)
    figures = {r.region: (r.psks_active, r.psks_certified, r.pmks_open) for r in now}
    assert figures["33.71.01"] == (1, 1, 2)
    assert figures["33.71.02"] == (2, 0, 1)
    assert now[0].region == "33.71.01"  # the only one below target comes first
    earlier = {r.region: (r.psks_active, r.psks_certified, r.pmks_open) for r in before}
    assert earlier["33.71.01"] == (2, 2, 3)
    provinces = {r.region: (r.psks_active, r.pmks_open) for r in national}
    assert provinces["33"] == (3, 3)
    assert provinces["35"] == (0, 1)
    assert national[0].region == "35"
    assert len(national) == 38


async def test_psks_by_type_and_cases_by_category_and_stage(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story = coverage_story()
    pillar = story.volunteer(VILLAGE, "PSKS-03")
    case = story.case(VILLAGE, "PMKS-02")
    story.refer(case, VILLAGE, pillar)
    await applied(sessions, story.told)
    at = story.now + timedelta(hours=1)
    async with sessions() as session:
        types = await coverage.psks_by_type(session, at, "33")
        rows = {r.region: r for r in await cases.case_rows(session, at, "33.71")}
    assert types["33.71"] == {"PSKS-02": (2, 1), "PSKS-03": (1, 1), "PSKS-04": (1, 0)}
    district = rows["33.71.01"]
    assert district.open == 3
    assert district.by_category == {"PMKS-01": 2, "PMKS-02": 1}
    assert district.by_stage == {"pendekatan_awal": 2, "rujukan": 1}


def referral_story(count: int = 9) -> tuple[Story, list[float], list[float]]:
    """Referrals answered after 1..n hours and completed a day later (one declined)."""
    story = Story()
    pillar = story.volunteer(VILLAGE)
    accept, complete = [], []
    for index in range(count):
        case = story.later(hours=1).case(VILLAGE)
        referral = story.refer(case, VILLAGE, pillar)
        if index == 0:
            story.later(hours=2).decline(referral, case, VILLAGE, pillar)
            continue
        story.later(hours=index).accept(referral, case, VILLAGE, pillar)
        accept.append(float(index))
        if index % 2:
            story.later(hours=24).complete(referral, case, VILLAGE)
            complete.append(float(index + 24))
    return story, accept, complete


async def test_referral_funnel_with_median_and_p90_times(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story, accept, complete = referral_story()
    await applied(sessions, story.told)
    async with sessions() as session:
        funnel = await cases.referral_funnel(session, story.now, "33.71")
        elsewhere = await cases.referral_funnel(session, story.now, "34")
        at_start = await cases.referral_funnel(session, T0, "")
    assert (funnel.referred, funnel.accepted, funnel.declined) == (9, 8, 1)
    assert (funnel.expired, funnel.completed) == (0, 4)
    assert funnel.time_to_accept_hours.median == percentile(accept, 50)
    assert funnel.time_to_accept_hours.p90 == pytest.approx(percentile(accept, 90))
    assert funnel.time_to_complete_hours.median == percentile(complete, 50)
    assert elsewhere.referred == 0
    assert elsewhere.time_to_accept_hours.median is None
    assert at_start.referred == 0


async def test_a_withdrawn_referral_counts_in_the_funnel_as_of_its_withdrawal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story = Story()
    pillar = story.volunteer(VILLAGE)
    case = story.later(hours=1).case(VILLAGE)
    referral = story.refer(case, VILLAGE, pillar)
    withdrawn = c.ReferralWithdrawn(
        referral_id=referral, case_id=case, to_id=pillar, reason_code="consent_withdrawn"
    )
    story.later(hours=3).tell(withdrawn, VILLAGE)
    await applied(sessions, story.told)
    async with sessions() as session:
        before = await cases.referral_funnel(session, story.now - timedelta(hours=1), "33.71")
        after = await cases.referral_funnel(session, story.now, "33.71")
    assert (before.referred, before.withdrawn) == (1, 0)
    assert (after.referred, after.withdrawn, after.accepted, after.declined) == (1, 1, 0, 0)


async def test_an_institution_counts_once_verified_and_while_open(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story = Story()
    lk3 = story.institution(VILLAGE, "PSKS-06", verify=False)
    story.later(days=1).tell(r.InstitutionVerified(institution_id=lk3, verified_by="op"), VILLAGE)
    closed = r.InstitutionStatusChanged(institution_id=lk3, status=VolunteerStatus.SUSPENDED)
    story.later(days=1).tell(closed, VILLAGE)
    await applied(sessions, story.told)
    moments = [T0 + timedelta(hours=12), T0 + timedelta(days=1, hours=12), story.now]
    async with sessions() as session:
        counted = [
            (await coverage.psks_by_type(session, at, "33")).get("33.71", {}).get("PSKS-06")
            for at in moments
        ]
        trended = await active_trend(session, "33.71", moments)
    assert counted == [None, (1, 0), None]
    assert trended == [0, 1, 0]


async def test_psm_activity_and_disaster_response(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story, _, _ = referral_story(5)
    tagana = story.volunteer(VILLAGE, "PSKS-03")
    disaster = story.later(hours=1).disaster(["33.71"])
    deployment, deployed = story.later(minutes=45).deploy(disaster, tagana, "33.71.01")
    story.later(minutes=5).acknowledge(deployment, tagana, "33.71")
    story.delivered(deployed, tagana, "33.71")
    await applied(sessions, story.told)
    at = story.now + timedelta(days=30)
    async with sessions() as session:
        psm = {r.region: r for r in await cases.psm_rows(session, at, "33.71")}
        disasters = await response.disaster_rows(session, at, "33.71.01")
        not_here = await response.disaster_rows(session, at, "34")
    row = psm["33.71.01"]
    assert (row.active_psm, row.referrals_completed, row.referrals_per_psm) == (1, 2, 2.0)
    assert row.median_service_days == pytest.approx((at - T0).total_seconds() / 86400)
    (found,) = disasters
    assert found.disaster_id == str(disaster)
    assert (found.status, found.minutes_to_first_deployment) == ("tanggap_darurat", 45.0)
    assert (found.volunteers_deployed, found.volunteers_acknowledged) == (1, 1)
    assert found.notifications_delivered == 1
    assert not_here == []


async def test_a_trend_point_is_the_figure_as_of_the_end_of_its_day(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story = coverage_story()
    await applied(sessions, story.told)
    now = T0 + timedelta(days=6, hours=1)
    async with sessions() as session:
        points = await trend.points(session, "coverage", "33.71", now, 7)
        opened = await trend.points(session, "cases_open", "33.71", now, 7)
        for point in points:
            day_end = min(datetime.fromisoformat(point.date + "T23:59:59.999999+00:00"), now)
            rows = await coverage.coverage_at(session, day_end, "33.71", "regency")
            (row,) = rows.values() or [None]
            assert point.value == (row.ratio if row else None)
    assert [p.value for p in opened] == [0, 4, 4, 3, 3, 3, 3]


async def test_batches_of_duplicated_reordered_events_give_the_same_figures(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story, _, _ = referral_story()
    told = coverage_story().told + story.told
    await applied(sessions, told)
    async with sessions() as session:
        in_order = await figures(session, story.now)
    chance = random.Random(11)
    jumbled = told + chance.sample(told, len(told) // 2)
    chance.shuffle(jumbled)
    await empty(sessions, ROUTERS)
    await applied(sessions, jumbled, batch=7)
    async with sessions() as session:
        assert await figures(session, story.now) == in_order


async def figures(session: AsyncSession, at: datetime) -> list[object]:
    """Every indicator of the country and of Kota Magelang."""
    out: list[object] = []
    for region in ("", "33.71"):
        out.append(await coverage.coverage_rows(session, at, region, 1.0))
        out.append(await coverage.psks_by_type(session, at, region))
        out.append(await cases.case_rows(session, at, region))
        out.append(await cases.referral_funnel(session, at, region))
        out.append(await cases.psm_rows(session, at, region))
    return out


@pytest.mark.parametrize("days", [2, 4])
async def test_a_trend_counts_what_came_before_its_first_day(
    sessions: async_sessionmaker[AsyncSession], days: int
) -> None:
    story = coverage_story()
    await applied(sessions, story.told)
    now = T0 + timedelta(days=6, hours=1)
    async with sessions() as session:
        opened = await trend.points(session, "cases_open", "33.71", now, days)
        points = await trend.points(session, "coverage", "33.71", now, days)
        rows = await coverage.coverage_at(session, now, "33.71", "regency")
    assert [p.value for p in opened] == [0, 4, 4, 3, 3, 3, 3][-days:]
    assert points[-1].value == rows["33.71"].ratio


async def test_percentiles_of_one_set_read_at_offsets_match_the_window_functions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    story, accept, _ = referral_story()
    await applied(sessions, story.told)
    hours, reached = referrals.c.accept_hours, referrals.c.accepted_at.is_not(None)
    async with sessions() as session:
        whole = await order_statistics(session, hours, [reached, hours.is_not(None)])
        windowed = await order_statistics(
            session, hours, [reached, hours.is_not(None)], partition=literal(0)
        )
        nothing = await order_statistics(session, hours, [hours < 0])
    assert whole == {0: windowed[0]}
    assert whole[0][0] == len(accept)
    assert nothing == {}
