"""NATS subjects built from Kemendagri region codes.

Public subjects: ``pilar.<producer>.<entity>.<event>.v<major>.<province>.<regency>``;
private ones add ``private`` after ``pilar``. Province-wide records use regency ``00``,
national records ``00.00``.
"""

from __future__ import annotations

import re

REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
NATIONAL = ""


def validate_region(code: str) -> str:
    """Return the region code if it is a dotted Kemendagri code (or national ""), else raise."""
    if code in (NATIONAL, "00") or REGION_CODE.match(code):
        return "" if code == "00" else code
    raise ValueError(f"not a Kemendagri region code: {code!r}")


def region_tokens(code: str) -> tuple[str, str]:
    """Return the province and regency tokens of a region code for a subject."""
    code = validate_region(code)
    if not code:
        return "00", "00"
    parts = code.split(".")
    return parts[0], parts[1] if len(parts) > 1 else "00"


def event_subject(type_name: str, region: str, *, private: bool = False) -> str:
    """Return the NATS subject for an event type (``pilar.x.y.z.v1``) in a region."""
    province, regency = region_tokens(region)
    prefix = "pilar.private." if private else "pilar."
    return f"{prefix}{type_name.removeprefix('pilar.')}.{province}.{regency}"


def subject_province(subject: str) -> str:
    """Return the province token of an event subject ("00" for a national record)."""
    return subject.rsplit(".", 2)[-2] if subject.count(".") >= 2 else ""


def type_pattern(type_name: str, *, private: bool = False) -> str:
    """Return the subject pattern matching one event type in every region."""
    prefix = "pilar.private." if private else "pilar."
    return f"{prefix}{type_name.removeprefix('pilar.')}.>"


def province_pattern(province: str) -> str:
    """Return the pattern a province subscribes to for every public event of its own."""
    if not re.fullmatch(r"\d{2}", province):
        raise ValueError(f"not a province code: {province!r}")
    return f"pilar.*.*.*.*.{province}.>"


def dead_letter_subject(consumer: str) -> str:
    """Return the dead-letter subject of a durable consumer."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", consumer):
        raise ValueError(f"not a consumer name: {consumer!r}")
    return f"pilar.dlq.{consumer}"
