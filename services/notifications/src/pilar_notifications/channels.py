"""Delivery channels behind one interface: e-mail over SMTP here, SMS and WhatsApp in gateway."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from pilar_notifications.templates import Message

# Every reason a delivery can fail for: a bounded set, so that it can label metrics.
REASONS = frozenset(
    {
        "smtp_unavailable",
        "recipient_refused",
        "gateway_timeout",
        "gateway_error",
        "gateway_throttled",
        "gateway_rejected",
        "webhook_timeout",
        "webhook_error",
        "webhook_throttled",
        "webhook_rejected",
        "no_address",
        "no_contact",
        "internal_error",
    }
)


class DeliveryFailed(Exception):  # noqa: N818
    """A channel could not deliver; ``reason_code`` says why without personal data.

    ``permanent`` means that trying the same channel again cannot help (a refused address);
    ``retry_after`` is the pause in seconds a throttling gateway asked for.
    """

    def __init__(
        self, reason_code: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason_code)
        self.reason_code, self.permanent, self.retry_after = reason_code, permanent, retry_after


class Channel(Protocol):
    """A way to reach a person."""

    name: str

    async def send(self, address: str, message: Message) -> None:
        """Deliver the message or raise DeliveryFailed."""

    async def aclose(self) -> None:
        """Let go of pooled connections (the channel may be used again after)."""


class EmailChannel:
    """E-mail through an SMTP server."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, address: str, message: Message) -> None:
        """Send one e-mail."""
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, address, message.subject
        email.set_content(message.body)
        try:
            await aiosmtplib.send(email, hostname=self.host, port=self.port, timeout=self.timeout)
        except aiosmtplib.SMTPRecipientsRefused:
            raise DeliveryFailed("recipient_refused", permanent=True) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            raise DeliveryFailed("smtp_unavailable") from None

    async def aclose(self) -> None:
        """Nothing to close: every e-mail opens its own SMTP connection."""
