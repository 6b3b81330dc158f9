"""``python -m pilar_analytics [serve|migrate]``."""

from pilar_analytics.app import MIGRATIONS, create_app
from pilar_analytics.settings import AnalyticsSettings
from pilar_kit.serve import service_main

if __name__ == "__main__":
    service_main("analytics", AnalyticsSettings(), create_app, MIGRATIONS)
