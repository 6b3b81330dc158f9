"""SMS and WhatsApp through an HTTP gateway, in the common shape of Indonesian gateway APIs."""

from __future__ import annotations

import httpx

from pilar_notifications.channels import DeliveryFailed
from pilar_notifications.templates import Message

THROTTLED = 429


class GatewayChannel:
    """POST ``{"to", "message"}`` (and ``"channel"`` for WhatsApp) with a bearer token."""

    def __init__(
        self, name: str, url: str, token: str, client: httpx.AsyncClient | None = None
    ) -> None:
        self.name, self.url = name, url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.client = client or httpx.AsyncClient(timeout=10.0)

    async def send(self, address: str, message: Message) -> None:
        """Hand one message to the gateway; 2xx means it took it."""
        body = {"to": address, "message": message.body}
        if self.name == "whatsapp":
            body["channel"] = "whatsapp"
        try:
            response = await self.client.post(self.url, json=body, headers=self.headers)
        except httpx.TimeoutException:
            raise DeliveryFailed("gateway_timeout") from None
        except httpx.HTTPError:
            raise DeliveryFailed("gateway_error") from None
        _judge(response.status_code)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def _judge(status: int) -> None:
    if status < 300:
        return
    if status == THROTTLED:
        raise DeliveryFailed("gateway_throttled")
    if status >= 500:
        raise DeliveryFailed("gateway_error")
    raise DeliveryFailed("gateway_rejected", permanent=True)
