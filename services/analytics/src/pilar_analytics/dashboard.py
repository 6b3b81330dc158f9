"""The "Dasbor Pilar" page: public static files that read the indicator API with a bearer token."""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, Response

from pilar_contracts.reference.catalogue import disaster_stage_catalogue, hazard_catalogue
from pilar_contracts.reference.regions import provinces, region_name

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)

# The only files served: a fixed list, so no request path ever reaches the file system.
ASSETS: dict[str, str] = {
    "dasbor.css": "text/css; charset=utf-8",
    "dasbor.js": "text/javascript; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
    "peta.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "panels.js": "text/javascript; charset=utf-8",
}
# Everything comes from this origin; the token never leaves it (no referrer, no third party).
HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@functools.cache
def _read(name: str) -> bytes:
    return (files("pilar_analytics") / "dashboard" / name).read_bytes()


@functools.cache
def reference() -> dict[str, Any]:
    """Province tiles (code, name, grid place), hazard and emergency-stage names for the page."""
    layout = json.loads(_read("tiles.json"))
    tiles = layout["tiles"]
    return {
        "columns": layout["columns"],
        "rows": layout["rows"],
        "provinces": [
            {
                "code": code,
                "name": region_name(code),
                "column": tiles[code][0],
                "row": tiles[code][1],
                "label": tiles[code][2],
            }
            for code in provinces()
        ],
        "hazards": {item.code: item.name for item in hazard_catalogue().items},
        "stages": {item.code: item.name for item in disaster_stage_catalogue().items},
    }


@router.get("")
async def page() -> Response:
    """The dashboard page; it asks for a token and then reads the indicator API."""
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/reference.json")
async def reference_data() -> JSONResponse:
    """Public reference data the page needs: province tiles and names of hazards and stages."""
    return JSONResponse(reference(), headers=HEADERS)


@router.get("/{name}")
async def asset(name: str) -> Response:
    """A script or style sheet of the page."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"berkas dasbor tidak dikenal: {name}")
    return Response(_read(name), media_type=media_type, headers=HEADERS)
