"""``make run``: nats-server, a local mail catcher and the four services, on ports of their own.

State persists in ``.run/``. Ctrl-C stops everything cleanly. Ports are configurable through
``PILAR_DEV_NATS_PORT``, ``PILAR_DEV_HTTP_PORT`` (first of four) and ``PILAR_DEV_SMTP_PORT``;
a busy port is replaced by the next free one, and the launcher says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from pathlib import Path

from pydantic import SecretStr

from pilar_kit.auth import AuthSettings, demo_tokens, issuer_from_settings
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer, port_is_free

SERVICES = ("registry", "cases", "notifications", "analytics")
RUN = Path(os.environ.get("PILAR_DEV_DIR", ".run"))


def pick_port(wanted: int, what: str) -> int:
    """Return ``wanted`` if free, else the next free port, saying so."""
    port = wanted
    while not port_is_free(port):
        port += 1
    if port != wanted:
        print(f"  {what}: port {wanted} is busy, using {port}")
    return port


def dev_secret() -> str:
    """The local signing key of ``make run``, kept across restarts so tokens stay valid."""
    path = RUN / "dev-jwt-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def service_env(
    service: str, port: int, nats_url: str, smtp_port: int, secret: str
) -> dict[str, str]:
    """Environment of one service process."""
    prefix = f"PILAR_{service.upper()}_"
    env = dict(os.environ)
    env.update(
        {
            f"{prefix}NATS_URL": nats_url,
            f"{prefix}HTTP_PORT": str(port),
            f"{prefix}DATA_DIR": str(RUN),
            f"{prefix}AUTH__JWT_SECRET": secret,
            f"{prefix}SMTP_PORT": str(smtp_port),
        }
    )
    if service == "cases":  # clients' data keys apart from the data, as in production
        keys = f"sqlite+aiosqlite:///{RUN / 'cases-keys.db'}"
        env.setdefault(f"{prefix}KEY_DATABASE_URL", keys)
    return env


async def pipe(prefix: str, stream: asyncio.StreamReader) -> None:
    """Copy a child's output, each line prefixed with its service."""
    while line := await stream.readline():
        sys.stdout.write(f"[{prefix:<13}] {line.decode(errors='replace')}")
        sys.stdout.flush()


async def run() -> None:
    """Start everything, print where to look, wait for Ctrl-C, stop everything."""
    print(f"Pilar: starting locally (state in {RUN}/)")
    nats_port = pick_port(int(os.environ.get("PILAR_DEV_NATS_PORT", "4322")), "nats-server")
    smtp_port = pick_port(int(os.environ.get("PILAR_DEV_SMTP_PORT", "2525")), "mail catcher")
    http_port = int(os.environ.get("PILAR_DEV_HTTP_PORT", "8101"))
    ports: dict[str, int] = {}
    for service in SERVICES:
        ports[service] = pick_port(max([http_port, *[p + 1 for p in ports.values()]]), service)
    nats = NatsServer(RUN / "jetstream", port=nats_port, log_file=RUN / "nats-server.log")
    nats.start()
    mail = MailCatcher(RUN / "mail", port=smtp_port)
    mail.start()
    secret = dev_secret()
    children = []
    for service in SERVICES:
        env = service_env(service, ports[service], nats.url, smtp_port, secret)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"pilar_{service}",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        children.append((service, child))
    pipes = [asyncio.create_task(pipe(s, c.stdout)) for s, c in children if c.stdout]
    describe(nats.url, smtp_port, ports, secret)
    try:
        await wait_for_stop(children)
    finally:
        await stop(children)
        await asyncio.gather(*pipes, return_exceptions=True)
        mail.stop()
        nats.stop()
        print(f"Pilar stopped; state kept in {RUN}/")


def database_of(service: str) -> str:
    """Which database a service will use, said without its URL (it may hold a password)."""
    url = os.environ.get(f"PILAR_{service.upper()}_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return "PostgreSQL"
    return f"SQLite {RUN / f'{service}.db'}" if not url else "SQLite"


def describe(nats_url: str, smtp_port: int, ports: dict[str, int], secret: str) -> None:
    """Print where each API, its docs and metrics are, and a token per demo role."""
    print(f"\n  nats-server   {nats_url}  (JetStream store {RUN / 'jetstream'})")
    print(f"  mail catcher  smtp://127.0.0.1:{smtp_port}  (messages in {RUN / 'mail'}/)")
    for service, port in ports.items():
        base = f"http://127.0.0.1:{port}"
        print(f"  {service:<13} {base}/docs   metrics {base}/metrics   ready {base}/readyz")
    print("\n  Databases: " + ", ".join(f"{s} {database_of(s)}" for s in ports))
    issuer = issuer_from_settings(AuthSettings(jwt_secret=SecretStr(secret)))
    print("\n  Demo tokens (Authorization: Bearer <token>), valid 8 hours:")
    for role, token in demo_tokens(issuer).items():
        print(f"  {role:<20} {token}")
    print("\n  Ctrl-C stops everything.\n")


async def wait_for_stop(children: list[tuple[str, asyncio.subprocess.Process]]) -> None:
    """Return on Ctrl-C / SIGTERM, or when a service exits on its own."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    waits = [asyncio.create_task(c.wait()) for _, c in children]
    stop_task = asyncio.create_task(stopping.wait())
    done, _ = await asyncio.wait([stop_task, *waits], return_when=asyncio.FIRST_COMPLETED)
    for (service, child), wait in zip(children, waits, strict=True):
        if wait in done:
            print(f"{service} exited with code {child.returncode}; stopping the rest")


async def stop(children: list[tuple[str, asyncio.subprocess.Process]]) -> None:
    """Ask every service to stop, then insist."""
    for _, child in children:
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
    for _, child in children:
        try:
            await asyncio.wait_for(child.wait(), timeout=15)
        except TimeoutError:
            child.kill()


if __name__ == "__main__":
    RUN.mkdir(exist_ok=True)
    asyncio.run(run())
