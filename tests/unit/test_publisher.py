"""What the relay's publisher counts as stored: PubAcks only."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.msg import Msg

from pilar_kit.publisher import stored


def reply(data: bytes) -> Msg:
    """A reply message with this body."""
    client: Any = None
    return Msg(_client=client, subject="_INBOX.registry.x.1", data=data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"stream":"PILAR_REGISTRY","seq":7}', True),
        (b'{"stream":"PILAR_REGISTRY","seq":7,"duplicate":true}', True),
        (b'{"stream":"PILAR_REGISTRY","domain":"jawa-barat","seq":1}', True),
        (b"", False),  # a status reply: no stream takes the subject
        (b'{"error":{"code":503,"err_code":10077,"description":"full"}}', False),
        (b'{"stream":"PILAR_REGISTRY"}', False),
        (b"not json", False),
        (b"[1, 2]", False),
    ],
)
def test_only_a_puback_counts_as_stored(data: bytes, expected: bool) -> None:
    assert stored(reply(data)) is expected
