"""Gateways and webhooks go through an HTTP proxy when configured, and only then."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from pilar_notifications.app import channels_from
from pilar_notifications.channels import DeliveryFailed
from pilar_notifications.poster import Poster
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.templates import Message

GATEWAY = "http://sms-gateway.example:8080/send"  # reachable only through the proxy


@asynccontextmanager
async def proxy() -> AsyncIterator[tuple[list[str], str]]:
    """A forward proxy on a free port that records request lines and answers 200 itself."""
    seen: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            lines = head.decode().split("\r\n")
            seen.append(lines[0])
            length = next(
                (int(h.split(":")[1]) for h in lines if h.lower().startswith("content-length")), 0
            )
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await serve(reader, writer)
        except asyncio.IncompleteReadError:
            pass  # the client closed its kept-alive connection
        finally:
            writer.close()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield seen, f"http://127.0.0.1:{port}"


async def test_a_configured_proxy_carries_every_gateway_request() -> None:
    async with proxy() as (seen, url):
        config = NotificationsSettings(sms_gateway_url=GATEWAY, http_proxy=url)
        sms = channels_from(config)["sms"]
        try:
            await sms.send("+628111", Message(subject="", body="uji"))
            await sms.send("+628112", Message(subject="", body="uji"))
        finally:
            await sms.aclose()
    assert seen == [f"POST {GATEWAY} HTTP/1.1"] * 2


async def test_the_environment_proxy_is_used_only_when_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with proxy() as (seen, url):
        monkeypatch.setenv("HTTP_PROXY", url)
        monkeypatch.setenv("http_proxy", url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        trusting = Poster(2, 5.0, trust_env=True)
        try:
            await trusting.post(GATEWAY, "gateway", b"{}", {})
        finally:
            await trusting.aclose()
        assert seen == [f"POST {GATEWAY} HTTP/1.1"]
        # Not trusted (the default): the environment is ignored and the name does not resolve.
        plain = Poster(2, 5.0)
        try:
            with pytest.raises(DeliveryFailed, match="gateway_error"):
                await plain.post(GATEWAY, "gateway", b"{}", {})
        finally:
            await plain.aclose()
        assert len(seen) == 1
