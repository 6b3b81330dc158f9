"""``python -m pilar_cases [serve|migrate]``, or ``python -m pilar_cases bmkg FILE_OR_URL``."""

import sys

from pilar_cases.app import MIGRATIONS, create_app
from pilar_cases.cli import bmkg_main
from pilar_cases.settings import CasesSettings
from pilar_kit.serve import service_main

if __name__ == "__main__":
    if sys.argv[1:2] == ["bmkg"]:
        sys.exit(bmkg_main(sys.argv[2:], CasesSettings()))
    service_main("cases", CasesSettings(), create_app, MIGRATIONS)
