"""Signed webhooks to ministry systems, checked by a real local HTTP server, on both databases.

The receiver knows each subscriber's secret and checks the HMAC-SHA256 signature and timestamp
on its own, the way a ministry's system would; a request it cannot verify is answered 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pilar_contracts.events.cases import DisasterDeclared, DisasterPeriod
from pilar_contracts.events.fields import DisasterStatus
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_notifications.app import create_app
from pilar_notifications.settings import WebhookSubscriber
from tests.api.harness import bearer, serving
from tests.integration.test_notifications_gateway import (
    eventually,
    publish,
    serving_http,
    settings,
)

BNPB, DINSOS_JATENG, MAGELANG, JATIM = uuid4(), uuid4(), uuid4(), uuid4()
SECRETS = {
    BNPB: "bnpb-secret-" + "a" * 32,
    DINSOS_JATENG: "jateng-secret-" + "b" * 32,
    MAGELANG: "magelang-secret-" + "c" * 32,
    JATIM: "jatim-secret-" + "d" * 32,
}


@dataclass
class Receiver:
    """A ministry system's endpoint: one path per subscriber, verifying what it receives."""

    secrets: dict[str, str]
    accepted: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def receive(self, request: Request) -> JSONResponse:
        """Accept a request only with a fresh timestamp and the right signature."""
        name = request.path_params["name"]
        body = await request.body()
        stamp = request.headers.get("x-pilar-timestamp", "")
        expected = hmac.new(
            self.secrets[name].encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        if not fresh or not hmac.compare_digest(
            f"v1={expected}", request.headers.get("x-pilar-signature", "")
        ):
            self.refused.append(name)
            return JSONResponse({"error": "bad signature"}, status_code=401)
        self.accepted.append((name, dict(request.headers), json.loads(body)))
        return JSONResponse({"ok": True})


def subscriber(
    pid: UUID, name: str, port: int, regions: list[str], secret: str
) -> WebhookSubscriber:
    """A configured subscriber posting to the receiver's path of its name."""
    return WebhookSubscriber(
        id=pid,
        name=name,
        url=f"http://127.0.0.1:{port}/hooks/{name}",
        secret=SecretStr(secret),
        regions=regions,
    )


def declared() -> DisasterDeclared:
    """A flood declared in Kota Magelang."""
    return DisasterDeclared(
        disaster_id=uuid4(),
        hazard="101",
        name="Banjir Magelang 2026",
        status=DisasterStatus.TANGGAP_DARURAT,
        affected_regions=("33.71",),
        authority="BPBD-33.71",
        decree_no="188.45/12/2026",
        period=DisasterPeriod(start=date(2026, 12, 1)),
    )


async def test_ministry_systems_receive_signed_disaster_alerts_for_their_regions(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    names = {BNPB: "bnpb", DINSOS_JATENG: "jateng", MAGELANG: "magelang", JATIM: "jatim"}
    receiver = Receiver({names[pid]: secret for pid, secret in SECRETS.items()})
    async with serving_http([Route("/hooks/{name}", receiver.receive, methods=["POST"])]) as port:
        hooks = [
            subscriber(BNPB, "bnpb", port, [], SECRETS[BNPB]),  # national
            subscriber(DINSOS_JATENG, "jateng", port, ["33"], SECRETS[DINSOS_JATENG]),
            # configured with a secret the receiver does not share: refused, never retried
            subscriber(MAGELANG, "magelang", port, ["33.71"], "wrong-secret-" + "x" * 32),
            subscriber(JATIM, "jatim", port, ["35"], SECRETS[JATIM]),  # another province
        ]
        config = settings(database_url, nats_server.url, tmp_path, 9, 9)
        config = config.model_copy(update={"webhooks": hooks})
        async with serving(create_app, config) as (http, _runtime):
            event = declared()
            await publish(nats_server.url, event)

            async def settled() -> dict[UUID, dict[str, Any]] | None:
                r = await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))
                rows = {UUID(d["recipient_id"]): d for d in r.json()}
                done = len(rows) == 3 and all(d["status"] != "pending" for d in rows.values())
                return rows if done else None

            log = await eventually(settled)

    assert {pid: (d["status"], d["channel"]) for pid, d in log.items()} == {
        BNPB: ("delivered", "webhook"),
        DINSOS_JATENG: ("delivered", "webhook"),
        MAGELANG: ("failed", "webhook"),
    }
    assert log[MAGELANG]["last_error"] == "webhook_rejected"
    assert log[MAGELANG]["attempts"] == 1
    assert receiver.refused == ["magelang"]
    assert sorted(name for name, _, _ in receiver.accepted) == ["bnpb", "jateng"]
    for name, headers, body in receiver.accepted:
        pid = BNPB if name == "bnpb" else DINSOS_JATENG
        assert headers["x-pilar-delivery"] == log[pid]["id"]
        assert headers["content-type"] == "application/json"
        assert body["template"] == "disaster_declared"
        assert body["cause_event_id"] == log[pid]["cause_event_id"]
        assert body["cause_type"] == "pilar.cases.disaster.declared.v1"
        assert body["data"]["affected_regions"] == ["33.71"]
        assert body["data"]["decree_no"] == "188.45/12/2026"
        assert "Kota Magelang" in body["text"]
        assert "display_name" not in body["data"]
