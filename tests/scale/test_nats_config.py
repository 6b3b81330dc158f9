"""The committed NATS configuration follows the contracts, and nats-server accepts it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from deploy.nats.accounts import (
    SERVICES,
    integration_permissions,
    integrations,
    leaf_permissions,
    leaf_provinces,
    leaf_user,
    service_permissions,
)
from deploy.nats.generate import generated_files, stale_files
from pilar_contracts.consumers import CONSUMERS
from pilar_contracts.streams import PRIVATE
from pilar_kit.natsserver import server_binary
from tests.scale.conftest import user_names


def test_committed_files_are_what_the_contracts_generate() -> None:
    assert stale_files() == [], "run: python -m deploy.nats.generate"


def test_every_consumer_is_reachable_by_its_own_service_alone() -> None:
    allowed = {s: service_permissions(s)["publish"]["allow"] for s in SERVICES}
    for consumer in CONSUMERS:
        fetch = f"$JS.API.CONSUMER.MSG.NEXT.{consumer.stream}.{consumer.durable}"
        owners = [s for s, subjects in allowed.items() if fetch in subjects]
        assert owners == [consumer.durable.split("-")[0]]
    readers = [s for s, subjects in allowed.items() if any(PRIVATE.name in x for x in subjects)]
    private_consumers = [x for s in readers for x in allowed[s] if f".{PRIVATE.name}." in x]
    assert {x.split(".")[-1] for x in private_consumers if "MSG.NEXT" in x} == {
        "notifications-contacts"
    }
    for subjects in allowed.values():
        assert "$JS.API.>" not in subjects
        assert not any(x.startswith("pilar.private.>") for x in subjects)


def test_every_service_publishes_its_own_events_and_dead_letters_only() -> None:
    for service in SERVICES:
        allowed = service_permissions(service)["publish"]["allow"]
        events = [s for s in allowed if s.startswith("pilar.") and not s.startswith("pilar.dlq.")]
        assert events, service
        own = (f"pilar.{service}.", f"pilar.private.{service}.")
        assert [s for s in events if not s.startswith(own)] == [], service
        dead = {s.removeprefix("pilar.dlq.") for s in allowed if s.startswith("pilar.dlq.")}
        assert {d.split("-")[0] for d in dead} <= {service}, service
        assert not any(s.startswith((">", "pilar.>", "pilar.*")) for s in allowed), service
        assert service_permissions(service)["subscribe"]["allow"] == [f"_INBOX.{service}.>"]


def test_each_leaf_province_has_a_user_of_its_own_for_its_own_domain() -> None:
    provinces = leaf_provinces()
    assert provinces
    assert {leaf_user(p) for p in provinces} <= set(user_names())
    for province in provinces:
        received = leaf_permissions(province)["subscribe"]["allow"]
        assert [s for s in received if ".API." in s] == [f"$JS.prov{province}.API.>"]
        assert not any(
            s.startswith(("pilar.", ">", "$JS.*", "$JS.hub", "$JS.API")) for s in received
        )


def test_a_leaf_list_with_an_unknown_or_repeated_province_is_refused(tmp_path: Path) -> None:
    listed = tmp_path / "leaves.json"
    for rows, why in (
        ('[{"province": "99"}]', "unknown"),
        ('[{"province": "33"}, {"province": "33"}]', "twice"),
    ):
        listed.write_text(rows, encoding="utf-8")
        with pytest.raises(ValueError, match=why):
            leaf_provinces(listed)


def test_integrations_publish_nothing_and_read_one_province() -> None:
    for integration in integrations():
        permissions = integration_permissions(integration)
        assert permissions["publish"] == {"deny": [">"]}
        assert all(
            f".{integration.province}." in subject
            for subject in permissions["subscribe"]["allow"]
            if integration.province and subject.startswith("pilar.")
        )


@pytest.mark.integration
@pytest.mark.parametrize(
    "path", sorted(p for p in generated_files() if p.suffix == ".conf"), ids=lambda p: p.name
)
def test_nats_server_accepts_the_committed_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for user in user_names():
        monkeypatch.setenv(f"PILAR_NATS_{user.upper().replace('-', '_')}_PASSWORD", "secret")
    monkeypatch.setenv("PILAR_NATS_SERVER_NAME", "nats-prov33")
    monkeypatch.setenv("PILAR_NATS_DOMAIN", "prov33")
    monkeypatch.setenv("PILAR_NATS_HUB_URL", "nats-leaf://leaf-33:secret@nats:7422")
    checked = subprocess.run(
        [server_binary(), "-t", "-c", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "is valid" in checked.stdout + checked.stderr
