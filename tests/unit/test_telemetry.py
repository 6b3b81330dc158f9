"""Traces leave the process only when an OTLP endpoint is configured."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from pilar_kit.telemetry import bus_logger, setup_tracing


class Collector(BaseHTTPRequestHandler):
    """A stand-in OTLP/HTTP collector that records what it receives."""

    received: list[tuple[str, str, int]] = []  # noqa: RUF012  shared by the handler instances

    def do_POST(self) -> None:
        """Record one export request."""
        length = int(self.headers["Content-Length"])
        self.rfile.read(length)
        Collector.received.append((self.path, self.headers["Content-Type"], length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def collector() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_spans_are_exported_over_otlp_http_when_configured(collector: str) -> None:
    provider = setup_tracing("test", otlp_endpoint=collector)
    with provider.get_tracer("t").start_as_current_span("work"):
        pass
    assert provider.force_flush(5000)
    assert [(path, kind) for path, kind, _ in Collector.received] == [
        ("/v1/traces", "application/x-protobuf")
    ]
    assert Collector.received[0][2] > 0


def test_nothing_is_exported_without_an_endpoint(collector: str, tmp_path: Path) -> None:
    provider = setup_tracing("test", trace_file=tmp_path / "spans.jsonl")
    with provider.get_tracer("t").start_as_current_span("work"):
        pass
    assert provider.force_flush(5000)
    assert Collector.received == []
    spans = [json.loads(line) for line in (tmp_path / "spans.jsonl").read_text().splitlines()]
    assert [s["name"] for s in spans] == ["work"]
    assert spans[0]["resource"]["attributes"]["service.name"] == "pilar-test"


def test_the_bus_logger_drops_only_the_line_for_each_ended_pull_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="pilar.bus")
    bus = bus_logger()
    bus.info("callback for Task-12 is being executed...")
    bus.error("Task-12 raised an exception, retrying...")
    bus.info("Subscriber started")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "Task-12 raised an exception, retrying..."),
        ("INFO", "Subscriber started"),
    ]
    assert bus_logger().filters == bus.filters  # set up once however often it is asked for
    assert len(bus.filters) == 1
