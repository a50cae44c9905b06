"""``python -m scheduling``: run the scheduling service until SIGINT/SIGTERM."""

from mediation_runtime.service import run

from scheduling.bootstrap import create_app
from scheduling.settings import SchedulingSettings


def main() -> None:
    run(create_app(SchedulingSettings()))


if __name__ == "__main__":
    main()
