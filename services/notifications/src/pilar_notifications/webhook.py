"""Signed webhooks for ministry systems: HMAC-SHA256 over the timestamp and the body.

A receiver recomputes ``v1=hex(HMAC-SHA256(secret, "<X-Pilar-Timestamp>." + body))``, compares it
in constant time with ``X-Pilar-Signature``, refuses timestamps older than a few minutes (replays),
and may drop a repeated ``X-Pilar-Delivery`` (the notification id: a retry after a lost answer).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

from pilar_notifications.channels import DeliveryFailed
from pilar_notifications.poster import JSON, Poster
from pilar_notifications.settings import WebhookSubscriber
from pilar_notifications.templates import Message

SIGNATURE_HEADER = "X-Pilar-Signature"
TIMESTAMP_HEADER = "X-Pilar-Timestamp"
DELIVERY_HEADER = "X-Pilar-Delivery"
SCHEME = "v1"
TOLERANCE_SECONDS = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def verify(
    secret: bytes,
    *,
    timestamp: str,
    body: bytes,
    signature_header: str,
    now: float,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Tell whether a request was signed with ``secret`` recently enough (what receivers do)."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), signature_header)


class WebhookChannel:
    """POST the notification's JSON to a subscriber's URL, signed with its own secret."""

    name = "webhook"

    def __init__(
        self,
        subscribers: Sequence[WebhookSubscriber],
        poster: Poster,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.subscribers = {str(s.id): s for s in subscribers}
        self.poster, self.clock = poster, clock

    async def send(self, address: str, message: Message) -> None:
        """Deliver to the subscriber whose id is ``address``."""
        subscriber = self.subscribers.get(address)
        if subscriber is None:
            raise DeliveryFailed("no_address", permanent=True)  # removed from the configuration
        body, timestamp = message.body.encode(), int(self.clock())
        secret = subscriber.secret.get_secret_value().encode()
        headers = {
            "Content-Type": JSON,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            DELIVERY_HEADER: message.key,
        }
        await self.poster.post(subscriber.url, "webhook", body, headers)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.poster.aclose()
