"""Directory API: operators keep their own duty contact; every person sets their preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from pilar_kit.auth import Principal, Role, ensure_region, region_prefix, require_roles
from pilar_kit.auth.principal import region_contains
from pilar_kit.http import Rejected, RuntimeDep
from pilar_notifications import directory
from pilar_notifications.rules import OPTIONAL, Category
from pilar_notifications.store import PreferenceRow, RecipientRow

OPERATORS = (Role.NATIONAL_OPERATOR, Role.PROVINCIAL_OPERATOR, Role.REGENCY_OPERATOR)
Operator = Annotated[Principal, Depends(require_roles(*OPERATORS))]
Person = Annotated[Principal, Depends(require_roles(Role.PSKS, *OPERATORS))]
router = APIRouter(prefix="/directory", tags=["directory"])

PHONE = r"^\+?[0-9]{8,15}$"
LANGUAGE = r"^[a-z]{2}$"
NO_CONTACT = "Isi paling sedikit satu kontak: e-mail, nomor telepon, atau WhatsApp"
NOT_REGISTERED = "Kontak operator belum terdaftar"
LABELS = {
    Category.DISASTER: "Bencana dan penugasan Tagana",
    Category.REFERRAL: "Rujukan kasus",
    Category.OPERATIONS: "Tugas operator Dinas Sosial",
    Category.CERTIFICATION: "Sertifikasi dan pengingat perpanjangan",
}


class OperatorContactUpdate(BaseModel):
    """An operator's duty contact, for alerts to the operators of a region."""

    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, pattern=PHONE)
    whatsapp: str | None = Field(default=None, pattern=PHONE)
    preferred_channels: list[Literal["whatsapp", "sms", "email"]] = []
    language: str = Field(default="id", pattern=LANGUAGE)

    @model_validator(mode="after")
    def _reachable(self) -> OperatorContactUpdate:
        if not (self.email or self.phone or self.whatsapp):
            raise ValueError(NO_CONTACT)
        return self


class OperatorContactPublic(BaseModel):
    """An operator in the directory: which channels reach them, not the numbers themselves."""

    id: UUID
    display_name: str
    region: str
    channels: list[str]
    preferred_channels: list[str]
    language: str
    updated_at: datetime


class PreferencesUpdate(BaseModel):
    """Categories to stop receiving (optional ones only) and the language of messages."""

    opt_outs: list[Category] = []
    language: str | None = Field(default=None, pattern=LANGUAGE)


class PreferencesPublic(BaseModel):
    """A person's preferences."""

    opt_outs: list[Category]
    language: str | None


class CategoryPublic(BaseModel):
    """A kind of notification and whether a person may opt out of it."""

    code: Category
    label: str
    optional: bool


def _public(row: RecipientRow) -> OperatorContactPublic:
    channels = [c for c in ("whatsapp", "sms", "email") if _reaches(row, c)]
    return OperatorContactPublic(
        id=row.person_id,
        display_name=row.display_name,
        region=(row.regions or [""])[0],
        channels=channels,
        preferred_channels=row.preferred_channels,
        language=row.language,
        updated_at=row.updated_at,
    )


def _reaches(row: RecipientRow, channel: str) -> bool:
    return bool({"whatsapp": row.whatsapp, "sms": row.phone, "email": row.email}[channel])


@router.put("/operators/me")
async def save_my_contact(
    body: OperatorContactUpdate, runtime: RuntimeDep, who: Operator
) -> OperatorContactPublic:
    """Register or update the caller's duty contact for the region of their authority."""
    person = directory.person_id(who.subject)
    async with runtime.transaction() as session:
        await directory.save_operator(session, person, who.region, **body.model_dump())
        row = await session.get(RecipientRow, person)
    assert row is not None
    return _public(row)


@router.get("/operators/me")
async def my_contact(runtime: RuntimeDep, who: Operator) -> OperatorContactPublic:
    """The caller's duty contact as the directory holds it."""
    async with runtime.transaction() as session:
        row = await session.get(RecipientRow, directory.person_id(who.subject))
    if row is None or row.person_kind != directory.OPERATOR:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_REGISTERED)
    return _public(row)


@router.delete("/operators/me", status_code=status.HTTP_204_NO_CONTENT)
async def remove_my_contact(runtime: RuntimeDep, who: Operator) -> Response:
    """Take the caller off the directory (e.g. when leaving the post)."""
    async with runtime.transaction() as session:
        row = await session.get(RecipientRow, directory.person_id(who.subject))
        if row is not None and row.person_kind == directory.OPERATOR:
            await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/operators")
async def list_operators(
    runtime: RuntimeDep,
    who: Operator,
    region: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{2})?$")] = None,
) -> list[OperatorContactPublic]:
    """Operators registered within a region of the caller's authority (their own by default)."""
    prefix = region_prefix(region) if region else who.region
    ensure_region(who, prefix or "00")
    query = select(RecipientRow).where(RecipientRow.person_kind == directory.OPERATOR)
    async with runtime.transaction() as session:
        rows = (await session.scalars(query)).all()
    mine = [r for r in rows if any(region_contains(prefix, code) for code in r.regions or [""])]
    return [_public(r) for r in sorted(mine, key=lambda r: ((r.regions or [""])[0], r.person_id))]


@router.get("/categories")
async def categories(_who: Person) -> list[CategoryPublic]:
    """The kinds of notification and which of them a person may opt out of."""
    return [CategoryPublic(code=c, label=LABELS[c], optional=c in OPTIONAL) for c in Category]


@router.get("/me/preferences")
async def my_preferences(runtime: RuntimeDep, who: Person) -> PreferencesPublic:
    """The caller's preferences (none opted out, Bahasa Indonesia, until they choose)."""
    async with runtime.transaction() as session:
        row = await session.get(PreferenceRow, directory.person_id(who.subject))
    if row is None:
        return PreferencesPublic(opt_outs=[], language=None)
    return PreferencesPublic(opt_outs=[Category(c) for c in row.opt_outs], language=row.language)


@router.put("/me/preferences")
async def save_my_preferences(
    body: PreferencesUpdate, runtime: RuntimeDep, who: Person
) -> PreferencesPublic:
    """Opt out of optional categories and choose a language; mandatory ones are refused."""
    mandatory = [c for c in body.opt_outs if c not in OPTIONAL]
    if mandatory:
        names = ", ".join(LABELS[c] for c in mandatory)
        raise Rejected(
            f"Pemberitahuan berikut wajib diterima dan tidak dapat dihentikan: {names}",
            code="opt_out_not_allowed",
            categories=[c.value for c in mandatory],
        )
    async with runtime.transaction() as session:
        row = await directory.save_preferences(
            session,
            directory.person_id(who.subject),
            opt_outs=body.opt_outs,
            language=body.language,
        )
        return PreferencesPublic(
            opt_outs=[Category(c) for c in row.opt_outs], language=row.language
        )
