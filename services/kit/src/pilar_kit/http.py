"""The HTTP side of a service: FastAPI app with health, metrics, auth and clear 4xx errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pilar_kit.auth import install_verifier, verifier_from_settings
from pilar_kit.httpmetrics import install_http_metrics
from pilar_kit.runtime import Runtime


class Rejected(Exception):  # noqa: N818  a domain verdict, not a crash
    """A request the domain refuses: answered with a 4xx and a message for operators."""

    def __init__(self, message: str, *, code: str, status: int = 422, **details: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.status, self.details = message, code, status, details


async def _runtime(request: Request) -> Runtime:  # async: a plain def costs a thread hand-off
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(_runtime)]


def health_router(runtime: Runtime) -> APIRouter:
    """``/healthz`` (alive) and ``/readyz`` (NATS, database and consumers)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": runtime.service}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready when NATS and the database answer and the consumers are attached and pulling."""
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics of this service."""
        return Response(generate_latest(runtime.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def create_http_app(
    runtime: Runtime, *, title: str, description: str, routers: Sequence[APIRouter]
) -> FastAPI:
    """Build the service's FastAPI app; its lifespan starts and stops the runtime."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.runtime = runtime
    install_verifier(app, verifier_from_settings(runtime.settings.auth))
    app.include_router(health_router(runtime))
    for router in routers:
        app.include_router(router)
    app.add_exception_handler(Rejected, _rejected)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    install_http_metrics(app, runtime.registry, runtime.service)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=runtime.tracer_provider,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],  # a span per ASGI message costs more than it tells
    )
    return app


async def _rejected(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    body = {"detail": exc.message, "code": exc.code, **exc.details}
    return JSONResponse(body, status_code=exc.status)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without echoing the input back: it may carry a NIK, a name or a phone."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": errors, "code": "invalid_request"}, status_code=422)
