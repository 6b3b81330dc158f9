"""One pooled HTTP client (aiohttp) for the gateways and webhooks, judging answers alike.

aiohttp rather than httpx: in a call-out the client's own CPU cost per request counts, and
aiohttp's is lower (the service's CPU time in bench/notifications.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp

from pilar_notifications.channels import DeliveryFailed

THROTTLED = 429
JSON = "application/json"


class Poster:
    """POSTs over kept-alive connections, at most ``connections`` at once, each within ``timeout``.

    The session is opened on first use, inside the running event loop as aiohttp requires,
    and opened again after ``aclose`` (a restarted dispatch loop). aiohttp ignores
    ``HTTP(S)_PROXY`` unless ``trust_env``; ``proxy`` names one outright.
    """

    def __init__(
        self,
        connections: int,
        timeout: float,
        *,
        trust_env: bool = False,
        proxy: str | None = None,
    ) -> None:
        self.connections, self.trust_env, self.proxy = connections, trust_env, proxy
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The open session, opened now if need be."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                raise_for_status=False,
                trust_env=self.trust_env,
            )
        return self._session

    async def post(self, url: str, kind: str, body: bytes, headers: dict[str, str]) -> None:
        """POST and judge the answer; failures are ``DeliveryFailed("<kind>_<why>")``."""
        try:
            post = self.session().post(url, data=body, headers=headers, proxy=self.proxy)
            async with post as response:
                await response.read()  # the connection goes back to the pool only once read
                status, pause = response.status, response.headers.get("Retry-After")
        except TimeoutError:  # aiohttp's timeouts are TimeoutErrors, some also ClientErrors
            raise DeliveryFailed(f"{kind}_timeout") from None
        except (aiohttp.ClientError, OSError):
            raise DeliveryFailed(f"{kind}_error") from None
        judge(status, pause, kind)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def judge(status: int, retry_after_header: str | None, kind: str) -> None:
    """2xx is taken; 429 throttled (with its Retry-After); 5xx an error; other 4xx refused."""
    if status < 300:
        return
    if status == THROTTLED:
        pause = retry_after(retry_after_header, datetime.now(UTC))
        raise DeliveryFailed(f"{kind}_throttled", retry_after=pause)
    if status >= 500:
        raise DeliveryFailed(f"{kind}_error")
    raise DeliveryFailed(f"{kind}_rejected", permanent=True)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
