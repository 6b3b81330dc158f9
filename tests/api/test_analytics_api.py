"""The indicator API: region scoping by role, drill-down, as-of, and clear 4xx answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pilar_analytics.app import create_app
from pilar_analytics.settings import AnalyticsSettings
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from tests.api.harness import bearer, serving, settings_for
from tests.integration.test_analytics_service import applied, publish
from tests.integration.test_analytics_store import coverage_story
from tests.unit.test_analytics_story import T0

REGENCY = bearer(Role.REGENCY_OPERATOR, "33.71")
PROVINCE = bearer(Role.PROVINCIAL_OPERATOR, "33")
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
LATER = (T0 + timedelta(days=10)).isoformat()


@pytest.fixture
async def http(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """Analytics with the coverage story applied."""
    settings = settings_for(AnalyticsSettings, database_url, nats_server.url, tmp_path)
    story = coverage_story()
    async with serving(create_app, settings) as (client, runtime):
        await publish(nats_server.url, story.told)
        await applied(runtime, len(story.told))
        yield client


async def coverage(
    http: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> httpx.Response:
    """GET the coverage indicator."""
    return await http.get("/indicators/coverage", params=params, headers=headers)


async def test_a_regency_operator_sees_the_districts_of_its_own_regency(
    http: httpx.AsyncClient,
) -> None:
    own = await coverage(http, REGENCY, as_of=LATER)
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["level"] == "district"
    assert all(row["region"].startswith("33.71.") for row in body["rows"])
    first = body["rows"][0]
    assert (first["region"], first["name"], first["below_target"]) == (
        "33.71.01",
        "Magelang Selatan",
        True,
    )
    compact = await coverage(http, REGENCY, region="337101", as_of=LATER)
    assert compact.json()["rows"][0]["region"] == "33.71.01"
    for outside in ("33", "33.72", "35", ""):
        refused = await coverage(http, REGENCY, region=outside or "00")
        assert refused.status_code == 403, outside


async def test_a_provincial_operator_sees_its_regencies_and_nothing_beyond(
    http: httpx.AsyncClient,
) -> None:
    own = await coverage(http, PROVINCE, as_of=LATER)
    assert own.json()["level"] == "regency"
    rows = {row["region"]: row for row in own.json()["rows"]}
    assert (rows["33.71"]["psks_active"], rows["33.71"]["pmks_open"]) == (3, 3)
    assert (await coverage(http, PROVINCE, region="33.71")).status_code == 200
    assert (await coverage(http, PROVINCE, region="35.78")).status_code == 403


async def test_national_figures_as_of_a_past_date_and_with_another_target(
    http: httpx.AsyncClient,
) -> None:
    before = await coverage(http, NATIONAL, as_of=(T0 - timedelta(days=1)).date().isoformat())
    assert before.json()["as_of"].startswith((T0 - timedelta(days=1)).date().isoformat())
    assert all(row["psks_active"] == row["pmks_open"] == 0 for row in before.json()["rows"])
    lenient = await coverage(http, NATIONAL, as_of=LATER, target="0.5")
    rows = {row["region"]: row for row in lenient.json()["rows"]}
    assert rows["33"]["ratio"] == 1.0
    assert not rows["33"]["below_target"]
    assert rows["35"]["below_target"]


async def test_a_national_auditor_reads_the_aggregates_of_the_whole_country(
    http: httpx.AsyncClient,
) -> None:
    auditor = bearer(Role.AUDITOR)
    own = await coverage(http, auditor, as_of=LATER)
    assert own.status_code == 200, own.text
    assert own.json() == (await coverage(http, NATIONAL, as_of=LATER)).json()
    for name in ("psks", "cases", "referrals", "disasters", "psm-activity", "trend"):
        response = await http.get(f"/indicators/{name}", params={"region": "33"}, headers=auditor)
        assert response.status_code == 200, (name, response.text)


async def test_every_indicator_answers_for_a_regency(http: httpx.AsyncClient) -> None:
    for name in ("psks", "cases", "referrals", "disasters", "psm-activity", "trend"):
        response = await http.get(f"/indicators/{name}", params={"as_of": LATER}, headers=REGENCY)
        assert response.status_code == 200, (name, response.text)
    trend = await http.get("/indicators/trend", params={"days": 5}, headers=REGENCY)
    assert len(trend.json()["points"]) == 5
    legacy = await http.get("/indicators/certified-volunteers", headers=REGENCY)
    assert legacy.json() == [{"province": "33", "name": "Jawa Tengah", "count": 1}]


async def test_bad_parameters_and_callers_get_a_clear_4xx(http: httpx.AsyncClient) -> None:
    unknown = await coverage(http, NATIONAL, region="99")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_region")
    bad_date = await coverage(http, NATIONAL, as_of="kemarin")
    assert (bad_date.status_code, bad_date.json()["code"]) == (422, "invalid_as_of")
    assert (await coverage(http, NATIONAL, target="-1")).status_code == 422
    assert (await coverage(http, bearer(Role.PSKS, "33.71"))).status_code == 403
    assert (await http.get("/indicators/coverage")).status_code == 401
    days = await http.get("/indicators/trend", params={"days": 0}, headers=NATIONAL)
    assert days.status_code == 422


async def figures_read(http: httpx.AsyncClient) -> dict[tuple[str, str], float]:
    """``pilar_analytics_figures_total`` by figure and outcome, from ``/metrics``."""
    text = (await http.get("/metrics")).text
    return {
        (sample.labels["figure"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "pilar_analytics_figures_total"
    }


async def test_a_figure_is_computed_whole_once_a_day_then_read_as_kept(
    http: httpx.AsyncClient,
) -> None:
    counts = [await figures_read(http)]
    for _ in range(2):
        answer = await http.get(
            "/indicators/cases", params={"region": "33.71", "as_of": LATER}, headers=NATIONAL
        )
        assert answer.status_code == 200
        counts.append(await figures_read(http))
    before, first, second = counts
    computed, kept = ("cases", "computed"), ("cases", "kept")
    assert first.get(computed, 0) == before.get(computed, 0) + 1
    assert second.get(kept, 0) == first.get(kept, 0) + 1
    assert second.get(computed, 0) == first.get(computed, 0)
