"""How often a message was delivered, read from its JetStream reply subject."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from pilar_kit.consumer import _num_delivered


@pytest.mark.parametrize(
    "reply",
    [
        "$JS.ACK.REGISTRY.analytics-registry.3.41.40.1795565285887149468.7",
        "$JS.ACK._.ACCHASH.REGISTRY.analytics-registry.3.41.40.1795565285887149468.7.tok",
        "$JS.ACK.hub.ACCHASH.REGISTRY.analytics-registry.3.41.40.1795565285887149468.7",
    ],
)
def test_delivery_count_matches_nats_py(reply: str) -> None:
    msg = Msg(_client=None, subject="pilar.x", reply=reply, data=b"{}")  # type: ignore[arg-type]
    assert _num_delivered(msg) == msg.metadata.num_delivered == 3
