"""Issue 4's proof: a referral that is declined once, escalates and is accepted by the second
pillar, and a Tagana call-out, across the four services; and not one message on a public subject
carries the client's or the volunteers' personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from typing import Any

import httpx
import pytest

from pilar_kit.auth import Principal, Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer
from tests.api.harness import make_nik
from tests.e2e.platform import Platform
from tests.e2e.test_walking_skeleton import eventually, mail, platform
from tests.e2e.wiretap import Wiretap, connect, leaks

pytestmark = pytest.mark.e2e
__all__ = ["mail", "platform"]
DEADLINE = 60.0
VILLAGE = "33.71.01.1003"
NATIONAL = Role.NATIONAL_OPERATOR
CLIENT: dict[str, Any] = {
    "client_kind": "person",
    "nik": make_nik("33.71.01", 7, female=True),
    "kk": "3371011501100003",
    "display_name": "Siti Aminah",
    "birth_date": "1950-08-15",
    "sex": "F",
    "phone": "+6281234567890",
    "address": "Jl. Pahlawan 12, Magelang",
    "pmks_category": "PMKS-08",  # lanjut usia terlantar: PSM first (domain/suitability.py)
    "region": VILLAGE,
    "urgency": "priority",
    "consent": "given",
}
PSM: dict[str, Any] = {
    "psks_type": "PSKS-02",
    "region": VILLAGE,
    "nik": make_nik("33.71.01", 21),
    "display_name": "Budi Santoso",
    "email": "budi.psm@example.org",
    "phone": "+6285712345678",
    "competencies": ["pendampingan"],
}
PSM_NEXT_DISTRICT: dict[str, Any] = {
    "psks_type": "PSKS-02",
    "region": "33.71.02.1003",
    "nik": make_nik("33.71.02", 23),
    "display_name": "Rina Wulandari",
    "email": "rina.psm@example.org",
    "phone": "+6285612345679",
    "competencies": ["pendampingan"],
}
TAGANA: dict[str, Any] = {
    "psks_type": "PSKS-03",
    "region": "33.71.02.1003",
    "nik": make_nik("33.71.02", 22),
    "display_name": "Dewi Lestari",
    "email": "dewi.tagana@example.org",
    "phone": "081398765432",
    "competencies": ["dapur_umum"],
    "details": {"tier": "muda"},
}


def _secrets() -> list[str]:
    """Every personal value the test hands to the platform, in the forms it could travel in."""
    values = [CLIENT[k] for k in ("nik", "kk", "display_name", "phone", "address")]
    for person in (PSM, PSM_NEXT_DISTRICT, TAGANA):
        values += [person[k] for k in ("nik", "display_name", "email", "phone")]
    phones = [str(v) for v in values if str(v).startswith("+62")]
    values += ["0" + p[3:] for p in phones] + ["62" + p[3:] for p in phones]
    return [str(v) for v in values]


async def _enrol(
    http: httpx.AsyncClient, platform: Platform, body: dict[str, Any], cert: str
) -> str:
    """Register, verify (by a second operator) and certify a person in registry; return the id."""
    registry = platform.urls["registry"]
    maker = platform.headers(Role.REGENCY_OPERATOR, "33.71")
    checker = _bearer(
        platform, Principal(subject="checker", role=Role.REGENCY_OPERATOR, region="33.71")
    )
    created = await http.post(f"{registry}/volunteers", headers=maker, json=body)
    assert created.status_code == 201, created.text
    person: str = created.json()["id"]
    verified = await http.post(f"{registry}/volunteers/{person}/verify", headers=checker)
    assert verified.status_code == 200, verified.text
    certification = {
        "scheme": cert,
        "certificate_no": f"{cert}-33-0001",
        "valid_from": "2026-01-01",
    }
    url = f"{registry}/volunteers/{person}/certifications"
    certified = await http.post(url, headers=checker, json=certification)
    assert certified.status_code == 201, certified.text
    return person


def _bearer(platform: Platform, who: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {platform.issuer.issue(who)}"}


async def _get(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    response = await http.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _open_referral_load(http: httpx.AsyncClient, platform: Platform, person: str) -> int:
    url = f"{platform.urls['registry']}/volunteers/{person}"
    return int((await _get(http, url, platform.headers(NATIONAL)))["open_referrals"])


async def _replicated(http: httpx.AsyncClient, platform: Platform, person: str) -> None:
    """Wait until cases' replica of the registry holds the person as a certified pillar."""
    url = f"{platform.urls['cases']}/pillars"
    operator = platform.headers(Role.REGENCY_OPERATOR, "33.71")

    async def held() -> bool | None:
        pillars = await _get(http, url, operator)
        return True if person in {p["volunteer_id"] for p in pillars} else None

    await eventually(held, timeout=DEADLINE)


async def _load_becomes(
    http: httpx.AsyncClient, platform: Platform, person: str, expected: int
) -> None:
    async def reached() -> bool | None:
        return True if await _open_referral_load(http, platform, person) == expected else None

    await eventually(reached, timeout=DEADLINE)


async def _refer(http: httpx.AsyncClient, platform: Platform, psm: str) -> dict[str, Any]:
    """Open the client's case with consent and refer it; the PSM of the village is chosen."""
    cases = platform.urls["cases"]
    operator = platform.headers(Role.REGENCY_OPERATOR, "33.71")
    opened = await http.post(f"{cases}/cases", headers=operator, json=CLIENT)
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    referred = await http.post(f"{cases}/cases/{case_id}/referrals", headers=operator, json={})
    assert referred.status_code == 201, referred.text
    referral: dict[str, Any] = referred.json()
    assert (referral["to_id"], referral["psks_type"], referral["status"]) == (
        psm,
        "PSKS-02",
        "pending",
    )
    return referral


async def _decline(
    http: httpx.AsyncClient, platform: Platform, psm: str, referral: dict[str, Any]
) -> dict[str, Any]:
    """The village PSM declines; the broker escalates to the next pillar at once."""
    url = f"{platform.urls['cases']}/referrals/{referral['id']}/decline"
    pillar = _bearer(platform, Principal(subject=psm, role=Role.PSKS, region="33.71"))
    declined = await http.post(url, headers=pillar, json={"reason_code": "sedang_bertugas"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["referral"]["status"] == "declined"
    following: dict[str, Any] = declined.json()["next"]
    return following


async def _answer(
    http: httpx.AsyncClient, platform: Platform, psm: str, referral: dict[str, Any]
) -> None:
    """The PSM accepts (as the PSKS role, speaking for itself); the operator records the outcome."""
    url = f"{platform.urls['cases']}/referrals/{referral['id']}"
    pillar = _bearer(platform, Principal(subject=psm, role=Role.PSKS, region="33.71"))
    mine = await _get(http, f"{platform.urls['cases']}/referrals", pillar)
    assert [r["id"] for r in mine] == [referral["id"]]
    accepted = await http.post(f"{url}/accept", headers=pillar)
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted"), accepted.text
    operator = platform.headers(Role.REGENCY_OPERATOR, "33.71")
    done = {"outcome": "lansia_didampingi", "quality": 4}
    completed = await http.post(f"{url}/complete", headers=operator, json=done)
    assert completed.status_code == 200, completed.text
    assert (completed.json()["status"], completed.json()["quality"]) == ("completed", 4)


async def _delivered(
    http: httpx.AsyncClient, platform: Platform, recipient: str, cause: str
) -> dict[str, Any]:
    """Wait for a delivered notification of a cause type to a recipient."""
    url = f"{platform.urls['notifications']}/deliveries"

    async def found() -> dict[str, Any] | None:
        rows = await _get(http, url, platform.headers(NATIONAL))
        mine = [
            r for r in rows if r["recipient_id"] == recipient and cause in r["cause_type"].lower()
        ]
        done = [r for r in mine if r["status"] == "delivered"]
        return done[0] if done else None

    return await eventually(found, timeout=DEADLINE)


async def _funnel_completed(http: httpx.AsyncClient, platform: Platform) -> dict[str, Any]:
    url = f"{platform.urls['analytics']}/indicators/referrals"

    async def counted() -> dict[str, Any] | None:
        funnel: dict[str, Any] = await _get(http, url, platform.headers(NATIONAL))
        return funnel if funnel["completed"] >= 1 else None

    return await eventually(counted, timeout=DEADLINE)


def _mail_to(mail: MailCatcher, address: str) -> list[str]:
    """Bodies of the caught e-mails to an address."""
    bodies = []
    for path in sorted(mail.folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address:
            payload = message.get_payload(decode=True)
            bodies.append(payload.decode() if isinstance(payload, bytes) else str(payload))
    return bodies


async def _declare_emergency(http: httpx.AsyncClient, platform: Platform) -> str:
    """The wali kota of Magelang declares tanggap darurat for the whole city."""
    body = {
        "hazard": "101",
        "name": "Banjir Kota Magelang",
        "status": "tanggap_darurat",
        "affected_regions": ["33.71"],
        "authority": "wali_kota",
        "decree_no": "360/112/2026",
        "period": {"start": datetime.now(UTC).date().isoformat()},
    }
    operator = platform.headers(Role.REGENCY_OPERATOR, "33.71")
    declared = await http.post(f"{platform.urls['cases']}/disasters", headers=operator, json=body)
    assert declared.status_code == 201, declared.text
    return str(declared.json()["id"])


async def _deployed_counted(
    http: httpx.AsyncClient, platform: Platform, disaster: str
) -> dict[str, Any]:
    url = f"{platform.urls['analytics']}/indicators/disasters?region=33.71"

    async def counted() -> dict[str, Any] | None:
        rows = (await _get(http, url, platform.headers(NATIONAL)))["rows"]
        mine = [r for r in rows if r["disaster_id"] == disaster]
        return mine[0] if mine and mine[0]["volunteers_deployed"] >= 1 else None

    return await eventually(counted, timeout=DEADLINE)


async def test_a_referral_and_a_call_out_cross_the_platform_without_personal_data(
    platform: Platform, mail: MailCatcher, nats_server: NatsServer
) -> None:
    """A referral declined, escalated and accepted, and a Tagana call-out; the wire stays clean."""
    client = await connect(nats_server.url)
    tap = Wiretap(client)
    await tap.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            psm = await _enrol(http, platform, PSM, "PSM")
            neighbour = await _enrol(http, platform, PSM_NEXT_DISTRICT, "PSM")
            for person in (psm, neighbour):
                await _replicated(http, platform, person)
            referral = await _refer(http, platform, psm)
            await _load_becomes(http, platform, psm, 1)
            escalated = await _decline(http, platform, psm, referral)
            assert (escalated["to_id"], escalated["attempt"]) == (neighbour, 2)
            await _load_becomes(http, platform, psm, 0)
            await _load_becomes(http, platform, neighbour, 1)
            await _answer(http, platform, neighbour, escalated)
            await _load_becomes(http, platform, neighbour, 0)
            for person in (psm, neighbour):
                call = await _delivered(http, platform, person, "referred")
                assert call["channel"] == "email"
            funnel = await _funnel_completed(http, platform)
            assert (funnel["referred"], funnel["accepted"], funnel["completed"]) == (2, 1, 1)
            assert (funnel["declined"], funnel["expired"]) == (1, 0)
            assert _mail_to(mail, PSM["email"])
            assert _mail_to(mail, PSM_NEXT_DISTRICT["email"])

            tagana = await _enrol(http, platform, TAGANA, "TAGANA")
            disaster = await _declare_emergency(http, platform)
            await _delivered(http, platform, tagana, "deployed")
            assert _mail_to(mail, TAGANA["email"])
            row = await _deployed_counted(http, platform, disaster)
            assert row["volunteers_deployed"] >= 1
        await client.flush()
        stored = await tap.stored()
    finally:
        await client.drain()
    subjects = {m.subject for m in tap.seen}
    assert any(".case.referred." in s for s in subjects), sorted(subjects)
    assert any(".deployment.deployed." in s for s in subjects), sorted(subjects)
    assert stored, "the streams hold the platform's events"
    assert leaks([*tap.seen, *stored], _secrets()) == []
