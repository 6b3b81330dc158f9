"""Runs the four services as real processes against a test nats-server, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr

from pilar_kit.auth import AuthSettings, Principal, Role, TokenIssuer, issuer_from_settings
from pilar_kit.natsserver import free_ports

SERVICES = ("registry", "cases", "notifications", "analytics")
SECRET = "e2e-secret-" + "x" * 40


@dataclass
class Platform:
    """The running services: their base URLs, trace files and a token issuer."""

    folder: Path
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    issuer: TokenIssuer = field(
        default_factory=lambda: issuer_from_settings(AuthSettings(jwt_secret=SecretStr(SECRET)))
    )

    def token(self, role: Role, region: str = "") -> str:
        """A bearer token for a role and region."""
        return self.issuer.issue(Principal(subject=f"test-{role.value}", role=role, region=region))

    def headers(self, role: Role = Role.NATIONAL_OPERATOR, region: str = "") -> dict[str, str]:
        """Authorization headers for a role and region."""
        return {"Authorization": f"Bearer {self.token(role, region)}"}

    def trace_file(self, service: str) -> Path:
        """Where a service writes its spans."""
        return self.folder / f"{service}.spans.jsonl"

    def log(self, service: str) -> str:
        """The output of a service so far."""
        return (self.folder / f"{service}.log").read_text(errors="replace")

    def start(self, service: str) -> None:
        """Start (or start again) one service's process, its output appended to its log."""
        log = open(self.folder / f"{service}.log", "ab")  # noqa: SIM115  closed with the process
        self.procs[service] = subprocess.Popen(
            [sys.executable, "-m", f"pilar_{service}"],
            env=self.envs[service],
            stdout=log,
            stderr=log,
        )

    def launch(
        self, services: Sequence[str], nats_url: str, databases: Mapping[str, str], smtp_port: int
    ) -> None:
        """Start services on free ports, each against its database (without waiting for them)."""
        for service, port in zip(services, free_ports(len(services)), strict=True):
            database = databases[service]
            self.envs[service] = _env(service, port, nats_url, database, smtp_port, self.folder)
            self.start(service)
            self.urls[service] = f"http://127.0.0.1:{port}"

    def stop_all(self) -> None:
        """Terminate every service; kill one that has not stopped within 15 s."""
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def kill(self, service: str) -> None:
        """SIGKILL one service: no shutdown, no flush, as when a machine dies."""
        self.procs[service].kill()
        self.procs[service].wait(timeout=15)

    async def ready(self) -> None:
        """Wait until every service answers ready."""
        await _wait_ready(self)


def _env(
    service: str, port: int, nats_url: str, database_url: str, smtp_port: int, folder: Path
) -> dict[str, str]:
    prefix = f"PILAR_{service.upper()}_"
    env = dict(os.environ)
    env.update(
        {
            f"{prefix}NATS_URL": nats_url,
            f"{prefix}HTTP_PORT": str(port),
            f"{prefix}DATABASE_URL": database_url,
            f"{prefix}DATA_DIR": str(folder),
            f"{prefix}AUTH__JWT_SECRET": SECRET,
            f"{prefix}SMTP_PORT": str(smtp_port),
            f"{prefix}TRACE_FILE": str(folder / f"{service}.spans.jsonl"),
            f"{prefix}FETCH_TIMEOUT": "0.1",
        }
    )
    return env


@contextmanager
def running_platform(
    folder: Path, nats_url: str, database_urls: dict[str, str], smtp_port: int
) -> Iterator[Platform]:
    """Start the four services, wait until each is ready, stop them afterwards."""
    platform = Platform(folder)
    try:
        platform.launch(SERVICES, nats_url, database_urls, smtp_port)
        asyncio.run(_wait_ready(platform))
        yield platform
    finally:
        platform.stop_all()


async def _wait_ready(platform: Platform, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        for service, url in platform.urls.items():
            while True:
                proc = platform.procs[service]
                if proc.poll() is not None:
                    raise RuntimeError(f"{service} exited:\n{platform.log(service)[-3000:]}")
                try:
                    alive = (await client.get(f"{url}/healthz")).json()
                    ready = (await client.get(f"{url}/readyz")).status_code == 200
                    if alive.get("service") == service and ready:
                        break
                except (httpx.TransportError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} not ready:\n{platform.log(service)[-3000:]}")
                await asyncio.sleep(0.2)
