"""Kept figures (a day's snapshot plus the rows touched since) equal the figures counted whole.

So do the trends, whose daily counts are kept.

A random week of a province's social welfare is applied as it happens, with some events held
back and delivered late (after the snapshots they change were kept) or twice; at each step every
counted figure is read both ways, at moments of that day and of the days before.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_analytics.api.access import end_of_day
from pilar_analytics.app import MIGRATIONS
from pilar_analytics.domain.indicators import MEDIAN, P90, quantile
from pilar_analytics.domain.regions import row_level
from pilar_analytics.settings import AnalyticsSettings
from pilar_analytics.store import activity, cases, figures, psks, trend
from pilar_analytics.store.snapshots import (
    KEPT_DAYS,
    LAG,
    SKEW,
    counted,
    day_start,
    forget_since,
    prune,
)
from pilar_analytics.store.snapshots import snapshots as kept_rows
from pilar_analytics.store.stats import Ranked, Ranking, kept_order_statistics, order_statistics
from pilar_analytics.store.tables import Base
from pilar_analytics.watch import Watch
from pilar_contracts import Outgoing
from pilar_contracts.events.fields import VolunteerStatus
from pilar_kit.runtime import Runtime
from tests.integration.test_analytics_store import applied
from tests.unit.test_analytics_story import T0, Story

PLACES = ("33.71.01.1003", "33.71.02.1001", "33.08.01.2001", "35.78.01.1001")
REGIONS = ("", "33", "33.71", "35.78")
TYPES = ("PSKS-02", "PSKS-02", "PSKS-03", "PSKS-11")


def week(seed: int) -> Story:
    """A week of people registered and leaving, certificates running out, cases worked."""
    chance, story = random.Random(seed), Story()
    people: list[tuple[UUID, str]] = []
    open_cases: list[tuple[UUID, str, UUID | None, UUID | None]] = []
    while story.now < T0 + timedelta(days=7):
        story.later(hours=chance.uniform(0.2, 5))
        place, roll = chance.choice(PLACES), chance.random()
        if roll < 0.25 or not people:
            until = date.fromordinal(story.now.date().toordinal() + chance.randrange(1, 9))
            who = story.volunteer(place, chance.choice(TYPES), valid_until=until)
            people.append((who, place))
        elif roll < 0.32:
            who, where = chance.choice(people)
            status = chance.choice([VolunteerStatus.INACTIVE, VolunteerStatus.ACTIVE])
            story.status(who, where, status)
        elif roll < 0.36:
            story.institution(place[:8])
        elif roll < 0.6 or not open_cases:
            category = f"PMKS-0{chance.randrange(1, 4)}"
            open_cases.append((story.case(place, category), place, None, None))
        else:
            _work_on(story, chance, people, open_cases)
    return story


def _work_on(
    story: Story,
    chance: random.Random,
    people: list[tuple[UUID, str]],
    open_cases: list[tuple[UUID, str, UUID | None, UUID | None]],
) -> None:
    """The next step of a random open case: referred, answered, completed or closed."""
    index = chance.randrange(len(open_cases))
    case, place, referral, pillar = open_cases[index]
    if referral is None:
        pillar = chance.choice(people)[0]
        open_cases[index] = (case, place, story.refer(case, place, pillar), pillar)
    elif pillar is not None and chance.random() < 0.7:
        if chance.random() < 0.2:
            story.decline(referral, case, place, pillar)
            open_cases[index] = (case, place, None, None)
        else:
            story.accept(referral, case, place, pillar)
            open_cases[index] = (case, place, referral, None)
    else:
        if pillar is None:
            story.complete(referral, case, place)
        story.close(case, place)
        open_cases.pop(index)


async def counted_whole(session: AsyncSession, at: datetime, region: str) -> dict[str, object]:
    """Every counted figure of a region, each query over all the rows."""
    level = row_level(region)
    return {
        "psks": await psks.psks_counts(session, at, region, level),
        "cases": sorted(await cases.open_cases(session, at, region, level)),
        "open": await cases.open_per_region(session, at, region, level),
        "funnel": await cases.funnel(session, at, region),
        "psm": await activity.active_psm(session, at, region, level),
        "psm_done": await activity.completed_by_psm(session, at, region, level),
        **{
            name: spreads(await order_statistics(session, *ranking(at, None), percents), percents)
            for name, (ranking, percents) in rankings(region).items()
        },
    }


async def read_kept(session: AsyncSession, at: datetime, region: str) -> dict[str, object]:
    """The same figures as the indicators read them: kept per day."""
    level = row_level(region)
    out: dict[str, object] = {
        "psks": await figures.psks_counts(session, at, region, level),
        "cases": sorted(await figures.open_cases(session, at, region, level)),
        "open": await figures.open_per_region(session, at, region, level),
        "funnel": await figures.funnel(session, at, region),
        "psm": await figures.active_psm(session, at, region, level),
        "psm_done": await figures.completed_by_psm(session, at, region, level),
    }
    for name, (ranking, percents) in rankings(region).items():
        # two values either side: windows small enough for a day's moves to shift them out
        found = await kept_order_statistics(session, name, region, at, ranking, percents, 2)
        out[name] = spreads(found, percents)
    return out


def rankings(region: str) -> dict[str, tuple[Ranking, tuple[int, ...]]]:
    """The ranked figures of a region, with their percentiles."""
    return {
        "accept": (cases.durations(region, "accept"), (MEDIAN, P90)),
        "complete": (cases.durations(region, "complete"), (MEDIAN, P90)),
        "service": (activity.service_starts(region, row_level(region)), (MEDIAN,)),
    }


def spreads(ranked: Ranked, percents: Sequence[int]) -> dict[object, list[float | None]]:
    """The percentiles of each partition, moments as POSIX seconds."""
    out: dict[object, list[float | None]] = {}
    for part, (count, values) in ranked.items():
        numbers = {
            rank: v.timestamp() if isinstance(v, datetime) else v for rank, v in values.items()
        }
        out[part] = [quantile(numbers, count, p) for p in percents]
    return out


async def trend_whole(
    session: AsyncSession, region: str, moments: Sequence[datetime]
) -> list[list[int]]:
    """Open cases, completed referrals and active PSKS of a region at each moment."""
    level, out = row_level(region), []
    for at in moments:
        opened = await cases.open_per_region(session, at, region, level)
        done = await cases.funnel(session, at, region)
        active = psks.totals(await psks.psks_counts(session, at, region, level))
        out.append([sum(opened.values()), done["completed"], sum(a for a, _ in active.values())])
    return out


async def trend_kept(
    session: AsyncSession, region: str, moments: Sequence[datetime]
) -> list[list[int]]:
    """The same series as the trends count them: per day, kept."""
    series = [
        await trend.open_cases(session, region, moments),
        await trend.completed(session, region, moments),
        await trend.psks_active(session, region, moments),
    ]
    return [list(point) for point in zip(*series, strict=True)]


async def compare(sessions: async_sessionmaker[AsyncSession], moments: Sequence[datetime]) -> int:
    """Read every figure both ways at each moment; return how many snapshots are kept."""
    async with sessions() as session, session.begin():
        for at in moments:
            days = [min(end_of_day(at.date() - timedelta(days=back)), at) for back in (2, 1, 0)]
            for region in REGIONS:
                whole = await counted_whole(session, at, region)
                assert await read_kept(session, at, region) == whole, (at, region)
                series = await trend_whole(session, region, days)
                assert await trend_kept(session, region, days) == series, (at, region)
        kept = await session.execute(select(func.count()).select_from(kept_rows))
        return kept.scalar_one()


async def kept_boundaries(sessions: async_sessionmaker[AsyncSession]) -> set[datetime]:
    """The boundaries of the snapshots kept now."""
    async with sessions() as session:
        return set((await session.execute(select(kept_rows.c.boundary))).scalars())


@pytest.mark.parametrize("seed", [3])
async def test_kept_figures_equal_the_figures_counted_whole_through_a_week(
    sessions: async_sessionmaker[AsyncSession], seed: int
) -> None:
    chance = random.Random(seed)
    told = week(seed).told
    late = set(chance.sample(range(len(told)), len(told) // 12))
    on_time = [event for index, event in enumerate(told) if index not in late]
    held = [told[index] for index in sorted(late)]
    step, applied_up_to = timedelta(hours=19), 0
    clock = T0 + step
    while applied_up_to < len(on_time):
        now = [e for e in on_time[applied_up_to:] if e.envelope.time <= clock]
        await applied(sessions, now + chance.sample(now, len(now) // 5))
        applied_up_to += len(now)
        moments = [clock, clock - timedelta(hours=5), day_start(clock) - timedelta(minutes=1)]
        assert await compare(sessions, moments) > 0
        clock += step
    before = await kept_boundaries(sessions)
    earliest = await _deliver_late(sessions, held)
    assert any(b >= earliest for b in before)
    assert await kept_boundaries(sessions) == {b for b in before if b < earliest}
    days = [T0 + timedelta(days=d, hours=3 if d % 2 else 20) for d in range(8)]
    assert await compare(sessions, days) > 0


async def _deliver_late(
    sessions: async_sessionmaker[AsyncSession], held: Sequence[Outgoing]
) -> datetime:
    """Apply the held-back events (the snapshots from their time on are forgotten)."""
    await applied(sessions, held)
    return min(event.envelope.time for event in held)


async def test_only_events_from_before_a_kept_boundary_forget_snapshots(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    today = day_start(now)
    days = {today - timedelta(days=2), today - timedelta(days=1), today}
    await keep(sessions, days)
    async with sessions() as session, session.begin():
        await forget_since(session, [now - timedelta(hours=1)], now)
    assert await kept_boundaries(sessions) == days
    async with sessions() as session, session.begin():
        await forget_since(session, [now, today - timedelta(hours=3)], now)
    assert await kept_boundaries(sessions) == days - {today}
    # just after midnight, a writer whose clock runs behind the readers' still forgets today's
    await keep(sessions, {today})
    async with sessions() as session, session.begin():
        await forget_since(session, [today - timedelta(seconds=1)], today + LAG - SKEW)
    assert await kept_boundaries(sessions) == days - {today}


async def keep(sessions: async_sessionmaker[AsyncSession], boundaries: set[datetime]) -> None:
    """Keep a snapshot of one figure at each boundary."""
    async with sessions() as session, session.begin():
        for boundary in boundaries:
            row = {"figure": "f", "region": "", "boundary": boundary, "body": [[["x"], 1]]}
            await session.execute(kept_rows.insert(), row)


async def test_a_day_is_kept_only_once_it_is_old_enough(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 12, 6, 0, 5, tzinfo=UTC)  # today began less than LAG ago

    async def figure(at: datetime, since: datetime | None) -> dict[tuple[object, ...], int]:
        return {("at",): int(at.timestamp()), ("whole",): int(since is None)}

    async with sessions() as session, session.begin():
        fresh = await counted(session, "f", "", now, figure, now=now)
        older = await counted(session, "f", "", now - timedelta(hours=2), figure, now=now)
    assert fresh == {("at",): int(now.timestamp()), ("whole",): 1}
    # yesterday: kept at its start, then moved by the rows touched since (here: the clock)
    assert older == {("at",): int((now - timedelta(hours=2)).timestamp()), ("whole",): 1}
    assert await kept_boundaries(sessions) == {day_start(now) - timedelta(days=1)}


@pytest.mark.parametrize("isolation", ["READ COMMITTED", "REPEATABLE READ"])
async def test_a_figure_computed_while_snapshots_are_forgotten_is_not_kept(
    sessions: async_sessionmaker[AsyncSession], database_url: str, isolation: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite transactions are serialised (BEGIN IMMEDIATE): no writer meanwhile")
    boundary = day_start(T0)

    async def forgetting(at: datetime, since: datetime | None) -> dict[tuple[object, ...], int]:
        async with sessions() as other, other.begin():  # a late event applied meanwhile
            await forget_since(other, [boundary - timedelta(hours=1)])
        return {("n",): 1}

    async def steady(at: datetime, since: datetime | None) -> dict[tuple[object, ...], int]:
        return {("n",): 2}

    for figure, n, kept in ((forgetting, 1, set()), (steady, 2, {boundary})):
        async with sessions() as session, session.begin():
            await session.connection(execution_options={"isolation_level": isolation})
            assert await counted(session, "f", "", boundary, figure) == {("n",): n}
        assert await kept_boundaries(sessions) == kept


async def test_a_late_event_waiting_for_a_snapshot_being_kept_forgets_it(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite transactions are serialised (BEGIN IMMEDIATE): no writer meanwhile")
    boundary = day_start(T0)

    async def steady(at: datetime, since: datetime | None) -> dict[tuple[object, ...], int]:
        return {("n",): 2}

    async def late_event() -> None:
        async with sessions() as other, other.begin():
            await forget_since(other, [boundary - timedelta(hours=1)])

    async with sessions() as reader, reader.begin():
        await counted(reader, "f", "", boundary, steady)  # kept, the epoch row held FOR SHARE
        writer = asyncio.create_task(late_event())
        await _until_waiting_for_a_lock(sessions)
    await writer  # its snapshot of the database, taken after the wait, holds the kept figure
    assert await kept_boundaries(sessions) == set()


async def _until_waiting_for_a_lock(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Return once some session of this database waits for a row lock (or fail in 10 s)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with sessions() as session:
            if await session.scalar(waiting):
                return
        await asyncio.sleep(0.05)
    pytest.fail("the late event never waited for the snapshot being kept")


async def test_snapshots_of_days_gone_by_are_pruned(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    days = {day_start(now) - timedelta(days=back) for back in (0, 1, KEPT_DAYS, KEPT_DAYS + 1, 30)}
    await keep(sessions, days)
    async with sessions() as session, session.begin():
        assert await prune(session, now) == 2
    oldest = day_start(now) - timedelta(days=KEPT_DAYS)
    assert await kept_boundaries(sessions) == {b for b in days if b >= oldest}


async def test_the_watch_prunes_once_a_day_so_an_older_day_asked_for_stays_kept(
    database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    settings = AnalyticsSettings(database_url=database_url)
    runtime = Runtime(
        service="analytics", settings=settings, metadata=Base.metadata, migrations=MIGRATIONS
    )  # not started: its transactions are all the watch's pruning needs
    watch, morning = Watch(settings), datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    month_ago = day_start(morning) - timedelta(days=30)
    try:
        await keep(sessions, {month_ago})
        await watch.prune(runtime, morning)
        assert await kept_boundaries(sessions) == set()
        await keep(sessions, {month_ago})  # asked for again, counted whole, kept
        await watch.prune(runtime, morning + timedelta(hours=9))
        assert await kept_boundaries(sessions) == {month_ago}  # kept for the rest of the day
        await watch.prune(runtime, morning + timedelta(days=1))
        assert await kept_boundaries(sessions) == set()
    finally:
        await runtime.engine.dispose()
