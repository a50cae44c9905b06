"""``python -m insights``: run the insights service until SIGINT/SIGTERM."""

from mediation_runtime.service import run

from insights.bootstrap import create_app
from insights.settings import InsightsSettings


def main() -> None:
    run(create_app(InsightsSettings()))


if __name__ == "__main__":
    main()
