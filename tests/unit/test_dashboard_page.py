"""The dashboard page's files: served from the package, complete, offline, and a sound tile map."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from pilar_analytics import dashboard
from pilar_contracts.reference.regions import provinces, region_name

SVG_NAMESPACE = "http://www.w3.org"  # the SVG namespace URI: a name, never fetched


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The dashboard router alone: it needs no runtime, database or token."""
    app = FastAPI()
    app.include_router(dashboard.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


def test_every_province_has_one_tile_inside_the_grid() -> None:
    reference = dashboard.reference()
    tiles = reference["provinces"]
    assert [tile["code"] for tile in tiles] == provinces()
    assert len(tiles) == 38
    places = {(tile["column"], tile["row"]) for tile in tiles}
    assert len(places) == len(tiles), "two provinces share a tile"
    assert all(0 <= t["column"] < reference["columns"] for t in tiles)
    assert all(0 <= t["row"] < reference["rows"] for t in tiles)
    assert all(tile["name"] == region_name(tile["code"]) for tile in tiles)


async def test_page_is_served_with_a_strict_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Dasbor Pilar</title>" in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_every_referenced_file_is_served_and_nothing_comes_from_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/dashboard")).text
    wanted = set(re.findall(r'(?:src|href)="dashboard/([^"]+)"', page))
    seen: set[str] = set()
    while wanted - seen:
        name = sorted(wanted - seen)[0]
        seen.add(name)
        response = await client.get(f"/dashboard/{name}")
        assert response.status_code == 200, name
        assert "charset=utf-8" in response.headers["content-type"]
        wanted |= set(re.findall(r'from "\./([^"]+)"', response.text))
        external = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", response.text)
        assert set(external) <= {SVG_NAMESPACE}, (name, external)
    assert seen == set(dashboard.ASSETS), "every listed asset is used, and only those"


async def test_unknown_or_crafted_asset_names_are_refused(client: httpx.AsyncClient) -> None:
    for name in ("nothing.js", "..%2Fdashboard.py", "tiles.json", "index.html"):
        assert (await client.get(f"/dashboard/{name}")).status_code == 404, name


async def test_reference_data_names_provinces_hazards_and_stages(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/dashboard/reference.json")).json()
    assert len(body["provinces"]) == 38
    assert body["hazards"]["101"] == "Banjir"
    assert body["stages"]["tanggap_darurat"] == "Tanggap Darurat"
