"""A TCP relay standing for the link between a province and the hub, which a test can cut."""

from __future__ import annotations

import asyncio
import contextlib


class LinkProxy:
    """Forwards ``listen_port`` to ``target_port`` on loopback until cut; restore reopens it."""

    def __init__(self, listen_port: int, target_port: int) -> None:
        self.listen_port, self.target_port = listen_port, target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0  # how many links were made through the proxy

    async def start(self) -> None:
        """Accept connections (the link is up)."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.listen_port, reuse_address=True
        )

    async def cut(self) -> None:
        """Drop every open connection and refuse new ones, as a dead island link would."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def restore(self) -> None:
        """Bring the link back."""
        await self.start()

    async def stop(self) -> None:
        """Cut for good."""
        await self.cut()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()
