"""``python -m gateway``: run the gateway until SIGINT/SIGTERM."""

from mediation_runtime.service import run

from gateway.bootstrap import create_gateway
from gateway.settings import GatewaySettings


def main() -> None:
    run(create_gateway(GatewaySettings()).app)


if __name__ == "__main__":
    main()
