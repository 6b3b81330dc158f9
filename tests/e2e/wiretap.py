"""Everything published on Pilar's public subjects, and a scan of it for personal data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.errors import NotFoundError

PUBLIC_STREAMS = ("PILAR_REGISTRY", "PILAR_CASES", "PILAR_NOTIFICATIONS", "PILAR_ANALYTICS")
STREAMS = (*PUBLIC_STREAMS, "PILAR_DLQ")
PRIVATE = "pilar.private."
# a bare 16-digit run (NIK or No. KK), not part of a longer hex or decimal token
NIK_LIKE = re.compile(r"(?<![0-9A-Za-z.])\d{16}(?![0-9A-Za-z])")
# an Indonesian phone number: +62... or 08..., not the tail of a longer token
PHONE_LIKE = re.compile(r"(?:\+62|(?<![0-9A-Za-z.])08)[0-9 -]{7,14}\d")
# a W3C trace context: its random ids are hex and may happen to be all digits
TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
# a UUID: random hex groups such as "-0855-7095-8" would otherwise read as a phone number
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


@dataclass(frozen=True)
class Seen:
    """One message as it travelled: where it came from, its subject, headers and body."""

    origin: str
    subject: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Headers and body as one text to search."""
        heads = "\n".join(f"{k}: {v}" for k, v in self.headers.items() if not _trace(k, v))
        return f"{heads}\n{self.body.decode(errors='replace')}"


def _trace(name: str, value: str) -> bool:
    """Whether a header is a well-formed trace context, which carries no personal data."""
    return name.lower() == "traceparent" and TRACEPARENT.fullmatch(value) is not None


@dataclass
class Wiretap:
    """A core subscription to ``pilar.>``, keeping every non-private message it sees."""

    client: Client
    subscription: Subscription | None = None
    seen: list[Seen] = field(default_factory=list)

    async def start(self) -> None:
        """Subscribe; messages from now on are kept."""
        self.subscription = await self.client.subscribe("pilar.>", cb=self._keep)
        await self.client.flush()

    async def _keep(self, msg: Msg) -> None:
        if not msg.subject.startswith(PRIVATE):
            self.seen.append(Seen("core", msg.subject, dict(msg.headers or {}), msg.data))

    async def stored(self) -> list[Seen]:
        """Every message still in the streams, read from their first sequence."""
        js = self.client.jetstream()
        found: list[Seen] = []
        for stream in STREAMS:
            try:
                info = await js.stream_info(stream)
            except NotFoundError:
                continue
            if not info.state.messages:
                continue  # an empty stream has no sequence 0 to read
            for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
                try:
                    raw = await js.get_msg(stream, seq)
                except NotFoundError:
                    continue  # removed by limits: nothing left to leak
                subject = raw.subject or ""
                if not subject.startswith(PRIVATE):
                    found.append(Seen(stream, subject, dict(raw.headers or {}), raw.data or b""))
        return found


async def connect(url: str) -> Client:
    """A plain nats-py client for the test's own eyes."""
    return await nats.connect(url, name="e2e-wiretap")


def leaks(messages: Iterable[Seen], secrets: Iterable[str]) -> list[str]:
    """Each message that carries a secret, a NIK-like number or a phone-like number, explained."""
    secrets = [s for s in secrets if s]
    found = []
    for message in messages:
        text = message.text()
        hits = [s for s in secrets if s.lower() in text.lower()]
        numbers = UUID.sub("<uuid>", text)
        hits += NIK_LIKE.findall(numbers) + PHONE_LIKE.findall(numbers)
        if hits:
            found.append(f"{message.origin} {message.subject}: {hits}")
    return found
