"""``python -m notifications``: run the notifications service until SIGINT/SIGTERM."""

from mediation_runtime.service import run

from notifications.bootstrap import create_app
from notifications.settings import NotificationsSettings


def main() -> None:
    run(create_app(NotificationsSettings()))


if __name__ == "__main__":
    main()
