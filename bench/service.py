"""A Pilar service as its own process for a benchmark: configured by environment, ready-checked."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx


def service_env(service: str, settings: dict[str, str]) -> dict[str, str]:
    """The process environment with ``PILAR_<SERVICE>_<KEY>`` set from ``settings``."""
    prefix = f"PILAR_{service.upper()}_"
    quiet = {"LOG_LEVEL": os.environ.get("PILAR_BENCH_LOG_LEVEL", "WARNING")}
    return dict(os.environ) | {prefix + key: value for key, value in (quiet | settings).items()}


@asynccontextmanager
async def running_service(
    service: str, root: Path, environment: dict[str, str], http: int
) -> AsyncIterator[int]:
    """``python -m pilar_<service>`` for the block; yields its pid once ``/readyz`` is 200."""
    log_path = root / f"{service}.log"
    log = log_path.open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *_profiled(),
        "-m",
        f"pilar_{service}",
        env=environment,
        stdout=log,
        stderr=log,
    )
    try:
        await _wait_ready(f"http://127.0.0.1:{http}/readyz", proc, service)
        yield proc.pid
    except BaseException:
        print(log_path.read_text(errors="replace")[-12000:], file=sys.stderr)
        raise
    finally:
        # uvicorn re-raises SIGTERM after its shutdown, which would lose the profile
        proc.send_signal(signal.SIGINT if _profiled() else signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()


def _profiled() -> list[str]:
    """cProfile the service into ``PILAR_BENCH_PROFILE`` (written when it stops) when set."""
    target = os.environ.get("PILAR_BENCH_PROFILE")
    return ["-m", "cProfile", "-o", target] if target else []


async def _wait_ready(
    url: str, proc: asyncio.subprocess.Process, service: str, patience: float = 90
) -> None:
    deadline = time.monotonic() + patience
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise RuntimeError(f"the {service} service exited; see {service}.log")
            try:
                if (await client.get(url, timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the {service} service did not become ready")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far: less noisy than wall time here."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
