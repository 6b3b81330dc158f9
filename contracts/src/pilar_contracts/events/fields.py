"""Field types shared by the v1 events."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

RegionCode = Annotated[
    str,
    StringConstraints(pattern=r"^(\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)?$"),
    Field(description="Kemendagri region code, as deep as known (e.g. 33.71.01.2001)"),
]
PsksType = Annotated[
    str, StringConstraints(pattern=r"^PSKS-(0[1-9]|1[0-2])$"), Field(description="PSKS-01..12")
]
PmksCategory = Annotated[
    str,
    StringConstraints(pattern=r"^PMKS-(0[1-9]|1\d|2[0-6])$"),
    Field(description="PMKS/PPKS category PMKS-01..26 (Permensos 8/2012)"),
]
HazardCode = Annotated[
    str, StringConstraints(pattern=r"^\d{3}$"), Field(description="BNPB DIBI hazard code")
]
ReasonCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$"),
    Field(description="machine-readable reason, snake_case"),
]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class VolunteerStatus(StrEnum):
    """Availability of a PSKS person."""

    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    DECEASED = "deceased"


class DisasterStatus(StrEnum):
    """Emergency status stages (UU 24/2007), plus closed."""

    SIAGA_DARURAT = "siaga_darurat"
    TANGGAP_DARURAT = "tanggap_darurat"
    TRANSISI_DARURAT = "transisi_darurat"
    CLOSED = "closed"


class Urgency(StrEnum):
    """How soon a case needs a response."""

    ROUTINE = "routine"
    PRIORITY = "priority"
    EMERGENCY = "emergency"


class RecipientKind(StrEnum):
    """Who a referral goes to."""

    VOLUNTEER = "volunteer"
    INSTITUTION = "institution"


class Channel(StrEnum):
    """Notification channels."""

    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeploymentTask(StrEnum):
    """Tagana tasks in disaster response (Permensos 28/2012)."""

    DAPUR_UMUM = "dapur_umum"
    SHELTER = "shelter"
    EVACUATION = "evacuation"
    PSYCHOSOCIAL_SUPPORT = "psychosocial_support"
    VICTIM_REGISTRATION = "victim_registration"
