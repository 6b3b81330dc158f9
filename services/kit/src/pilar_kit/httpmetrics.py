"""HTTP request rate and latency per route template: bounded labels, never a path with an id."""

from __future__ import annotations

import time

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"  # 404s of arbitrary paths would otherwise make a label per path


class HttpMetrics:
    """Pure ASGI middleware: no task or stream per request, unlike ``@app.middleware``."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry, service: str) -> None:
        self.app, self.service = app, service
        self.requests = Counter(
            "pilar_http_requests_total",
            "HTTP requests answered, by route template and status",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            "pilar_http_request_seconds",
            "Time to answer an HTTP request, by route template",
            ["service", "method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and count it by the route the router matched."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response starts is answered 500 further out

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"]
            self.requests.labels(self.service, method, route, str(status)).inc()
            self.seconds.labels(self.service, method, route).observe(time.perf_counter() - started)


def install_http_metrics(app: FastAPI, registry: CollectorRegistry, service: str) -> None:
    """Count every request by route template and status, and time it."""
    app.add_middleware(HttpMetrics, registry=registry, service=service)
