"""Windows of JetStream publishes whose PubAcks are awaited together (the relay's transport).

nats-py's ``publish_async`` readies each message with a semaphore wait under a timeout, a random
token and a PubAck object: a third of the relay's CPU per event. A window needs less: one reply
subscription per connection, a counter for tokens, and a yes or no per message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence

from nats.aio.client import Client
from nats.aio.msg import Msg

Message = tuple[str, bytes, dict[str, str]]  # subject, body, headers


class WindowPublisher:
    """Publishes windows of messages on one connection and reports which JetStream stored."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._prefix = ""
        self._tokens = itertools.count()
        self._waiting: dict[str, asyncio.Future[bool]] = {}

    async def publish(self, messages: Sequence[Message], ack_seconds: float) -> list[bool]:
        """Publish in order; return, per message, whether its PubAck came within ``ack_seconds``."""
        if not self._prefix:
            await self._listen()
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[bool]] = []
        try:
            for subject, body, headers in messages:
                token = str(next(self._tokens))
                future: asyncio.Future[bool] = loop.create_future()
                self._waiting[token] = future
                futures.append(future)
                await self.client.publish(subject, body, self._prefix + token, headers)
            if futures:
                await asyncio.wait(futures, timeout=ack_seconds)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()
            self._forget()
        return [f.done() and not f.cancelled() and f.result() for f in futures]

    async def _listen(self) -> None:
        """Subscribe once to this publisher's reply subjects (inside the connection's inbox)."""
        prefix = self.client.new_inbox() + "."
        await self.client.subscribe(prefix + "*", cb=self._on_reply)
        self._prefix = prefix

    async def _on_reply(self, msg: Msg) -> None:
        future = self._waiting.pop(msg.subject[len(self._prefix) :], None)
        if future is not None and not future.done():
            future.set_result(stored(msg))

    def _forget(self) -> None:
        """Drop the unanswered futures of a finished window (answered ones are gone already)."""
        if self._waiting:
            self._waiting = {t: f for t, f in self._waiting.items() if not f.done()}


def stored(reply: Msg) -> bool:
    """Whether a reply is a PubAck: JetStream stored the message (or had it already)."""
    if not reply.data:  # a status reply: no stream takes the subject (503), or similar
        return False
    try:
        answer = json.loads(reply.data)
    except ValueError:
        return False
    return isinstance(answer, dict) and "error" not in answer and "seq" in answer
