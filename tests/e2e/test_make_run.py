"""``make run``: the launcher starts nats-server, the mail catcher and four ready services, prints
where they are and a token per role, keeps their state in its folder, and stops on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from pilar_kit.natsserver import port_is_free

pytestmark = pytest.mark.e2e
SERVICES = ("registry", "cases", "notifications", "analytics")
READY_SECONDS = 90


async def _banner(stdout: asyncio.StreamReader) -> list[str]:
    """The launcher's lines up to the end of its banner."""
    lines: list[str] = []
    while not any("Ctrl-C stops everything" in line for line in lines):
        raw = await asyncio.wait_for(stdout.readline(), READY_SECONDS)
        assert raw, "the launcher ended before its banner:\n" + "".join(lines)
        lines.append(raw.decode(errors="replace"))
    return lines


async def _drain(stdout: asyncio.StreamReader, into: list[bytes]) -> None:
    """Keep reading the launcher's output, so that a full pipe never stalls it or a service."""
    while line := await stdout.readline():
        into.append(line)


async def _ready(url: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{url} not ready"
            await asyncio.sleep(0.5)


def quiet_ports(count: int) -> int:
    """The first of ``count`` free consecutive ports below the kernel's ephemeral range.

    ``make run`` gives its four services consecutive ports. Taken from the ephemeral range, one
    of them could go to an outgoing connection (a service's own, to NATS) before its service
    binds it, and that service would never answer.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    chance = random.Random()
    for _ in range(1000):
        first = chance.randrange(10_000, low - count)
        if all(port_is_free(port) for port in range(first, first + count)):
            return first
    raise RuntimeError("no free ports below the ephemeral range")


async def test_make_run_starts_everything_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    first = quiet_ports(2 + len(SERVICES))
    nats_port, smtp_port, http_port = first, first + 1, first + 2
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PILAR_")},
        "PILAR_DEV_DIR": str(tmp_path / "run"),
        "PILAR_DEV_NATS_PORT": str(nats_port),
        "PILAR_DEV_HTTP_PORT": str(http_port),
        "PILAR_DEV_SMTP_PORT": str(smtp_port),
    }
    (tmp_path / "run").mkdir()
    launcher = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "pilar_kit.devrun"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert launcher.stdout is not None
    rest: list[bytes] = []
    try:
        banner = "".join(await _banner(launcher.stdout))
        draining = asyncio.create_task(_drain(launcher.stdout, rest))
        urls = dict(re.findall(r"^  (\w+)\s+(http://127\.0\.0\.1:\d+)/docs", banner, re.M))
        assert set(urls) == set(SERVICES)
        assert f"nats://127.0.0.1:{nats_port}" in banner
        assert "Databases: registry SQLite" in banner
        for role in ("national_operator", "regency_operator", "psks", "auditor"):
            assert re.search(rf"^  {role}\s+ey", banner, re.M), role
        await asyncio.gather(*(_ready(url) for url in urls.values()))
        state = {p.name for p in (tmp_path / "run").iterdir()}
        assert {"jetstream", "registry.db", "cases.db", "cases-keys.db"} <= state
        launcher.send_signal(signal.SIGINT)
        await asyncio.wait_for(launcher.wait(), 60)
        await asyncio.wait_for(draining, 10)
    finally:
        if launcher.returncode is None:
            launcher.kill()
            await launcher.wait()
    assert launcher.returncode == 0
    assert "Pilar stopped" in b"".join(rest).decode(errors="replace")
