"""Several nats-server processes from configuration files: a cluster, a hub and its leaf nodes.

Built on ``NatsServer``: each process keeps its client port and store across kill and restart, so
tests can SIGKILL one node of a cluster, or a leaf's hub, and bring it back as it was.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import nats
from nats.errors import Error as NatsError

from pilar_kit.natsserver import NatsServer


class NatsCluster:
    """Named nats-server processes, each started with ``-c <its configuration file>``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.servers: dict[str, NatsServer] = {}

    def add(self, name: str, config: str, port: int) -> NatsServer:
        """Write a server's configuration and prepare it on a client port (not started yet)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.conf"
        path.write_text(config, encoding="utf-8")
        server = NatsServer(
            self.folder / name / "jetstream",
            port=port,
            extra_args=("-c", str(path)),
            log_file=self.folder / f"{name}.log",
        )
        self.servers[name] = server
        return server

    def __getitem__(self, name: str) -> NatsServer:
        return self.servers[name]

    def __iter__(self) -> Iterator[NatsServer]:
        return iter(self.servers.values())

    def start(self) -> None:
        """Start every server that is not running."""
        for server in self:
            if server.proc is None or server.proc.poll() is not None:
                server.start()

    def stop(self) -> None:
        """Stop every server gracefully."""
        for server in self:
            server.stop()

    def log(self, name: str) -> str:
        """What a server logged so far."""
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


async def wait_for_jetstream(url: str, within: float = 30.0) -> None:
    """Wait until JetStream answers on ``url`` (a cluster needs its meta leader elected first)."""
    deadline = time.monotonic() + within
    last: object = None
    while time.monotonic() < deadline:
        try:
            nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
        except (NatsError, OSError, TimeoutError) as exc:
            last = exc
        else:
            try:
                await nc.jetstream().account_info()
                return
            except (NatsError, TimeoutError) as exc:
                last = exc
            finally:
                await nc.close()
        await asyncio.sleep(0.2)
    raise TimeoutError(f"JetStream did not answer on {url} within {within}s ({last!r})")
