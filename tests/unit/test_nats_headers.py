"""The kit's NATS header parser gives exactly what nats-py 2.16's own parser gives."""

from __future__ import annotations

import random

import pytest

from pilar_kit import natsheaders

ORIGINAL = natsheaders.NATS_PY_PARSER
PIECES = [b"ce-id", b"Nats-Msg-Id", b"X", b":", b": ", b" ", b"\t", b"\x1c", b"\x01", b"\r\n"]
PIECES += [b"\n", b"\r", "é".encode(), b"\xff", b"value", b"a b", b"00-abc-01", b""]


def random_block(rng: random.Random) -> bytes:
    """A header block of random lines built from awkward pieces."""
    return b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))


def test_same_result_as_nats_py_on_awkward_blocks() -> None:
    rng = random.Random(20261125)
    for _ in range(20_000):
        block = random_block(rng)
        assert natsheaders.parse_header_lines(block) == ORIGINAL(block), block


@pytest.mark.parametrize(
    "block",
    [
        b"ce-id: 1\r\nNats-Msg-Id: 1\r\n\r\n",
        b"bad name: x\r\ntab\tname: y\r\nok:z\r\n",
        b"name:\tvalue  \r\nno colon\r\n:empty name\r\n",
        "ce-subject: D\u00e9sa\r\n".encode() + b"broken: \xff\r\n",
    ],
)
def test_same_result_on_known_shapes(block: bytes) -> None:
    assert natsheaders.parse_header_lines(block) == ORIGINAL(block)
