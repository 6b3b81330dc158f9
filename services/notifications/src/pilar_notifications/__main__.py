"""``python -m pilar_notifications [serve|migrate]``."""

from pilar_kit.serve import service_main
from pilar_notifications.app import MIGRATIONS, create_app
from pilar_notifications.settings import NotificationsSettings

if __name__ == "__main__":
    service_main("notifications", NotificationsSettings(), create_app, MIGRATIONS)
