"""The analytics service against a real nats-server, on SQLite and PostgreSQL.

Real public events go into the streams; the service's consumers apply them; the API answers.
Then: duplicated and reordered deliveries converge, a rebuild gives the same figures, and a
region falling below the coverage target is announced once per crossing.
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import func, select

from pilar_analytics.app import MIGRATIONS, create_app
from pilar_analytics.rebuild import rebuild
from pilar_analytics.settings import AnalyticsSettings
from pilar_analytics.store.tables import CoverageAlertRow, inbox
from pilar_contracts import Outgoing
from pilar_contracts.events.fields import VolunteerStatus
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from pilar_kit.runtime import Runtime
from tests.api.harness import bearer, serving, settings_for
from tests.integration.test_analytics_store import coverage_story, referral_story
from tests.unit.test_analytics_story import Story

NATIONAL = bearer(Role.NATIONAL_OPERATOR)
ENDPOINTS = ("coverage", "psks", "cases", "referrals", "disasters", "psm-activity")


@pytest.fixture
def analytics_settings(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AnalyticsSettings:
    """Analytics on the test's database and NATS, watching often."""
    settings = settings_for(AnalyticsSettings, database_url, nats_server.url, tmp_path)
    return settings.model_copy(update={"watch_seconds": 0.1})


@asynccontextmanager
async def analytics(
    settings: AnalyticsSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """The running analytics service."""
    async with serving(create_app, settings) as running:
        yield running


async def publish(url: str, told: Sequence[Outgoing], *, twice: Sequence[Outgoing] = ()) -> None:
    """Publish events into their streams; ``twice`` again without a message id (stored twice)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await provision(js)
        for item in told:
            await js.publish(item.nats_subject, item.body, headers=item.envelope.headers())
        for item in twice:
            headers = item.envelope.headers()
            del headers["Nats-Msg-Id"]
            await js.publish(item.nats_subject, item.body, headers=headers)
    finally:
        await nc.close()


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60) -> None:
    """Wait until the check holds, or fail."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def metrics_show(http: httpx.AsyncClient, line: str) -> bool:
    """Whether the service's metrics hold a sample line (the watch has looked)."""
    return line in (await http.get("/metrics")).text


async def applied(runtime: Runtime, count: int) -> None:
    """Wait until the consumers have claimed ``count`` distinct events."""

    async def done() -> bool:
        async with runtime.transaction() as session:
            return (await session.scalar(select(func.count()).select_from(inbox))) == count

    await until(done)


async def indicators(http: httpx.AsyncClient, as_of: str) -> dict[str, Any]:
    """Every indicator of the country and of Kota Magelang, as of a moment."""
    out = {}
    for region in ("", "33.71"):
        for name in ENDPOINTS:
            params = {"region": region, "as_of": as_of}
            response = await http.get(f"/indicators/{name}", params=params, headers=NATIONAL)
            assert response.status_code == 200, response.text
            out[f"{name}@{region}"] = response.json()
    trend = {"indicator": "cases_open", "region": "33.71", "as_of": as_of, "days": "10"}
    out["trend"] = (await http.get("/indicators/trend", params=trend, headers=NATIONAL)).json()
    return out


def full_story() -> Story:
    """Coverage, referrals and a disaster, in one story."""
    story, _, _ = referral_story()
    story.told = coverage_story().told + story.told
    tagana = story.volunteer("33.71.01.1003", "PSKS-03")
    disaster = story.later(hours=1).disaster(["33.71"])
    deployment, deployed = story.later(minutes=20).deploy(disaster, tagana, "33.71.01")
    story.acknowledge(deployment, tagana, "33.71")
    story.delivered(deployed, tagana, "33.71")
    return story


async def test_duplicated_and_reordered_deliveries_converge_and_rebuild_gives_the_same_figures(
    analytics_settings: AnalyticsSettings, nats_server: NatsServer
) -> None:
    story = full_story()
    chance = random.Random(5)
    jumbled = chance.sample(story.told, len(story.told))
    again = chance.sample(story.told, 20)
    as_of = (story.now + timedelta(days=1)).isoformat()
    async with analytics(analytics_settings) as (http, runtime):
        await publish(nats_server.url, jumbled, twice=again)
        await applied(runtime, len(story.told))
        live = await indicators(http, as_of)
        minutes = 'pilar_analytics_callout_first_deployment_minutes{province="33"} 20.0'
        await until(lambda: metrics_show(http, minutes))
        metrics = (await http.get("/metrics")).text
    assert 'pilar_analytics_disasters_open{province="33"} 1.0' in metrics
    assert 'pilar_analytics_callout_volunteers_deployed{province="33"} 1.0' in metrics
    assert 'pilar_analytics_callout_volunteers_acknowledged{province="33"} 1.0' in metrics
    rows = {r["region"]: r for r in live["coverage@33.71"]["rows"]}
    assert (rows["33.71.01"]["psks_active"], rows["33.71.01"]["pmks_open"]) == (3, 11)
    assert live["referrals@33.71"]["referred"] == 9
    assert live["disasters@33.71"]["rows"][0]["minutes_to_first_deployment"] == 20.0
    out = io.StringIO()
    in_chunks = analytics_settings.model_copy(update={"rebuild_chunk": 7})  # several in flight
    replayed = await rebuild(in_chunks, MIGRATIONS, out=out)
    assert sum(r.read for r in replayed) == len(story.told) + len(again)
    assert sum(r.applied for r in replayed) == len(story.told)
    assert "analytics-registry:" in out.getvalue()
    async with analytics(analytics_settings) as (http, _):
        assert await indicators(http, as_of) == live


async def test_the_bus_logs_as_the_service_does_without_a_line_per_ended_pull_loop(
    analytics_settings: AnalyticsSettings, nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pilar.bus")  # FastStream's per-batch lines too
    bus = Kept()  # on the logger itself: the service's start sets up the root logger anew
    logging.getLogger("pilar.bus").addHandler(bus)
    story = Story()
    story.volunteer("33.71.01.1003", "PSKS-03")
    try:
        async with analytics(analytics_settings) as (_, runtime):
            await publish(nats_server.url, story.told)
            await applied(runtime, len(story.told))
    finally:
        logging.getLogger("pilar.bus").removeHandler(bus)
    said = [record.getMessage() for record in bus.records]
    assert "Received" in said
    assert not [line for line in said if "is being executed" in line]


class Kept(logging.Handler):
    """The records a logger handled."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


async def test_a_region_below_target_is_announced_once_per_crossing(
    analytics_settings: AnalyticsSettings, nats_server: NatsServer
) -> None:
    nc = await nats.connect(nats_server.url)
    announced: list[tuple[str, str]] = []

    async def heard(msg: Any) -> None:
        announced.append((msg.headers["ce-region"], msg.headers["ce-type"]))

    surabaya = "35.78.01.1001"
    story = Story()
    async with analytics(analytics_settings) as (http, runtime):
        await nc.subscribe("pilar.analytics.>", cb=heard)
        story.case(surabaya)
        await publish(nats_server.url, story.told[-1:])
        await until(lambda: alert_is(runtime, "35.78", below=True))
        story.case(surabaya)  # still below: nothing new to announce
        await publish(nats_server.url, story.told[-1:])
        await applied(runtime, 2)
        pillar = story.volunteer(surabaya)  # 1 PSKS for 2 cases: still below
        story.volunteer(surabaya)  # 2 for 2: recovered
        await publish(nats_server.url, story.told[-6:])
        await until(lambda: alert_is(runtime, "35.78", below=False))
        story.status(pillar, surabaya, VolunteerStatus.INACTIVE)  # 1 for 2: below again
        await publish(nats_server.url, story.told[-1:])
        await until(lambda: alert_is(runtime, "35.78", below=True))
        await until(lambda: heard_twice(announced, "35.78"))
        metrics = (await http.get("/metrics")).text
    await nc.close()
    assert _count(announced, "35") == 2
    assert {kind for _, kind in announced} == {"pilar.analytics.indicator.threshold_crossed.v1"}
    assert 'pilar_analytics_coverage_ratio{province="35"} 0.5' in metrics
    assert 'pilar_analytics_cases_open{province="35"} 2.0' in metrics


async def heard_twice(announced: list[tuple[str, str]], region: str) -> bool:
    """Whether a region's fall below target was heard twice."""
    return _count(announced, region) == 2


def _count(announced: list[tuple[str, str]], region: str) -> int:
    return sum(1 for where, _ in announced if where == region)


async def alert_is(runtime: Runtime, region: str, *, below: bool) -> bool:
    """Whether the watch has recorded a region on that side of the target."""
    async with runtime.transaction() as session:
        found = await session.get(CoverageAlertRow, region)
    return found is not None and found.below is below
