"""NIK and No. KK checks (DOMAIN.md §4): hard rules reject a number, soft rules only warn.

Both numbers start with the Kemendagri code of a kecamatan (``PPKKCC``, reported dotted as
``PP.KK.CC``). A NIK keeps the code in force when it was issued, so a prefix missing from the
current table is only a warning: ``prefix_historical`` when ``reference/historical_regions.json``
knows it (Papua before the 2022 split), ``prefix_unknown`` otherwise. Soft rules are assessed only
once the hard rules pass, and derived facts are set only on a valid number.

Messages are in Bahasa Indonesia for operators and never quote the number, its birth or recording
date, or the values on the record; they may name a region code. Apart from the region tables these
functions do no I/O and never read the clock: the caller passes ``today``.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from importlib.resources import files
from typing import Annotated, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pilar_contracts.reference.regions import region_exists

Sex = Literal["M", "F"]
FindingCode = Literal[
    "not_16_digits",
    "province_zero",
    "regency_zero",
    "month_invalid",
    "day_invalid",
    "date_invalid",
    "serial_zero",
    "prefix_historical",
    "prefix_unknown",
    "birth_date_mismatch",
    "sex_mismatch",
    "birth_date_future",
    "recorded_date_future",
]

_SIXTEEN_DIGITS: Final = re.compile(r"\A[0-9]{16}\Z")
_SEPARATORS: Final = re.compile(r"[\s.\-]+")
_FEMALE_DAY_OFFSET: Final = 40
_MONTH_DAYS: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_NIK: Final = "NIK"
_KK: Final = "nomor KK"
_MESSAGES: Final[dict[FindingCode, str]] = {
    "not_16_digits": "{subject} harus 16 digit angka",
    "province_zero": "Kode provinsi pada NIK (digit 1–2) tidak boleh 00",
    "regency_zero": "Kode kabupaten/kota pada NIK (digit 3–4) tidak boleh 00",
    "month_invalid": "Bulan lahir pada NIK (digit 9–10) harus 01–12",
    "day_invalid": "Tanggal lahir pada NIK (digit 7–8) harus 01–31 atau, untuk perempuan, 41–71",
    "date_invalid": "{what} pada {subject} (digit 7–12) bukan tanggal yang ada di kalender",
    "serial_zero": "Nomor urut pada {subject} (digit 13–16) tidak boleh 0000",
    "prefix_historical": "Kode wilayah {region} pada {subject} adalah kode lama {name} (berlaku "
    "sampai {until}, kini {successor}); {subject} tetap sah",
    "prefix_unknown": "Kode kecamatan {region} pada {subject} tidak ada di tabel wilayah "
    "Kemendagri saat ini maupun di tabel kode lama; periksa kembali",
    "birth_date_mismatch": "Tanggal lahir yang tersirat pada NIK tidak sama dengan data",
    "sex_mismatch": "Jenis kelamin yang tersirat pada NIK tidak sama dengan data",
    "birth_date_future": "Tanggal lahir pada NIK jatuh setelah hari ini",
    "recorded_date_future": "Tanggal pencatatan pada nomor KK jatuh setelah hari ini",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Finding(_Frozen):
    """A broken rule: machine ``code`` and an operator ``message`` that never quotes the number."""

    code: FindingCode
    message: str = Field(min_length=1)


class _Check(_Frozen):
    """Outcome shared by NIK and No. KK checks; derived facts are set exactly when valid."""

    valid: bool
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    district_code: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.valid == bool(self.errors):
            raise ValueError("valid must be true exactly when there are no errors")
        if self.valid != (self.district_code is not None) or (self.warnings and not self.valid):
            raise ValueError("derived facts and warnings belong to valid numbers only")
        return self


class NikCheck(_Check):
    """Result of :func:`check_nik`; ``birth_date`` and ``sex`` are implied by the NIK."""

    birth_date: date | None = None
    sex: Sex | None = None


class KkCheck(_Check):
    """Result of :func:`check_kk`; ``recorded_on`` is the date the family card was recorded."""

    recorded_on: date | None = None


class HistoricalProvince(_Frozen):
    """A province code as it was before a split, with the current codes that cover its area."""

    code: Annotated[str, Field(pattern=r"^[0-9]{2}$")]
    name: str = Field(min_length=1)
    until: int
    successors: tuple[Annotated[str, Field(pattern=r"^[0-9]{2}$")], ...] = Field(min_length=1)
    legal_basis: str = Field(min_length=1)


class HistoricalRegency(_Frozen):
    """A regency/city code that was renumbered, with its current code."""

    code: Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]{2}$")]
    name: str = Field(min_length=1)
    until: int
    successor: Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]{2}$")]
    legal_basis: str = Field(min_length=1)


class HistoricalRegions(_Frozen):
    """Region codes no longer in the Kemendagri table that NIKs and KKs may still carry."""

    legal_basis: str = Field(min_length=1)
    source: str = Field(min_length=1)
    version: str
    provinces: tuple[HistoricalProvince, ...]
    regencies: tuple[HistoricalRegency, ...]

    def province(self, code: str) -> HistoricalProvince | None:
        """Return the historical province with this two-digit code, if any."""
        return next((item for item in self.provinces if item.code == code), None)

    def regency(self, code: str) -> HistoricalRegency | None:
        """Return the renumbered regency with this ``PP.KK`` code, if any."""
        return next((item for item in self.regencies if item.code == code), None)


@functools.cache
def historical_regions() -> HistoricalRegions:
    """Load and validate ``reference/historical_regions.json`` once per process."""
    resource = files("pilar_contracts.reference") / "historical_regions.json"
    return HistoricalRegions.model_validate_json(resource.read_bytes())


def normalise_nik(raw: str) -> str:
    """Remove whitespace, dots and hyphens (e.g. ``"3371.01 150190-0001"``) before checking."""
    return _SEPARATORS.sub("", raw)


normalise_kk = normalise_nik


def _finding(code: FindingCode, /, **fields: object) -> Finding:
    text = _MESSAGES[code].format(**fields)
    return Finding(code=code, message=text[:1].upper() + text[1:])


def _is_sixteen_digits(value: object) -> bool:
    return isinstance(value, str) and _SIXTEEN_DIGITS.match(value) is not None


def _dotted(prefix: str) -> str:
    return f"{prefix[:2]}.{prefix[2:4]}.{prefix[4:6]}"


def _region_errors(nik: str) -> list[Finding]:
    """Hard rules of a NIK on its province and regency digits."""
    province = [_finding("province_zero")] if nik[:2] == "00" else []
    return province + ([_finding("regency_zero")] if nik[2:4] == "00" else [])


def _serial_errors(number: str, subject: str) -> list[Finding]:
    """Hard rule shared by NIK and No. KK: the serial (digits 13-16) is not 0000."""
    return [_finding("serial_zero", subject=subject)] if number[12:] == "0000" else []


def _prefix_warnings(district: str, subject: str) -> list[Finding]:
    """Soft rule: a kecamatan code missing from the current table is historical or unknown."""
    return list(_prefix_findings(district, subject))


@functools.lru_cache(maxsize=8192)
def _prefix_findings(district: str, subject: str) -> tuple[Finding, ...]:
    # cached: a province's list repeats a few thousand kecamatan codes (findings are frozen)
    return tuple(_assess_prefix(district, subject))


def _assess_prefix(district: str, subject: str) -> list[Finding]:
    if region_exists(district):
        return []
    table = historical_regions()
    regency, province = table.regency(district[:5]), table.province(district[:2])
    if regency is not None:
        fields = {"region": regency.code, "name": regency.name, "successor": regency.successor}
        return [_finding("prefix_historical", subject=subject, until=regency.until, **fields)]
    if province is not None and not region_exists(district[:5]):
        successor = "wilayah provinsi " + ", ".join(province.successors)
        fields = {
            "region": district[:5],
            "name": f"Provinsi {province.name}",
            "successor": successor,
        }
        return [_finding("prefix_historical", subject=subject, until=province.until, **fields)]
    return [_finding("prefix_unknown", region=district, subject=subject)]


def _real_dates(day: int, month: int, years: tuple[int, ...]) -> tuple[date, ...]:
    """Return the real calendar dates among the candidate years, in the given order."""
    if not (1 <= month <= 12 and day >= 1):
        return ()
    return tuple(date(year, month, day) for year in years if day <= _days_in(year, month))


def _days_in(year: int, month: int) -> int:
    """Days in a month of the proleptic Gregorian calendar (calendar.monthrange is slower)."""
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return _MONTH_DAYS[month] + leap


def _birth_candidates(nik: str, today: date) -> tuple[list[Finding], tuple[date, ...]]:
    """Hard date rules of a NIK and the birth dates it allows, this century first."""
    coded_day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    errors = [] if 1 <= coded_day <= 31 or 41 <= coded_day <= 71 else [_finding("day_invalid")]
    if not 1 <= month <= 12:
        errors.append(_finding("month_invalid"))
    if errors:
        return errors, ()
    century = today.year // 100 * 100
    day = coded_day - _FEMALE_DAY_OFFSET if coded_day > _FEMALE_DAY_OFFSET else coded_day
    candidates = _real_dates(day, month, (century + yy, century - 100 + yy))
    if not candidates:
        errors.append(_finding("date_invalid", what="tanggal lahir", subject=_NIK))
    return errors, candidates


def _nik_date_key(value: date) -> tuple[int, int, int]:
    """Return what a NIK encodes of a date: day, month and two-digit year."""
    return value.day, value.month, value.year % 100


def _resolve_birth(
    candidates: tuple[date, ...], today: date, recorded: date | None
) -> tuple[date, list[Finding]]:
    """Pick the century: the record's if it agrees, else the latest not after today."""
    agrees = recorded is not None and _nik_date_key(recorded) == _nik_date_key(candidates[0])
    past = [candidate for candidate in candidates if candidate <= today]
    birth = max(past) if past else min(candidates)
    if recorded is not None and agrees:
        birth = recorded
    warnings = [] if recorded is None or agrees else [_finding("birth_date_mismatch")]
    if birth > today:
        warnings.append(_finding("birth_date_future"))
    return birth, warnings


def check_nik(
    nik: str, *, today: date, birth_date: date | None = None, sex: Sex | None = None
) -> NikCheck:
    """Check a normalised NIK (DOMAIN.md §4.1), optionally against a record's birth date and sex."""
    if not _is_sixteen_digits(nik):
        return NikCheck(valid=False, errors=(_finding("not_16_digits", subject=_NIK),))
    date_errors, candidates = _birth_candidates(nik, today)
    errors = _region_errors(nik) + date_errors + _serial_errors(nik, _NIK)
    if errors:
        return NikCheck(valid=False, errors=tuple(errors))
    district = _dotted(nik[:6])
    implied_sex: Sex = "F" if int(nik[6:8]) > _FEMALE_DAY_OFFSET else "M"
    birth, birth_warnings = _resolve_birth(candidates, today, birth_date)
    warnings = _prefix_warnings(district, _NIK) + birth_warnings
    if sex is not None and sex != implied_sex:
        warnings.append(_finding("sex_mismatch"))
    return NikCheck(
        valid=True,
        warnings=tuple(warnings),
        district_code=district,
        birth_date=birth,
        sex=implied_sex,
    )


def _recorded_on(kk: str, today: date) -> date | None:
    """Read DDMMYY (no +40 rule) in the century whose year is nearest today's (ties: earlier)."""
    day, month, yy = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    century = today.year // 100 * 100
    years = (century - 100 + yy, century + yy, century + 100 + yy)
    year = min(years, key=lambda candidate: (abs(candidate - today.year), candidate))
    dates = _real_dates(day, month, (year,))
    return dates[0] if dates else None


def check_kk(kk: str, *, today: date) -> KkCheck:
    """Check a normalised No. KK (DOMAIN.md §4.2)."""
    if not _is_sixteen_digits(kk):
        return KkCheck(valid=False, errors=(_finding("not_16_digits", subject=_KK),))
    recorded = _recorded_on(kk, today)
    errors = [] if recorded else [_finding("date_invalid", what="tanggal pencatatan", subject=_KK)]
    errors += _serial_errors(kk, _KK)
    if errors or recorded is None:
        return KkCheck(valid=False, errors=tuple(errors))
    district = _dotted(kk[:6])
    warnings = _prefix_warnings(district, _KK)
    if recorded > today:
        warnings.append(_finding("recorded_date_future"))
    return KkCheck(
        valid=True, warnings=tuple(warnings), district_code=district, recorded_on=recorded
    )
