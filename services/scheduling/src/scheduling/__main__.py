"""``python -m scheduling``: run the scheduling service until SIGINT/SIGTERM."""

import asyncio

from scheduling.bootstrap import create_app
from scheduling.settings import SchedulingSettings


def main() -> None:
    asyncio.run(create_app(SchedulingSettings()).run())


if __name__ == "__main__":
    main()
