"""SMS and WhatsApp through an HTTP gateway, in the common shape of Indonesian gateway APIs."""

from __future__ import annotations

import json

from pilar_notifications.poster import JSON, Poster, retry_after
from pilar_notifications.templates import Message

__all__ = ["GatewayChannel", "retry_after"]


class GatewayChannel:
    """POST ``{"to", "message"}`` (and ``"channel"`` for WhatsApp) with a bearer token if set."""

    def __init__(self, name: str, url: str, token: str, poster: Poster) -> None:
        self.name, self.url, self.poster = name, url, poster
        self.headers = {"Content-Type": JSON}
        # Without a token there is no Authorization header: "Bearer " alone is not valid HTTP.
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    async def send(self, address: str, message: Message) -> None:
        """Hand one message to the gateway; 2xx means it took it."""
        body = {"to": address, "message": message.body}
        if self.name == "whatsapp":
            body["channel"] = "whatsapp"
        await self.poster.post(self.url, "gateway", _encode(body), self.headers)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.poster.aclose()


def _encode(body: dict[str, str]) -> bytes:
    """Compact JSON in UTF-8, Indonesian text unescaped."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
