"""``python -m intake``: run the intake service until SIGINT/SIGTERM."""

from mediation_runtime.service import run

from intake.bootstrap import create_app
from intake.settings import IntakeSettings


def main() -> None:
    run(create_app(IntakeSettings()))


if __name__ == "__main__":
    main()
