"""HTTP request rate and latency per route template: bounded labels, never a path with an id."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

UNMATCHED = "unmatched"  # 404s of arbitrary paths would otherwise make a label per path


def install_http_metrics(app: FastAPI, registry: CollectorRegistry, service: str) -> None:
    """Count every request by route template and status, and time it."""
    requests = Counter(
        "pilar_http_requests_total",
        "HTTP requests answered, by route template and status",
        ["service", "method", "route", "status"],
        registry=registry,
    )
    seconds = Histogram(
        "pilar_http_request_seconds",
        "Time to answer an HTTP request, by route template",
        ["service", "method", "route"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", UNMATCHED)
        requests.labels(service, request.method, route, str(response.status_code)).inc()
        seconds.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response
