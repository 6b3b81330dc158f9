"""The kit's nats-py fast paths write exactly the bytes nats-py 2.16 writes, and are installed."""

from __future__ import annotations

import random
from typing import Any

import pytest
from nats import errors
from nats.aio.client import Client
from nats.aio.subscription import Subscription

from pilar_kit import natsfast

NAMES = ["ce-id", "Nats-Msg-Id", " traceparent ", "", "  ", "bad name", "x:y", "é", "a\tb", "Ok"]
VALUES = ["1", " padded ", "line\r\nbreak", "\n", "", "Désa", "00-abc-01", "a\rb\nc"]


class Recorder:
    """The parts of a nats-py Client that ``_send_publish`` touches, recording the command."""

    def __init__(self) -> None:
        self.stats = {"out_msgs": 0, "out_bytes": 0}
        self._flush_queue = None
        self.commands: list[bytes] = []

    async def _send_command(self, command: bytes, priority: bool = False) -> None:
        self.commands.append(command)


async def sent(send: Any, headers: dict[str, str] | None) -> tuple[bytes | type, dict[str, int]]:
    """The command one publish writes (or the error it raises) and the stats it counts."""
    client = Recorder()
    try:
        await send(client, "pilar.x.v1.33.71", "_INBOX.r", b'{"a":1}', 7, headers)
    except errors.Error as error:
        return type(error), client.stats
    return b"".join(client.commands), client.stats


def random_headers(rng: random.Random) -> dict[str, str]:
    """Headers of awkward names and values."""
    return {rng.choice(NAMES): rng.choice(VALUES) for _ in range(rng.randint(0, 6))}


async def test_publish_writes_what_nats_py_writes() -> None:
    rng = random.Random(20261125)
    for _ in range(5_000):
        headers = random_headers(rng)
        ours = await sent(natsfast._send_publish, headers)
        assert ours == await sent(natsfast.NATS_PY_SEND_PUBLISH, headers), headers


async def test_publish_without_headers_and_to_no_subject() -> None:
    empty: list[dict[str, str] | None] = [None, {}]
    for headers in empty:
        assert await sent(natsfast._send_publish, headers) == await sent(
            natsfast.NATS_PY_SEND_PUBLISH, headers
        )
    with pytest.raises(errors.BadSubjectError):
        await natsfast._send_publish(Recorder(), "", "", b"", 0, None)


def test_installed_on_the_checked_nats_py() -> None:
    # fails when nats-py is upgraded: check the fast paths against the new version, then the pin
    assert natsfast.install()
    assert Client._send_publish is natsfast._send_publish
    assert Subscription.next_msg is natsfast._next_msg
    assert Client._parse_header_lines(b"a: 1\r\n") == {"a": "1"}
