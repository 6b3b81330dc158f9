"""Message templates in Bahasa Indonesia: the first line of an e-mail template is its subject."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from pilar_contracts.reference.catalogue import disaster_stage, hazard, pmks_category
from pilar_contracts.reference.regions import region_name

CHANNELS: tuple[str, ...] = ("email", "sms", "whatsapp")  # channels with text templates
WEBHOOK = "webhook"  # JSON for machines: the SMS text and the codes behind it
DEFAULT_LANGUAGE = "id"  # every template exists in Bahasa Indonesia; others are optional
ENVELOPE_FIELDS = ("notification_id", "cause_event_id", "cause_type", "cause_region")
SMS_LIMIT = 160  # one GSM-7 segment; templates keep to ASCII so that no segment turns UCS-2

# Indonesia's three time zones by province code (UU/Keppres 41/1987): WIT in Maluku and Papua,
# WITA in Bali, Nusa Tenggara, the eastern half of Kalimantan and Sulawesi, WIB elsewhere.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}

_TASKS_EN = {
    "dapur_umum": "the public kitchen (dapur umum)",
    "shelter": "temporary shelter",
    "evacuation": "evacuation",
    "psychosocial_support": "psychosocial support",
    "victim_registration": "victim registration",
}
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
    key: str = ""  # the notification's id, for receivers that drop repeats


def warm_up() -> None:
    """Load the region names now rather than in the middle of the first call-out."""
    _region("11")


@cache
def _region(code: str | None) -> str:
    # cached: the reference lookup costs more than rendering the rest of a call-out message
    if not code:
        return "-"
    try:
        return region_name(code)
    except (KeyError, ValueError):
        return code


@cache
def _pmks(code: str | None) -> str:
    if not code:
        return "-"
    try:
        return pmks_category(code).name
    except (KeyError, ValueError):
        return code


def _ascii(text: str) -> str:
    """Free text (a decree number) as GSM-7-safe ASCII: accents dropped, other marks removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode()


def _catalogue_name(lookup: Any) -> Any:
    def name(code: str | None) -> str:
        if not code:
            return "-"
        try:
            return str(lookup(code).name)
        except (KeyError, ValueError):
            return code

    return name


def _region_names(codes: Iterable[str], length: int = 60) -> str:
    """Names of several regions, cut with "dll." (and others) when they do not fit."""
    names = [_region(code) for code in codes]
    text = ", ".join(names)
    if len(text) <= length:
        return text
    kept = ""
    for count in range(len(names), 0, -1):
        kept = ", ".join(names[:count]) + " dll."
        if len(kept) <= length:
            return kept
    return _short(names[0], length - 5) + " dll."


_REASONS = {
    "no_contact": "kontak tidak ada",
    "no_address": "alamat tidak ada",
    "recipient_refused": "alamat ditolak",
    "gateway_rejected": "nomor ditolak",
    "gateway_timeout": "gateway tidak menjawab",
    "gateway_error": "gateway gagal",
    "gateway_throttled": "gateway sibuk",
    "smtp_unavailable": "server e-mail gagal",
}


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
    auto_reload=False,  # templates ship with the package: no file check on every render
)
_env.filters.update(
    region_name=_region,
    pmks_name=_pmks,
    local_time=_local_time,
    short=_short,
    task_name=lambda code: _TASKS.get(code, code),
    task_name_en=lambda code: _TASKS_EN.get(code, code),
    ascii=_ascii,
    hazard_name=_catalogue_name(hazard),
    stage_name=_catalogue_name(disaster_stage),
    region_names=_region_names,
    reason_text=lambda code: _REASONS.get(code, "gagal terkirim"),
)
_NAMES = frozenset(_env.list_templates())


@cache
def _compiled(name: str) -> Template:
    """A compiled template, looked up once (Jinja's own cache checks and locks on every get)."""
    return _env.get_template(name)


def template_file(template: str, channel: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The template in the recipient's language when there is one, else in Bahasa Indonesia."""
    localised = f"{template}.{channel}.{language}.j2"
    if language != DEFAULT_LANGUAGE and localised in _NAMES:
        return localised
    return f"{template}.{channel}.j2"


def render(
    template: str, channel: str, params: dict[str, Any], language: str = DEFAULT_LANGUAGE
) -> Message:
    """Render one template for one channel; SMS and WhatsApp have no subject."""
    if channel == WEBHOOK:
        return _webhook(template, params, language)
    text = _compiled(template_file(template, channel, language)).render(params)
    if channel == "sms":
        return Message(subject="", body=" ".join(text.split()))
    if channel != "email":
        return Message(subject="", body=text.strip())
    subject, _, body = text.partition("\n")
    return Message(subject=subject.strip(), body=body.lstrip("\n"))


def _webhook(template: str, params: dict[str, Any], language: str) -> Message:
    """A JSON document: the envelope of the cause, the short text and the codes behind it."""
    skip = {*ENVELOPE_FIELDS, "display_name"}
    body = {key: params[key] for key in ENVELOPE_FIELDS if key in params} | {
        "template": template,
        "text": render(template, "sms", params, language).body,
        "data": {key: value for key, value in params.items() if key not in skip},
    }
    return Message(subject=template, body=json.dumps(body, ensure_ascii=False, sort_keys=True))
