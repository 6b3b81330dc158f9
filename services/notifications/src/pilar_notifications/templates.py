"""Message templates in Bahasa Indonesia: the first line of an e-mail template is its subject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from pilar_contracts.reference.catalogue import pmks_category
from pilar_contracts.reference.regions import region_name

CHANNELS: tuple[str, ...] = ("email", "sms", "whatsapp")
SMS_LIMIT = 160  # one GSM-7 segment; templates keep to ASCII so that no segment turns UCS-2

# Indonesia's three time zones by province code (UU/Keppres 41/1987): WIT in Maluku and Papua,
# WITA in Bali, Nusa Tenggara, the eastern half of Kalimantan and Sulawesi, WIB elsewhere.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}

_TASKS = {
    "dapur_umum": "dapur umum",
    "shelter": "hunian sementara",
    "evacuation": "evakuasi",
    "psychosocial_support": "dukungan psikososial",
    "victim_registration": "pendataan korban",
}


@dataclass(frozen=True)
class Message:
    """A rendered message."""

    subject: str
    body: str


def _region(code: str | None) -> str:
    if not code:
        return "-"
    try:
        return region_name(code)
    except (KeyError, ValueError):
        return code


def _pmks(code: str | None) -> str:
    if not code:
        return "-"
    try:
        return pmks_category(code).name
    except (KeyError, ValueError):
        return code


def _local_time(iso: str, region: str | None) -> str:
    """A deadline in the recipient's region's time zone, e.g. ``31-12-2026 17:00 WITA``."""
    province = (region or "")[:2]
    offset, zone = (7, "WIB")
    if province in _WITA:
        offset, zone = 8, "WITA"
    elif province in _WIT:
        offset, zone = 9, "WIT"
    moment = datetime.fromisoformat(iso).astimezone(timezone(timedelta(hours=offset)))
    return f"{moment:%d-%m-%Y %H:%M} {zone}"


def _short(text: str, length: int) -> str:
    """Cut to a hard length so that an SMS stays one segment."""
    return text if len(text) <= length else text[:length].rstrip()


_env = Environment(
    loader=PackageLoader("pilar_notifications", "templates"),
    undefined=StrictUndefined,  # a missing field is a bug, never a blank in a message
    autoescape=False,  # noqa: S701  plain-text channels (SMS, e-mail text), never HTML
    keep_trailing_newline=True,
)
_env.filters.update(
    region_name=_region,
    pmks_name=_pmks,
    local_time=_local_time,
    short=_short,
    task_name=lambda code: _TASKS.get(code, code),
)


def render(template: str, channel: str, params: dict[str, Any]) -> Message:
    """Render one template for one channel; SMS and WhatsApp have no subject."""
    text = _env.get_template(f"{template}.{channel}.j2").render(**params)
    if channel == "sms":
        return Message(subject="", body=" ".join(text.split()))
    if channel != "email":
        return Message(subject="", body=text.strip())
    subject, _, body = text.partition("\n")
    return Message(subject=subject.strip(), body=body.lstrip("\n"))
