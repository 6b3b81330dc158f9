"""``make run``'s launcher: the environment it gives each service and what it says about it."""

from __future__ import annotations

import pytest

from pilar_kit import devrun


def test_cases_keeps_its_clients_keys_apart_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PILAR_CASES_KEY_DATABASE_URL", raising=False)
    env = devrun.service_env("cases", 8102, "nats://127.0.0.1:4322", 2525, "secret")
    assert env["PILAR_CASES_KEY_DATABASE_URL"].endswith("cases-keys.db")
    assert env["PILAR_CASES_HTTP_PORT"] == "8102"
    assert env["PILAR_CASES_AUTH__JWT_SECRET"] == "secret"
    monkeypatch.setenv("PILAR_CASES_KEY_DATABASE_URL", "postgresql+asyncpg://k@h/keys")
    env = devrun.service_env("cases", 8102, "nats://127.0.0.1:4322", 2525, "secret")
    assert env["PILAR_CASES_KEY_DATABASE_URL"] == "postgresql+asyncpg://k@h/keys"
    registry = devrun.service_env("registry", 8101, "nats://127.0.0.1:4322", 2525, "secret")
    assert "PILAR_REGISTRY_KEY_DATABASE_URL" not in registry


def test_the_banner_names_each_database_without_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://postgres:hunter2@127.0.0.1:5432/pilar_cases"
    monkeypatch.setenv("PILAR_CASES_DATABASE_URL", url)
    monkeypatch.delenv("PILAR_REGISTRY_DATABASE_URL", raising=False)
    assert devrun.database_of("cases") == "PostgreSQL"
    assert devrun.database_of("registry").startswith("SQLite ")
    assert devrun.database_of("registry").endswith("registry.db")
