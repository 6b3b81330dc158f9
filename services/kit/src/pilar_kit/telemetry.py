"""OpenTelemetry and logging set-up: OTLP export only when an endpoint is configured."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from prometheus_client import CollectorRegistry

log = logging.getLogger("pilar.telemetry")


def setup_logging(service: str, level: str = "INFO") -> None:
    """Log lines prefixed with the service name; no personal data is ever logged."""
    logging.basicConfig(
        level=level.upper(),
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
        force=True,
    )


class _TaskEnds(logging.Filter):
    """Drops FastStream's INFO line for each pull loop that ends: one per consumer at every stop."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but that line (its failures are logged at ERROR, and kept)."""
        message = str(record.msg)
        return not (
            record.levelno == logging.INFO
            and message.startswith("callback for ")
            and message.endswith(" is being executed...")
        )


def bus_logger() -> logging.Logger:
    """FastStream's logger: the service's own format and stream, not a coloured one of its own."""
    logger = logging.getLogger("pilar.bus")
    if not any(isinstance(each, _TaskEnds) for each in logger.filters):
        logger.addFilter(_TaskEnds())
    return logger


def _span_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def setup_tracing(
    service: str, otlp_endpoint: str | None = None, trace_file: Path | None = None
) -> TracerProvider:
    """Create the service's tracer provider and make it the global one."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"pilar-{service}"}))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        otlp = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(otlp))
    if trace_file:  # spans as JSON lines: for a machine without a collector, and the e2e test
        trace_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(trace_file, "a", encoding="utf-8")  # noqa: SIM115  lives as long as the process
        exporter = ConsoleSpanExporter(out=out, formatter=_span_line)
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        log.debug("a tracer provider is already set in this process; keeping it")
    else:
        trace.set_tracer_provider(provider)
    return provider


def spans_exported(provider: object | None = None) -> bool:
    """Whether spans reach anyone: an SDK provider without span processors drops them all.

    ``provider`` defaults to the global one; unknown providers are assumed to export.
    """
    active = getattr(provider or trace.get_tracer_provider(), "_active_span_processor", None)
    processors = getattr(active, "_span_processors", None)
    return processors is None or len(processors) > 0


def broker_middlewares(
    service: str, tracer_provider: TracerProvider, registry: CollectorRegistry
) -> list[Any]:
    """FastStream's Prometheus middleware, and its tracing one when spans are exported.

    Unexported, the tracing middleware's spans and per-message baggage (a tenth of a consumer's
    CPU per event) would reach nobody; the kit's own spans follow the same rule.
    """
    middlewares: list[Any] = [NatsPrometheusMiddleware(registry=registry, app_name=service)]
    if spans_exported(tracer_provider):
        middlewares.insert(0, NatsTelemetryMiddleware(tracer_provider=tracer_provider))
    return middlewares
