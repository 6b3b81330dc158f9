"""A child's case referred to an accredited LKS: registry -> cases' replica -> referral ->
the institution's load in registry and its e-mail, with no contact data on the public wire."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pilar_kit.auth import Principal, Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer
from tests.api.harness import make_nik
from tests.e2e.platform import Platform
from tests.e2e.test_referral_proof import (
    DEADLINE,
    _bearer,
    _delivered,
    _get,
    _mail_to,
)
from tests.e2e.test_walking_skeleton import eventually, mail, platform
from tests.e2e.wiretap import Wiretap, connect, leaks

pytestmark = pytest.mark.e2e
__all__ = ["mail", "platform"]
REGION = "33.71"
LKSA: dict[str, Any] = {
    "psks_type": "PSKS-04",
    "region": "33.71.01.1007",
    "name": "LKSA Harapan Bunda",
    "registration_no": "460/12/DINSOS/2024",
    "contact_name": "Sri Wahyuni",
    "email": "lksa.harapan@example.org",
    "phone": "+6281311112222",
    "services": ["pengasuhan_anak"],
}
CHILD: dict[str, Any] = {
    "nik": make_nik("33.71.01", 31),
    "display_name": "Rina Kusuma",
    "phone": "+6281355556666",
    "address": "Jl. Tidar 7, Magelang",
    "pmks_category": "PMKS-02",  # anak terlantar: an LKSA serves it
    "region": "33.71.01.1003",
    "consent": "given",
}


async def _accredited_lks(http: httpx.AsyncClient, platform: Platform) -> str:
    """Register, verify (second operator) and accredit an LKSA in registry; return its id."""
    url = f"{platform.urls['registry']}/institutions"
    maker = platform.headers(Role.REGENCY_OPERATOR, REGION)
    checker = _bearer(
        platform, Principal(subject="checker", role=Role.REGENCY_OPERATOR, region=REGION)
    )
    created = await http.post(url, headers=maker, json=LKSA)
    assert created.status_code == 201, created.text
    lks: str = created.json()["id"]
    verified = await http.post(f"{url}/{lks}/verify", headers=checker)
    assert verified.status_code == 200, verified.text
    grade = {"grade": "A", "accreditation_no": "BALKS-33-0042", "valid_from": "2026-01-01"}
    accredited = await http.post(f"{url}/{lks}/accreditations", headers=checker, json=grade)
    assert accredited.status_code == 201, accredited.text
    return lks


async def _referred_once_replicated(
    http: httpx.AsyncClient, platform: Platform, case_id: str
) -> dict[str, Any]:
    """Refer the case, retrying while cases' replica has not yet heard of the LKS."""
    url = f"{platform.urls['cases']}/cases/{case_id}/referrals"
    operator = platform.headers(Role.REGENCY_OPERATOR, REGION)

    async def referred() -> dict[str, Any] | None:
        response = await http.post(url, headers=operator, json={})
        if response.status_code == 422 and response.json()["code"] == "no_candidate":
            return None
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return await eventually(referred, timeout=DEADLINE)


async def _institution_load(http: httpx.AsyncClient, platform: Platform, lks: str) -> int:
    url = f"{platform.urls['registry']}/institutions/{lks}"
    return int((await _get(http, url, platform.headers(Role.NATIONAL_OPERATOR)))["open_referrals"])


async def test_a_child_is_referred_to_an_accredited_lksa_across_the_platform(
    platform: Platform, mail: MailCatcher, nats_server: NatsServer
) -> None:
    """The LKSA is chosen, accepts, carries the load in registry and hears of it by e-mail."""
    client = await connect(nats_server.url)
    tap = Wiretap(client)
    await tap.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            lks = await _accredited_lks(http, platform)
            cases = platform.urls["cases"]
            operator = platform.headers(Role.REGENCY_OPERATOR, REGION)
            opened = await http.post(f"{cases}/cases", headers=operator, json=CHILD)
            assert opened.status_code == 201, opened.text
            referral = await _referred_once_replicated(http, platform, opened.json()["id"])
            assert (referral["to_id"], referral["to_kind"]) == (lks, "institution")
            speaker = _bearer(platform, Principal(subject=lks, role=Role.PSKS, region=REGION))
            accept = f"{cases}/referrals/{referral['id']}/accept"
            accepted = await http.post(accept, headers=speaker)
            assert accepted.status_code == 200, accepted.text

            async def carried() -> bool | None:
                return True if await _institution_load(http, platform, lks) == 1 else None

            await eventually(carried, timeout=DEADLINE)
            await _delivered(http, platform, lks, "referred")
            assert _mail_to(mail, LKSA["email"])
        stored = await tap.stored()
    finally:
        await client.drain()
    secrets = [CHILD[k] for k in ("nik", "display_name", "phone", "address")]
    secrets += [LKSA[k] for k in ("contact_name", "email", "phone")]
    assert any(".case.referred." in m.subject for m in tap.seen)
    assert leaks([*tap.seen, *stored], secrets) == []
