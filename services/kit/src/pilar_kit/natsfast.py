"""Equivalent fast paths in nats-py 2.16 for what every kit message goes through.

A consumer's and the relay's CPU per event is dominated by nats-py's per-message Python work:
header codecs (``natsheaders``), a task, a timer and a random uuid for each message a fetch
takes from a queue that already holds it, and one buffered write per acknowledgement. Each fast
path here does the same thing with less work, is compared with nats-py's own in
``tests/unit/test_nats_fast.py``, and is installed only on the nats-py version it was checked
against: on any other, nats-py runs as shipped (and that test fails, to have it re-checked).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from nats import errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.protocol.command import hpub_cmd, pub_cmd

from pilar_kit.natsheaders import encode_headers, parse_header_lines

CHECKED_VERSION = "2.16.0"
NATS_PY_SEND_PUBLISH = Client._send_publish  # nats-py's own, kept for comparison and fallback
NATS_PY_NEXT_MSG = Subscription.next_msg
CHECKED = version("nats-py") == CHECKED_VERSION  # whether nats-py is the version checked


def install() -> bool:
    """Install the fast paths when nats-py is the checked version; say whether they are."""
    if not CHECKED:
        return False
    Client._parse_header_lines = staticmethod(parse_header_lines)  # type: ignore[method-assign]
    Client._send_publish = _send_publish  # type: ignore[method-assign]
    Subscription.next_msg = _next_msg  # type: ignore[method-assign]
    return True


async def _send_publish(
    self: Any,
    subject: str,
    reply: str,
    payload: bytes,
    payload_size: int,
    headers: dict[str, str] | None,
) -> None:
    """nats-py's ``Client._send_publish`` with the header block from ``encode_headers``."""
    if subject == "":
        raise errors.BadSubjectError
    if headers is None:
        command = pub_cmd(subject, reply, payload)
    else:
        command = hpub_cmd(subject, reply, encode_headers(headers), payload)
    self.stats["out_msgs"] += 1
    self.stats["out_bytes"] += payload_size
    await self._send_command(command)
    if self._flush_queue is not None and self._flush_queue.empty():
        await self._flush_pending()


async def _next_msg(self: Any, timeout: float | None = 1.0) -> Msg:  # noqa: ASYNC109
    """nats-py's ``Subscription.next_msg``, without a task when a message is already queued.

    A fetch of 500 takes each message with ``next_msg``; when the server has already delivered
    them, waiting for each in a task of its own costs more than the rest of the fetch.
    """
    queue = self._pending_queue
    if queue.empty() or self._cb or self._conn.is_closed:
        return await NATS_PY_NEXT_MSG(self, timeout)  # waits, or raises as nats-py does
    msg: Msg = queue.get_nowait()
    self._pending_size -= len(msg.data)
    queue.task_done()
    return msg


async def ack_all(msgs: Sequence[Msg]) -> None:
    """Acknowledge JetStream messages of one connection in one buffered write.

    Each ``Msg.ack()`` is a publish of its own; here the acknowledgements are the same ``PUB``
    commands, written together. Falls back to ``Msg.ack()`` off the checked nats-py, or while
    the connection is not plainly connected (nats-py then decides what to buffer or refuse).
    """
    if not msgs:
        return
    client: Any = msgs[0]._client
    plain = client.is_connected and not client.is_draining_pubs
    if not CHECKED or not plain or any(msg._client is not client for msg in msgs):
        for msg in msgs:
            await msg.ack()
        return
    for msg in msgs:
        msg._check_reply()  # raises as Msg.ack() would: no reply subject, or acknowledged
    command = b"".join(b"PUB %s 0\r\n\r\n" % msg.reply.encode() for msg in msgs)
    client.stats["out_msgs"] += len(msgs)
    await client._send_command(command)
    if client._flush_queue is not None and client._flush_queue.empty():
        await client._flush_pending()
    for msg in msgs:
        msg._ackd = True
