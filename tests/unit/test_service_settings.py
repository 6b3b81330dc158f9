"""Settings every service shares: the provinces an instance serves."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pilar_kit.settings import ServiceSettings


def test_an_instance_serves_every_province_unless_given_some() -> None:
    assert ServiceSettings().served_provinces() == frozenset()
    assert ServiceSettings(provinces="00,31,36").served_provinces() == {"00", "31", "36"}


@pytest.mark.parametrize("provinces", ["3", "31,", "31;36", "jawa", "31, 36"])
def test_a_malformed_province_list_stops_the_service_from_starting(provinces: str) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(provinces=provinces)
