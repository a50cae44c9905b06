"""``python -m intake``: run the intake service until SIGINT/SIGTERM."""

import asyncio

from intake.bootstrap import create_app
from intake.settings import IntakeSettings


def main() -> None:
    asyncio.run(create_app(IntakeSettings()).run())


if __name__ == "__main__":
    main()
