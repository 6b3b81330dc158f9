"""From domain verdicts to HTTP answers: 403, 404, 409 or 422 with what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, status

from pilar_cases.domain import CaseRuleBroken
from pilar_cases.store import ConcurrentChange
from pilar_cases.usecases import OutOfScope, Refused
from pilar_kit.auth import forbidden
from pilar_kit.http import Rejected

# Refusals because of the record's current state (HTTP 409); other verdicts are bad input (422).
CONFLICTS = {
    "case_closed",
    "already_answered",
    "deadline_passed",
    "referral_open",
    "not_accepted",
    "stage_not_allowed",
    "status_not_allowed",
    "disaster_closed",
    "already_registered",
}
FORBIDDEN = {"not_addressee"}
NOT_FOUND = "Data tidak ditemukan"


@contextmanager
def answered() -> Iterator[None]:
    """Turn what the use cases refuse into clear 4xx answers (messages never quote a NIK)."""
    try:
        yield
    except Refused as refused:
        findings = [{"code": f.code, "message": f.message} for f in refused.findings]
        raise Rejected(str(refused), code=refused.code, findings=findings) from None
    except OutOfScope:
        raise forbidden() from None
    except CaseRuleBroken as broken:
        if broken.code in FORBIDDEN:
            raise forbidden(str(broken)) from None
        code = 409 if broken.code in CONFLICTS else 422
        raise Rejected(str(broken), code=broken.code, status=code, **broken.details) from None
    except ConcurrentChange:
        raise Rejected("Data berubah bersamaan; ulangi", code="conflict", status=409) from None
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from None
