"""The dashboard page in a real headless Chromium, against the real analytics service.

Events go into the streams as the other services would publish them; once the indicator API
shows them, the page must draw them: tiles in the right coverage colours (read from the DOM and
counted in the screenshot), trend charts and the funnel with data, the worst-covered regencies
and the disaster panel.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import pytest

from pilar_contracts.reference.regions import region_name
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from tests.browser.chromium import chromium_binary, dump_dom, read_png, screenshot
from tests.browser.page import COLOURS, Page, expected_band
from tests.browser.seed import (
    DISASTER_REGENCY,
    THIN,
    UNCOVERED,
    WELL_COVERED,
    Scenario,
    publish_scenario,
)
from tests.browser.service import Analytics, running_analytics

pytestmark = pytest.mark.e2e
IN_CI = os.environ.get("CI", "").lower() == "true"
TILE_PIXELS = 1500  # a province tile is about 80 x 40 pixels; a legend swatch 10 x 10
T = TypeVar("T")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary; in CI its absence is a failure, not a skip."""
    binary = chromium_binary()
    if binary is None:
        if IN_CI:
            pytest.fail("Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return binary


@pytest.fixture
def analytics(tmp_path: Path, nats_server: NatsServer) -> Iterator[Analytics]:
    """The analytics service as a process, on SQLite."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    with running_analytics(tmp_path, nats_server.url, database) as service:
        yield service


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float) -> T:
    """Poll until the probe returns something, or fail saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:.0f}s: {what}")
        await asyncio.sleep(0.3)


class Api:
    """The indicator API as the national operator sees it; remembers its last answer."""

    def __init__(self, service: Analytics) -> None:
        self.service, self.last = service, ""

    async def get(self, path: str, **params: str) -> dict[str, Any] | None:
        """A JSON document, or None (remembering why) when the API does not answer 200."""
        async with httpx.AsyncClient(base_url=self.service.url) as client:
            response = await client.get(path, params=params, headers=self.service.headers())
        if response.status_code != 200:
            self.last = f"{path}: HTTP {response.status_code} {response.text[:300]}"
            return None
        self.last = f"{path}: {response.text[:300]}"
        body: dict[str, Any] = response.json()
        return body


async def shows_scenario(api: Api, scenario: Scenario) -> dict[str, Any] | None:
    """The national coverage once every seeded figure is visible in the API, else None."""
    coverage = await api.get("/indicators/coverage")
    if coverage is None:
        return None
    rows = {row["region"]: row for row in coverage["rows"]}
    if (
        rows[WELL_COVERED]["psks_active"] != 12
        or rows[WELL_COVERED]["pmks_open"] != 1
        or rows[UNCOVERED]["pmks_open"] != 3
        or rows[THIN]["pmks_open"] != 4
    ):
        return None
    disasters = await api.get("/indicators/disasters")
    flood = [
        r
        for r in (disasters or {}).get("rows", [])
        if r["disaster_id"] == str(scenario.disaster_id)
    ]
    if not flood or (flood[0]["volunteers_deployed"], flood[0]["volunteers_acknowledged"]) != (
        scenario.deployed,
        scenario.acknowledged,
    ):
        return None
    referrals = await api.get("/indicators/referrals")
    if referrals is None or referrals["completed"] < 1:
        return None
    return coverage


async def open_page(chromium: str, folder: Path, url: str) -> Page:
    """Load the page until its scripts have settled (ready, login or error)."""
    async with httpx.AsyncClient() as client:
        served = await client.get(url.split("#")[0])
    assert served.status_code == 200, f"GET /dashboard: {served.status_code} (router not included?)"
    attempt = 0

    async def settled() -> Page | None:
        nonlocal attempt
        attempt += 1
        html = await asyncio.to_thread(dump_dom, chromium, folder / f"profile-{attempt}", url)
        page = Page(html)
        return page if page.state in ("ready", "login", "error") else None

    return await eventually(settled, f"the page at {url.split('#')[0]} settles", 180)


async def check_charts(page: Page, api: Api) -> None:
    """Each trend chart has the API's points, with data; the funnel adds up to the API's."""
    for indicator in ("coverage", "cases_open", "referrals_completed"):
        trend = await api.get("/indicators/trend", indicator=indicator, days="30")
        assert trend is not None, api.last
        values = sum(point["value"] is not None for point in trend["points"])
        assert values > 0, (indicator, trend)
        assert page.data(f"tren-{indicator}", "points") == str(len(trend["points"]))
        assert page.data(f"tren-{indicator}", "values") == str(values)
    funnel = await api.get("/indicators/referrals")
    assert funnel is not None, api.last
    stages = ("referred", "accepted", "declined", "expired", "completed")
    assert page.data("corong", "total") == str(sum(funnel[s] for s in stages))


def check_panels(page: Page) -> None:
    """The flood is the one active disaster; the uncovered regency heads the worst list."""
    assert page.data("bencana", "rows") == "1"
    assert "Banjir" in page.text
    assert region_name(DISASTER_REGENCY) in page.text
    assert int(page.data("terendah", "rows")) >= 1
    assert region_name(f"{UNCOVERED}.71") in page.text


def check_screenshot(png: bytes, bands: dict[str, str]) -> None:
    """Every band's colour covers at least as many tiles as provinces fall in it."""
    pixels = read_png(png).colours()
    for band in set(bands.values()):
        tiles = sum(b == band for b in bands.values())
        assert pixels[COLOURS[band]] >= tiles * TILE_PIXELS, (band, tiles, pixels[COLOURS[band]])


async def check_provincial_view(chromium: str, folder: Path, analytics: Analytics) -> None:
    """A provincial operator sees its own province on the map, and is refused another one."""
    token = analytics.token(Role.PROVINCIAL_OPERATOR, WELL_COVERED)
    own = await open_page(chromium, folder / "own", f"{analytics.url}/dashboard#token={token}")
    assert own.state == "ready", own.by_id.get("pesan")
    assert own.body.get("data-level") == "regency"
    coloured = {
        code: tile["data-band"] for code, tile in own.tiles.items() if tile["data-band"] != "kosong"
    }
    assert coloured == {WELL_COVERED: "hijau"}
    other = f"{analytics.url}/dashboard#token={token}&wilayah={UNCOVERED}"
    refused = await open_page(chromium, folder / "other", other)
    assert refused.state == "error"
    assert "tidak berhak" in refused.text


async def seeded_coverage(analytics: Analytics, nats_url: str) -> dict[str, Any]:
    """Publish the scenario and wait until the API shows it; return the national coverage."""
    nc = await nats.connect(nats_url)
    try:
        scenario = await publish_scenario(nc.jetstream())
    finally:
        await nc.close()
    api = Api(analytics)
    return await eventually(
        lambda: shows_scenario(api, scenario), f"the API shows the events (last: {api.last})", 90
    )


async def test_dashboard_draws_the_indicators(
    chromium: str, analytics: Analytics, nats_server: NatsServer, tmp_path: Path
) -> None:
    coverage = await seeded_coverage(analytics, nats_server.url)
    assert coverage["level"] == "province"
    assert len(coverage["rows"]) == 38
    bands = {
        row["region"]: expected_band(row["ratio"], coverage["target"]) for row in coverage["rows"]
    }
    assert bands[UNCOVERED] == "merah", (coverage["target"], bands)
    assert bands[WELL_COVERED] == "hijau", (coverage["target"], bands)

    token = analytics.token()
    url = f"{analytics.url}/dashboard#token={token}"
    page = await open_page(chromium, tmp_path, url)
    assert page.state == "ready", page.by_id.get("pesan")
    assert {code: tile["data-band"] for code, tile in page.tiles.items()} == bands
    coloured = sum(row["ratio"] is not None for row in coverage["rows"])
    assert page.data("peta", "coloured") == str(coloured)
    await check_charts(page, Api(analytics))
    check_panels(page)
    assert token not in analytics.log(), "the token must never reach the server's logs"

    shot = tmp_path / "dasbor.png"
    png = await asyncio.to_thread(screenshot, chromium, tmp_path / "profile-shot", url, shot)
    await asyncio.to_thread(check_screenshot, png, bands)
    await check_provincial_view(chromium, tmp_path, analytics)


async def test_drill_down_and_login(chromium: str, analytics: Analytics, tmp_path: Path) -> None:
    province = await open_page(
        chromium, tmp_path, f"{analytics.url}/dashboard#token={analytics.token()}&wilayah=33"
    )
    assert province.state == "ready", province.by_id.get("pesan")
    assert province.body.get("data-level") == "regency"
    assert "terpilih" in province.tiles["33"]["class"].split()
    assert region_name("33") in province.text

    refused = await open_page(chromium, tmp_path / "bad", f"{analytics.url}/dashboard#token=palsu")
    assert refused.state == "login"
    assert "Token tidak berlaku" in refused.text

    anonymous = await open_page(chromium, tmp_path / "anon", f"{analytics.url}/dashboard")
    assert anonymous.state == "login"
