"""Cases API, bulk victims of a disaster: good rows in, bad rows reported, posting twice is safe."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select

from pilar_cases.store import CaseRow, ClientRow
from tests.api.cases_harness import MAGELANG, SEMARANG, VILLAGE, Service, cases, staged
from tests.api.harness import make_nik

pytestmark = pytest.mark.integration
__all__ = ["cases"]
OTHER_VILLAGE = "33.71.02.1003"
READ = {"reason": "pendataan korban banjir oleh posko"}


def victim(serial: int, **changes: Any) -> dict[str, Any]:
    """A flood victim of Kota Magelang with consent given."""
    body = {
        "nik": make_nik("33.71.01", serial),
        "display_name": f"Korban Banjir {serial}",
        "region": VILLAGE if serial % 2 else OTHER_VILLAGE,
        "consent": "given",
        "phone": f"+62812000{serial:05d}",
    }
    return body | changes


async def flood(http: httpx.AsyncClient, **changes: Any) -> str:
    """Declare a flood in two districts of Kota Magelang; return its id."""
    body = {
        "hazard": "101",
        "name": "Banjir Kota Magelang",
        "status": "tanggap_darurat",
        "affected_regions": ["33.71.01", "33.71.02"],
        "authority": "wali_kota",
        "decree_no": "360/112/2026",
        "period": {"start": "2026-11-22"},
    } | changes
    response = await http.post("/disasters", json=body, headers=MAGELANG)
    assert response.status_code == 201, response.text
    disaster_id: str = response.json()["id"]
    return disaster_id


async def post(
    http: httpx.AsyncClient, disaster_id: str, rows: list[Any], headers: dict[str, str] = MAGELANG
) -> dict[str, Any]:
    response = await http.post(f"/disasters/{disaster_id}/victims", json=rows, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_good_rows_go_in_and_bad_rows_are_reported_by_index(cases: Service) -> None:
    http, runtime = cases
    disaster_id = await flood(http)
    rows: list[Any] = [
        victim(1),
        victim(2, nik="3371011513900001"),  # month 13
        victim(3, region="33.71.03.1001"),  # not affected
        victim(4, phone="bukan nomor"),
        "not an object",
        victim(6, pmks_category="PMKS-08"),
        victim(7, client_kind="family", kk="3371011501100003"),
        victim(8, pmks_category="PMKS-22", urgency="emergency"),
    ]
    result = await post(http, disaster_id, rows)
    assert (result["received"], result["registered"], result["existing"]) == (8, 3, 0)
    assert [(r["index"], r["code"]) for r in result["rejected"]] == [
        (1, "month_invalid"),
        (2, "region_outside_disaster"),
        (3, "invalid_row"),
        (4, "not_an_object"),
        (5, "category_not_victim"),
    ]
    assert result["rejected"][2]["message"] == "Kolom tidak sah: phone"
    assert "bukan nomor" not in str(result)
    assert [c["index"] for c in result["cases"]] == [0, 6, 7]
    opened = [body for subject, _, body in await staged(runtime) if ".case.opened." in subject]
    assert len(opened) == 3
    assert {body["disaster_id"] for body in opened} == {disaster_id}
    assert [body["pmks_category"] for body in opened] == ["PMKS-21", "PMKS-21", "PMKS-22"]
    assert not any(row["nik"] in str(opened) for row in rows if isinstance(row, dict))
    assert "Korban Banjir" not in str(opened)


async def test_victims_are_sealed_and_readable_only_with_an_audited_reason(cases: Service) -> None:
    http, runtime = cases
    disaster_id = await flood(http)
    [case] = (await post(http, disaster_id, [victim(1)]))["cases"]
    read = await http.get(f"/cases/{case['case_id']}", params=READ, headers=MAGELANG)
    assert read.json()["personal"]["display_name"] == "Korban Banjir 1"
    assert read.json()["disaster_id"] == disaster_id
    async with runtime.transaction() as session:
        sealed = (await session.execute(select(ClientRow.sealed))).scalar_one()
    assert b"Korban Banjir" not in sealed
    assert make_nik("33.71.01", 1).encode() not in sealed


async def test_posting_the_same_victims_again_finds_the_same_cases(cases: Service) -> None:
    http, runtime = cases
    disaster_id = await flood(http)
    first = await post(http, disaster_id, [victim(1), victim(2)])
    events = len(await staged(runtime))
    again = await post(http, disaster_id, [victim(2), victim(1), victim(3)])
    assert (again["registered"], again["existing"]) == (1, 2)
    by_index = {c["index"]: c for c in again["cases"]}
    assert by_index[0]["case_id"] == first["cases"][1]["case_id"]
    assert by_index[1]["case_id"] == first["cases"][0]["case_id"]
    assert [by_index[i]["created"] for i in range(3)] == [False, False, True]
    assert len(await staged(runtime)) == events + 1
    twice = await post(http, disaster_id, [victim(5), victim(5, display_name="Nama Lain")])
    assert twice["cases"][0]["case_id"] == twice["cases"][1]["case_id"]
    assert twice["registered"] == 1


async def test_more_victims_than_one_chunk_all_go_in_once(cases: Service) -> None:
    http, runtime = cases
    disaster_id = await flood(http)
    rows = [victim(n) for n in range(1, 1202)]
    result = await post(http, disaster_id, rows)
    assert (result["registered"], result["rejected"]) == (1201, [])
    assert (await post(http, disaster_id, rows))["existing"] == 1201
    async with runtime.transaction() as session:
        count = (
            select(func.count())
            .select_from(CaseRow)
            .where(CaseRow.disaster_id == UUID(disaster_id))
        )
        assert (await session.execute(count)).scalar_one() == 1201


CSV = (
    "nik,display_name,region,consent,pmks_category,sex\n"
    f"{make_nik('33.71.01', 1)},Korban Satu,{VILLAGE},given,,M\n"
    f"{make_nik('33.71.01', 2)},Korban Dua,{VILLAGE},mungkin,,F\n"
    "\n"
    f"{make_nik('33.71.01', 3)},Korban Tiga,{OTHER_VILLAGE},refused,PMKS-22,F,extra\n"
    f'{make_nik("33.71.01", 4)},"Korban, Empat",{OTHER_VILLAGE},refused,PMKS-22,F\n'
)


async def test_a_csv_upload_reports_bad_rows_by_line(cases: Service) -> None:
    http, _ = cases
    disaster_id = await flood(http)
    response = await http.post(
        f"/disasters/{disaster_id}/victims",
        content=CSV.encode(),
        headers=MAGELANG | {"content-type": "text/csv; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["registered"] == 2
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [
        (3, "invalid_row"),
        (5, "csv_row_shape"),
    ]
    assert result["rejected"][0]["message"] == "Kolom tidak sah: consent"
    [_, fourth] = result["cases"]
    read = await http.get(f"/cases/{fourth['case_id']}", params=READ, headers=MAGELANG)
    assert read.json()["personal"]["display_name"] == "Korban, Empat"
    assert read.json()["consent"]["status"] == "refused"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/xml", b"<korban/>", 415, "unsupported_media_type"),
        ("application/json", b"[{", 422, "malformed_json"),
        ("application/json", b'{"nik": "1"}', 422, "not_a_list"),
        ("application/json", b"[]", 422, "no_rows"),
        ("text/csv", b"nik,nama,region,consent\n1,a,b,c\n", 422, "csv_header"),
        ("text/csv", b"\xff\xfenik", 422, "malformed_csv"),
    ],
)
async def test_an_unreadable_upload_is_a_4xx_and_registers_nobody(
    cases: Service, content_type: str, body: bytes, status: int, code: str
) -> None:
    http, runtime = cases
    disaster_id = await flood(http)
    response = await http.post(
        f"/disasters/{disaster_id}/victims",
        content=body,
        headers=MAGELANG | {"content-type": content_type},
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert [s for s, _, _ in await staged(runtime) if ".case.opened." in s] == []


async def test_a_closed_or_foreign_disaster_takes_no_victims(cases: Service) -> None:
    http, _ = cases
    disaster_id = await flood(http)
    foreign = await http.post(
        f"/disasters/{disaster_id}/victims", json=[victim(1)], headers=SEMARANG
    )
    assert foreign.status_code == 403
    step = {"decree_no": "SK-9", "start": "2026-12-01"}
    for to in ("transisi_darurat", "closed"):
        moved = await http.post(
            f"/disasters/{disaster_id}/status", json=step | {"to_status": to}, headers=MAGELANG
        )
        assert moved.status_code == 200, moved.text
    closed = await http.post(
        f"/disasters/{disaster_id}/victims", json=[victim(1)], headers=MAGELANG
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "disaster_closed")


async def test_single_intake_of_a_victim_checks_the_disaster_and_is_once_per_client(
    cases: Service,
) -> None:
    http, _ = cases
    disaster_id = await flood(http)
    [registered] = (await post(http, disaster_id, [victim(1)]))["cases"]
    single = victim(1) | {"pmks_category": "PMKS-21", "disaster_id": disaster_id}
    again = await http.post("/cases", json=single, headers=MAGELANG)
    assert (again.status_code, again.json()["code"]) == (409, "already_registered")
    assert again.json()["case_id"] == registered["case_id"]
    unknown = single | {"disaster_id": "0193f3a0-0000-7000-8000-000000000009"}
    response = await http.post("/cases", json=unknown, headers=MAGELANG)
    assert (response.status_code, response.json()["code"]) == (422, "disaster_unknown")
