"""``python -m pilar_analytics [serve|migrate|rebuild]``."""

from __future__ import annotations

import argparse
import asyncio

from pilar_analytics.app import MIGRATIONS, create_app
from pilar_analytics.rebuild import rebuild
from pilar_analytics.settings import AnalyticsSettings
from pilar_kit.serve import service_main


def main() -> None:
    """Serve, migrate, or rebuild the read models from the streams."""
    parser = argparse.ArgumentParser(prog="pilar-analytics")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate", "rebuild"],
        help="rebuild: empty the read models and replay the streams (stop the service first)",
    )
    command = parser.parse_args().command
    settings = AnalyticsSettings()
    if command == "rebuild":
        replayed = asyncio.run(rebuild(settings, MIGRATIONS))
        for found in replayed:
            counts = f"{found.read} read, {found.applied} applied, {found.invalid} invalid"
            print(f"{found.consumer}: {counts}")
        return
    service_main("analytics", settings, create_app, MIGRATIONS, command)


if __name__ == "__main__":
    main()
