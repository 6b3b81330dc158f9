"""Dead letters: poison or exhausted events go to ``PILAR_DLQ`` with the reason; list and replay.

A private event (``pilar.private.>``: contact data) is dead-lettered without its body: the DLQ
is readable by operators, the private stream only by notifications, so the letter points at the
original message and replay reads the body from there.

``python -m pilar_kit.deadletters --nats URL list`` and ``... replay SEQ [SEQ ...]`` (or ``--all``).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pilar_contracts.streams import DLQ
from pilar_contracts.subjects import dead_letter_subject

REASON, CONSUMER, DELIVERIES = "Pilar-DLQ-Reason", "Pilar-DLQ-Consumer", "Pilar-DLQ-Deliveries"
SUBJECT, STREAM, STREAM_SEQ = "Pilar-DLQ-Subject", "Pilar-DLQ-Stream", "Pilar-DLQ-Stream-Seq"
BODY = "Pilar-DLQ-Body"
WITHHELD = "withheld"
DLQ_HEADERS = (REASON, CONSUMER, DELIVERIES, SUBJECT, STREAM, STREAM_SEQ, BODY)
PRIVATE_PREFIX = "pilar.private."


class BodyGoneError(Exception):
    """A withheld body is no longer in its source stream (aged out or deleted)."""


async def dead_letter(js: JetStreamContext, msg: Msg, *, consumer: str, reason: str) -> None:
    """Copy a message to the dead-letter stream with the reason, then terminate it."""
    md = msg.metadata
    headers = dict(msg.headers or {})
    headers.update(
        {
            REASON: reason[:500],
            CONSUMER: consumer,
            DELIVERIES: str(md.num_delivered),
            SUBJECT: msg.subject,
            STREAM: md.stream,
            STREAM_SEQ: str(md.sequence.stream),
            "Nats-Msg-Id": f"dlq-{consumer}-{md.stream}-{md.sequence.stream}",
        }
    )
    body = msg.data
    if msg.subject.startswith(PRIVATE_PREFIX):
        headers[BODY], body = WITHHELD, b""
    await js.publish(
        dead_letter_subject(consumer), body, headers=headers, stream=DLQ.name, timeout=5
    )
    await msg.term()


@dataclass(frozen=True)
class DeadLetter:
    """One message of the dead-letter stream, as operators see it."""

    seq: int
    consumer: str
    subject: str
    event_type: str
    event_id: str
    reason: str
    deliveries: str
    headers: dict[str, str]
    body: bytes


async def list_dead_letters(js: JetStreamContext, consumer: str | None = None) -> list[DeadLetter]:
    """Return every dead letter, oldest first, optionally for one consumer."""
    info = await js.stream_info(DLQ.name)
    letters: list[DeadLetter] = []
    if not info.state.messages:  # empty: first_seq is 0 and there is no message 0 to get
        return letters
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            raw = await js.get_msg(DLQ.name, seq)
        except NotFoundError:
            continue  # replayed and deleted
        headers = dict(raw.headers or {})
        if consumer and headers.get(CONSUMER) != consumer:
            continue
        letters.append(
            DeadLetter(
                seq=seq,
                consumer=headers.get(CONSUMER, "?"),
                subject=headers.get(SUBJECT, "?"),
                event_type=headers.get("ce-type", "?"),
                event_id=headers.get("ce-id", "?"),
                reason=headers.get(REASON, "?"),
                deliveries=headers.get(DELIVERIES, "?"),
                headers=headers,
                body=raw.data or b"",
            )
        )
    return letters


async def replay(js: JetStreamContext, letter: DeadLetter) -> None:
    """Republish a dead letter to its original subject, then remove it from the DLQ.

    Every consumer of the original stream sees it again; those that applied it already skip
    it through their inbox (same ``ce-id``). A fresh ``Nats-Msg-Id`` gets it past the
    stream's duplicate window.
    """
    headers = {
        k: v
        for k, v in letter.headers.items()
        # Nats-* are server controls, not event data: the DLQ copy carries the DLQ's
        # Nats-Expected-Stream, which the original stream would reject
        if k not in DLQ_HEADERS and not k.lower().startswith("nats-")
    }
    headers["Nats-Msg-Id"] = f"replay-{letter.seq}-{letter.event_id}"
    body = await _original_body(js, letter) if letter.headers.get(BODY) == WITHHELD else letter.body
    await js.publish(letter.subject, body, headers=headers, timeout=5)
    await js.delete_msg(DLQ.name, letter.seq)


async def _original_body(js: JetStreamContext, letter: DeadLetter) -> bytes:
    """Read a withheld body back from the stream the letter came from."""
    try:
        raw = await js.get_msg(letter.headers[STREAM], int(letter.headers[STREAM_SEQ]))
    except NotFoundError:
        raise BodyGoneError(f"dead letter {letter.seq}: original message is gone") from None
    return raw.data or b""


async def _main(args: argparse.Namespace) -> int:
    nc = await nats.connect(args.nats)
    try:
        js = nc.jetstream()
        letters = await list_dead_letters(js, args.consumer)
        if args.command == "list":
            for d in letters:
                print(
                    f"{d.seq}\t{d.consumer}\t{d.event_type}\t{d.event_id}\t{d.deliveries}\t{d.reason}"
                )
            print(f"{len(letters)} dead letter(s)")
            return 0
        chosen = letters if args.all else [d for d in letters if d.seq in set(args.seq)]
        failed = 0
        for d in chosen:
            try:
                await replay(js, d)
            except BodyGoneError as gone:
                failed += 1
                print(gone)
                continue
            print(f"replayed {d.seq} ({d.event_type}) to {d.subject}")
        return 0 if chosen and not failed else 1
    finally:
        await nc.close()


def main() -> None:
    """Operator command: list dead letters with their reasons, replay them after a fix."""
    parser = argparse.ArgumentParser(prog="pilar-deadletters", description=main.__doc__)
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--consumer", default=None, help="only this durable consumer")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list dead letters and their reasons")
    rep = sub.add_parser("replay", help="republish dead letters to their original subject")
    rep.add_argument("seq", nargs="*", type=int, help="DLQ sequence numbers")
    rep.add_argument("--all", action="store_true", help="every dead letter (of --consumer)")
    raise SystemExit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
