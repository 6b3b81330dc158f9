"""Cases, BMKG earthquake feeds: from a file or URL, each quake announced once, never declared."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest
from sqlalchemy import func, select

from pilar_cases.bmkg import BmkgFeed, FeedUnreachable, ingest_source
from pilar_cases.domain.earthquakes import FeedMalformed
from pilar_cases.store import outbox
from pilar_contracts.events.cases import EarthquakeReported
from pilar_kit.natsserver import NatsServer
from pilar_kit.runtime import Runtime
from tests.api.cases_harness import MAGELANG, Service, cases, staged

pytestmark = pytest.mark.integration
__all__ = ["cases"]
FEEDS = Path(__file__).parents[2] / "services" / "cases" / "tests" / "fixtures" / "bmkg"
REPORTED = ".earthquake.reported."
MALANG = "Pusat gempa berada di laut 96 km BaratDaya Kab. Malang"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def feeds() -> Iterator[str]:
    """A local HTTP server serving the sample feeds; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(FEEDS)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def reported(runtime: Runtime) -> list[dict[str, Any]]:
    return [body for subject, _, body in await staged(runtime) if REPORTED in subject]


async def _all_published(runtime: Runtime) -> None:
    """Wait (with a deadline) until the relay has published every staged event."""
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    async with asyncio.timeout(30):
        while True:
            async with runtime.transaction() as session:
                if (await session.execute(query)).scalar_one() == 0:
                    return
            await asyncio.sleep(0.1)


async def _in_stream(url: str) -> int:
    client = await nats.connect(url)
    try:
        info = await client.jetstream().stream_info(
            "PILAR_CASES", subjects_filter="pilar.cases.earthquake.>"
        )
        return sum((info.state.subjects or {}).values())
    finally:
        await client.close()


async def test_a_quake_read_again_and_again_is_published_once(
    cases: Service, feeds: str, nats_server: NatsServer
) -> None:
    _, runtime = cases
    feed = BmkgFeed(f"{feeds}/autogempa.json", interval=60)
    first = await feed.poll(runtime)
    assert first is not None
    assert (len(first.new), first.duplicates) == (1, 0)
    again = await feed.poll(runtime)
    assert again is not None
    assert (len(again.new), again.duplicates) == (0, 1)
    latest = await BmkgFeed(f"{feeds}/gempaterkini.json", interval=60).poll(runtime)
    assert latest is not None
    assert (len(latest.new), latest.duplicates) == (2, 1)
    events = await reported(runtime)
    assert [EarthquakeReported.model_validate(e).magnitude for e in events] == [4.1, 7.1, 5.3]
    subjects = [s for s, _, _ in await staged(runtime) if REPORTED in s]
    # each on the regency BMKG measures from: Sigi, Kab. Malang, Halmahera Utara
    assert subjects == [
        "pilar.cases.earthquake.reported.v1.72.10",
        "pilar.cases.earthquake.reported.v1.35.07",
        "pilar.cases.earthquake.reported.v1.82.03",
    ]
    await _all_published(runtime)
    assert await _in_stream(nats_server.url) == 3


async def test_a_malformed_or_unreachable_feed_publishes_nothing(
    cases: Service, feeds: str
) -> None:
    _, runtime = cases
    with pytest.raises(FeedMalformed, match="gempa ke-2: Lintang bukan angka"):
        await ingest_source(runtime.transaction, runtime.outbox, f"{feeds}/malformed.json")
    with pytest.raises(FeedMalformed, match="bukan JSON"):
        await ingest_source(runtime.transaction, runtime.outbox, str(FEEDS / "truncated.json"))
    with pytest.raises(FeedUnreachable):
        await ingest_source(runtime.transaction, runtime.outbox, f"{feeds}/tidak-ada.json")
    with pytest.raises(FeedUnreachable):
        await ingest_source(runtime.transaction, runtime.outbox, str(FEEDS / "tidak-ada.json"))
    assert await BmkgFeed(f"{feeds}/malformed.json", interval=60).poll(runtime) is None
    assert await reported(runtime) == []


async def test_operators_see_quakes_as_suggestions_and_nothing_is_declared(
    cases: Service, feeds: str
) -> None:
    http, runtime = cases
    await ingest_source(runtime.transaction, runtime.outbox, f"{feeds}/gempaterkini.json")
    response = await http.get("/earthquakes", params={"min_magnitude": 5}, headers=MAGELANG)
    assert response.status_code == 200, response.text
    strong = response.json()
    assert [q["magnitude"] for q in strong] == [7.1, 5.3]
    assert strong[0]["suggestion"] == {
        "hazard": "110",
        "name": "Gempa bumi dan tsunami M7.1 " + MALANG,
        "period_start": "2026-08-07",
    }
    assert strong[0]["source"] == "Sumber: BMKG"
    assert strong[1]["suggestion"]["hazard"] == "107"
    assert len((await http.get("/earthquakes", headers=MAGELANG)).json()) == 3
    assert (await http.get("/earthquakes")).status_code == 401
    assert (await http.get("/disasters", headers=MAGELANG)).json() == []
    assert not [s for s, _, _ in await staged(runtime) if ".disaster." in s]


def _cli(source: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PILAR_CASES_DATABASE_URL": database_url,
        "PILAR_CASES_DATA_DIR": str(data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "pilar_cases", "bmkg", source],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_the_command_line_ingests_a_file_once(
    cases: Service, database_url: str, tmp_path: Path
) -> None:
    _, runtime = cases
    autogempa = str(FEEDS / "autogempa.json")
    first = await asyncio.to_thread(_cli, autogempa, database_url, tmp_path)
    assert (first.returncode, first.stdout.strip()) == (
        0,
        "1 laporan gempa baru, 0 duplikat (Sumber: BMKG)",
    ), first.stderr
    again = await asyncio.to_thread(_cli, autogempa, database_url, tmp_path)
    assert again.stdout.startswith("0 laporan gempa baru, 1 duplikat")
    broken = await asyncio.to_thread(_cli, str(FEEDS / "malformed.json"), database_url, tmp_path)
    assert broken.returncode == 2
    assert broken.stdout.startswith("gagal: gempa ke-2")
    assert len(await reported(runtime)) == 1
