"""``python -m notifications``: run the notifications service until SIGINT/SIGTERM."""

import asyncio

from notifications.bootstrap import create_app
from notifications.settings import NotificationsSettings


def main() -> None:
    asyncio.run(create_app(NotificationsSettings()).run())


if __name__ == "__main__":
    main()
