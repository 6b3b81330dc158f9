"""A local SMTP server that keeps every message as a file: the e-mail channel of ``make run``.

Development only (aiosmtpd is a development dependency): production sends through a real relay.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any


class MailCatcher:
    """Accepts SMTP on a local port and writes each message to ``<folder>/<n>.eml``."""

    def __init__(self, folder: Path, port: int, host: str = "127.0.0.1") -> None:
        self.folder, self.port, self.host = folder, port, host
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(int(time.time() * 1000))
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store one message (aiosmtpd handler hook)."""
        path = self.folder / f"{next(self._counter)}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Start listening in a background thread."""
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
