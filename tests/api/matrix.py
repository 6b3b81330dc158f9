"""What the authorisation matrices of the APIs share: the callers, their records, the routes served.

Callers: national, provincial and regency operators inside and outside the record's region
(33 / 33.71 against 32 / 32.04), the auditor, the PSKS the record is about (``me``), another
PSKS, and nobody.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import uuid4

import httpx
from fastapi import FastAPI

from pilar_kit.auth import Role
from pilar_kit.runtime import Runtime
from tests.api.harness import bearer

A = TypeVar("A")

CALLERS: dict[str, Callable[[str], dict[str, str]]] = {
    "national": lambda _: bearer(Role.NATIONAL_OPERATOR),
    "provincial_in": lambda _: bearer(Role.PROVINCIAL_OPERATOR, "33"),
    "provincial_out": lambda _: bearer(Role.PROVINCIAL_OPERATOR, "32"),
    "regency_in": lambda _: bearer(Role.REGENCY_OPERATOR, "33.71"),
    "regency_out": lambda _: bearer(Role.REGENCY_OPERATOR, "32.04"),
    "auditor": lambda _: bearer(Role.AUDITOR),
    "psks_self": lambda me: bearer(Role.PSKS, "33.71", subject=me),
    "psks_other": lambda _: bearer(Role.PSKS, "33.71", subject=str(uuid4())),
    "anonymous": lambda _: {},
}
IN_REGION = ("national", "provincial_in", "regency_in")
OUT_OF_REGION = ("provincial_out", "regency_out")


@dataclass
class Records:
    """What one cell acts on; ``me`` is whom a PSKS token of the record speaks for."""

    me: str = field(default_factory=lambda: str(uuid4()))
    ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One operation of an API, how to prepare the records it acts on, and what success answers."""

    method: str
    path: str
    prepare: Callable[[httpx.AsyncClient, Runtime], Awaitable[Records]]
    ok: int = 200
    body: Callable[[Records], Any] | None = None

    @property
    def name(self) -> str:
        """The operation as OpenAPI names it."""
        return f"{self.method} {self.path.split('?')[0]}"


async def answers(
    http: httpx.AsyncClient,
    runtime: Runtime,
    operation: Operation,
    read: Callable[[Records, httpx.Response], A],
) -> dict[str, A]:
    """What every caller gets from an operation, each acting on records of its own."""
    found: dict[str, A] = {}
    for caller, headers in CALLERS.items():
        records = await operation.prepare(http, runtime)
        body = operation.body(records) if operation.body else None
        url = url_of(operation.path, records)
        response = await http.request(operation.method, url, json=body, headers=headers(records.me))
        found[caller] = read(records, response)
    return found


async def ok(response: httpx.Response) -> dict[str, Any]:
    """The body of a call that preparing a cell needs to succeed."""
    assert response.is_success, response.text
    body: dict[str, Any] = response.json()
    return body


def url_of(path: str, records: Records) -> str:
    """A route's path with the ids of a cell's records filled in (``{volunteer_id}``, ...)."""
    return path.format(**{f"{key}_id": value for key, value in records.ids.items()})


def served_routes(app: FastAPI) -> set[str]:
    """Every operation of an app's API as ``METHOD /path``, health checks aside."""
    return {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path not in ("/healthz", "/readyz")
    }
