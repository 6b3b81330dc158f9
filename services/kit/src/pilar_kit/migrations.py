"""Alembic migrations per service, the same scripts on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from pilar_kit.db import create_engine


def alembic_config(script_location: Path, url: str) -> Config:
    """Return an Alembic config for a service's migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` on an existing async engine."""
    config = alembic_config(script_location, engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, script_location: Path, revision: str = "base") -> None:
    """Downgrade the database to ``revision``."""
    config = alembic_config(script_location, engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


def _configure(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode rebuilds the table
        compare_type=True,
        user_module_prefix="pilar_kit.db.",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(metadata: MetaData) -> None:
    """Body of every service's ``env.py``: use the caller's connection, else open one."""
    connection: Any = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url") or ""

    async def _online() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_configure, metadata)
        await engine.dispose()

    asyncio.run(_online())


def new_revision(module: str, message: str) -> None:
    """Autogenerate a migration for a service package (``pilar_registry``) from its models."""
    import importlib
    import shutil
    import tempfile

    package_file = importlib.import_module(module).__file__
    assert package_file is not None
    script_location = Path(package_file).parent / "migrations"
    template = Path(__file__).parent / "migration_template" / "script.py.mako"
    shutil.copy(template, script_location / "script.py.mako")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/draft.db"
        engine = create_engine(url)
        asyncio.run(upgrade(engine, script_location))
        asyncio.run(engine.dispose())
        number = len(list((script_location / "versions").glob("*.py"))) + 1
        config = alembic_config(script_location, url)
        script = command.revision(config, message, autogenerate=True, rev_id=f"{number:04d}")
    for made in script if isinstance(script, list) else [script]:
        if made is not None:  # Alembic renders JSONB's Text() without importing it
            path = Path(made.path)
            path.write_text(path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()"))


if __name__ == "__main__":
    import sys

    new_revision(sys.argv[1], sys.argv[2])
