"""The analytics service as a real process on a free port, for a real browser to talk to."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from pilar_kit.auth import AuthSettings, Principal, Role, TokenIssuer, issuer_from_settings
from pilar_kit.natsserver import free_port

SECRET = "browser-test-secret-" + "z" * 40


@dataclass
class Analytics:
    """A running analytics service: its base URL, log file and a token issuer."""

    url: str
    log_file: Path
    issuer: TokenIssuer

    def token(self, role: Role = Role.NATIONAL_OPERATOR, region: str = "") -> str:
        """A bearer token for a role and region."""
        return self.issuer.issue(
            Principal(subject=f"dasbor-{role.value}", role=role, region=region)
        )

    def headers(self, role: Role = Role.NATIONAL_OPERATOR, region: str = "") -> dict[str, str]:
        """Authorization headers for a role and region."""
        return {"Authorization": f"Bearer {self.token(role, region)}"}

    def log(self) -> str:
        """The service's output so far."""
        return self.log_file.read_text(errors="replace")


@contextmanager
def running_analytics(folder: Path, nats_url: str, database_url: str) -> Iterator[Analytics]:
    """Start ``python -m pilar_analytics``, wait until it is ready, stop it afterwards."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PILAR_ANALYTICS_NATS_URL": nats_url,
            "PILAR_ANALYTICS_HTTP_PORT": str(port),
            "PILAR_ANALYTICS_DATABASE_URL": database_url,
            "PILAR_ANALYTICS_DATA_DIR": str(folder),
            "PILAR_ANALYTICS_AUTH__JWT_SECRET": SECRET,
            "PILAR_ANALYTICS_FETCH_TIMEOUT": "0.1",
        }
    )
    issuer = issuer_from_settings(AuthSettings(jwt_secret=SecretStr(SECRET)))
    service = Analytics(f"http://127.0.0.1:{port}", folder / "analytics.log", issuer)
    with open(service.log_file, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pilar_analytics"], env=env, stdout=log, stderr=log
        )
        try:
            _wait_ready(service, proc)
            yield service
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_ready(service: Analytics, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client() as client:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"analytics exited:\n{service.log()[-3000:]}")
            try:
                if client.get(f"{service.url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"analytics not ready:\n{service.log()[-3000:]}")
            time.sleep(0.2)
