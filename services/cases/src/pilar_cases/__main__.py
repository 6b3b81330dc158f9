"""``python -m pilar_cases [serve|migrate]``."""

from pilar_cases.app import MIGRATIONS, create_app
from pilar_cases.settings import CasesSettings
from pilar_kit.serve import service_main

if __name__ == "__main__":
    service_main("cases", CasesSettings(), create_app, MIGRATIONS)
