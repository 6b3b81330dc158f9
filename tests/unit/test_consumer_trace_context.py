"""Without an exporter the consumer makes no spans, yet what a handler stages keeps the trace."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from opentelemetry import propagate

from pilar_kit.consumer import Ready, _remote_parent

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _ready(headers: dict[str, str]) -> Ready:
    msg = SimpleNamespace(headers=headers)
    return Ready(
        msg=cast(Any, msg), event=cast(Any, None), delivery=cast(Any, None), handler=cast(Any, None)
    )


def _current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def test_a_handler_runs_in_the_incoming_trace_and_leaves_no_context_behind() -> None:
    assert _current_traceparent() is None
    with _remote_parent(_ready({"traceparent": TRACEPARENT})):
        assert _current_traceparent() == TRACEPARENT  # what the outbox stamps on new events
    assert _current_traceparent() is None


def test_a_message_without_trace_context_runs_without_one() -> None:
    with _remote_parent(_ready({})):
        assert _current_traceparent() is None
