"""Notifications through a real local SMS/WhatsApp gateway and SMTP server, on both databases.

The gateway answers by recipient number: it delivers, throttles and fails before delivering,
times out, or rejects; the service retries, falls back to the next channel, and logs the outcome.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import nats
import pytest
import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pilar_contracts import Event, wrap
from pilar_contracts.events.fields import DeploymentTask
from pilar_contracts.events.registry import ContactChanged, VolunteerDeployed
from pilar_kit.auth import AuthSettings, Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer, free_ports
from pilar_notifications import delivery
from pilar_notifications.app import create_app
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.store import NotificationRow
from tests.api.harness import SECRET, bearer, serving

T = TypeVar("T")
TOKEN = "gateway-test-token"
TIMEOUT = "timeout"


@dataclass
class Gateway:
    """A local HTTP gateway whose answers are scripted per recipient number."""

    script: dict[str, list[int | str]]
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: Request) -> JSONResponse:
        """Answer the next scripted status for the number; 200 when the script runs out."""
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        body = json.loads(await request.body())
        self.received.append((request.url.path, body))
        answers = self.script.get(body["to"], [])
        answer = answers.pop(0) if answers else 200
        if answer == TIMEOUT:
            await asyncio.wait_for(self.release.wait(), timeout=10)
            answer = 504
        return JSONResponse({"status": "queued"}, status_code=int(answer))

    def sent_to(self, number: str) -> list[tuple[str, dict[str, Any]]]:
        """Requests the gateway received for one number."""
        return [(path, body) for path, body in self.received if body["to"] == number]


@asynccontextmanager
async def serving_http(routes: list[Route]) -> AsyncIterator[int]:
    """Serve routes with uvicorn on a free local port for the block; yield the port."""
    (port,) = free_ports(1)
    config = uvicorn.Config(
        Starlette(routes=routes), port=port, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Gateway, int]]:
    """The gateway served by uvicorn on a free port."""
    fake = Gateway(script={})
    routes = [Route(p, fake.receive, methods=["POST"]) for p in ("/sms", "/whatsapp")]
    async with serving_http(routes) as port:
        yield fake, port
        fake.release.set()


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[MailCatcher]:
    """A local SMTP server that keeps each message as a file."""
    catcher = MailCatcher(tmp_path / "mail", port=free_ports(1)[0])
    catcher.start()
    yield catcher
    catcher.stop()


def settings(
    database_url: str, nats_url: str, tmp_path: Path, gateway_port: int, smtp_port: int
) -> NotificationsSettings:
    """A service with fast retries and a short gateway timeout."""
    base = f"http://127.0.0.1:{gateway_port}"
    return NotificationsSettings(
        database_url=database_url,
        nats_url=nats_url,
        data_dir=tmp_path,
        fetch_timeout=0.1,
        auth=AuthSettings(jwt_secret=SECRET),
        smtp_port=smtp_port,
        sms_gateway_url=f"{base}/sms",
        whatsapp_gateway_url=f"{base}/whatsapp",
        gateway_token=SecretStr(TOKEN),
        gateway_timeout=0.3,
        dispatch_poll_seconds=0.05,
        max_attempts=3,
        retry_base_seconds=0.05,
        retry_cap_seconds=0.2,
    )


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 30) -> T:
    """Poll until the probe returns something."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if (found := await probe()) is not None:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


async def publish(nats_url: str, *events: Event) -> None:
    """Publish events the way their producers would (binary CloudEvents on JetStream)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for event in events:
            out = wrap(event, source="/pilar/registry", subject="test", region="33.71")
            await js.publish(out.nats_subject, out.body, headers=out.envelope.headers())
    finally:
        await nc.close()


def contact(
    number: str, preferred: list[str], email: str | None = None, *, sms: bool = True
) -> ContactChanged:
    """A volunteer reachable at a number on WhatsApp (and SMS), maybe by e-mail."""
    return ContactChanged.model_validate(
        {
            "person_id": uuid4(),
            "person_kind": "volunteer",
            "display_name": "Relawan",
            "phone": number if sms else None,
            "whatsapp": number,
            "email": email,
            "preferred_channels": preferred,
        }
    )


def deployed(volunteer_id: UUID) -> VolunteerDeployed:
    """An urgent call-out of one volunteer."""
    return VolunteerDeployed(
        deployment_id=uuid4(),
        disaster_id=uuid4(),
        volunteer_id=volunteer_id,
        task=DeploymentTask.EVACUATION,
        report_to_region="33.71",
    )


async def test_delivery_retries_and_falls_back_through_a_real_gateway(
    database_url: str,
    nats_server: NatsServer,
    tmp_path: Path,
    gateway: tuple[Gateway, int],
    mail: MailCatcher,
) -> None:
    fake, port = gateway
    fake.script = {
        "+62811000002": [429, 500],
        "+62811000003": [TIMEOUT] * 6,
        "+62811000004": [400],
    }
    ok = contact("+62811000001", ["whatsapp"])
    flaky = contact("+62811000002", ["sms"])
    silent = contact("+62811000003", ["whatsapp", "sms"], email="silent@example.org")
    refused = contact("+62811000004", [], email="refused@example.org", sms=False)
    people = (ok, flaky, silent, refused)
    config = settings(database_url, nats_server.url, tmp_path, port, mail.port)
    async with serving(create_app, config) as (http, _runtime):
        await publish(nats_server.url, *people)
        await publish(nats_server.url, *(deployed(p.person_id) for p in people))

        async def settled() -> dict[UUID, dict[str, Any]] | None:
            r = await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))
            rows = {UUID(d["recipient_id"]): d for d in r.json()}
            done = len(rows) == len(people) and all(d["status"] != "pending" for d in rows.values())
            return rows if done else None

        log = await eventually(settled)

    outcome = {
        p.whatsapp: (log[p.person_id]["status"], log[p.person_id]["channel"]) for p in people
    }
    assert outcome == {
        "+62811000001": ("delivered", "whatsapp"),
        "+62811000002": ("delivered", "sms"),
        "+62811000003": ("delivered", "email"),
        "+62811000004": ("delivered", "email"),
    }
    assert log[flaky.person_id]["attempts"] == 3  # 429, 500, then accepted
    assert log[silent.person_id]["attempts"] == 7  # 3 timeouts on each gateway, then e-mail
    assert log[silent.person_id]["last_error"] == "gateway_timeout"
    assert log[refused.person_id]["last_error"] == "gateway_rejected"
    assert fake.sent_to("+62811000001")[0][0] == "/whatsapp"
    assert fake.sent_to("+62811000001")[0][1]["channel"] == "whatsapp"
    assert "channel" not in fake.sent_to("+62811000002")[0][1]
    assert len(fake.sent_to("+62811000004")) == 1  # a rejection is not retried
    assert len(list(mail.folder.glob("*.eml"))) == 2


async def test_urgent_notifications_are_due_before_routine_ones(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    config = settings(database_url, nats_server.url, tmp_path, 9, 9)
    # the dispatcher finds nothing at start, then sleeps: it leaves the rows under test alone
    config = config.model_copy(update={"dispatch_poll_seconds": 3600})
    async with serving(create_app, config) as (_http, runtime):
        await asyncio.sleep(0.3)
        earlier = datetime.now(UTC) - timedelta(minutes=5)
        async with runtime.transaction() as session:
            for priority, at in ((1, earlier), (0, earlier + timedelta(minutes=1))):
                session.add(row(priority, at))
        async with runtime.transaction() as session:
            batch = await delivery.claim_due(
                session, datetime.now(UTC), limit=10, lease=timedelta(seconds=60)
            )
    assert [due.notification.priority for due in batch] == [0, 1]


def row(priority: int, at: datetime) -> NotificationRow:
    """A pending notification due at a time."""
    return NotificationRow(
        id=uuid4(),
        cause_event_id=uuid4(),
        cause_type="test",
        cause_region="33.71",
        recipient_id=uuid4(),
        channel="email",
        channels_tried=[],
        priority=priority,
        template="certification_expired",
        params={},
        status="pending",
        attempts=0,
        channel_attempts=0,
        next_attempt_at=at,
        created_at=at,
    )
