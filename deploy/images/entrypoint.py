#!/usr/bin/env python3
"""The image's entrypoint: secrets from files, then the command.

For each secret setting below, ``<NAME>_FILE`` names a file (a mounted secret) whose content,
without the final newline, becomes ``<NAME>``, unless ``<NAME>`` is set already. So no
secret has to be written into a compose file or manifest as an environment value:

    NOTES_MASTER_KEY_FILE=/run/secrets/notes/master-key  python -m notes

Then it replaces itself with the command (``python -m intake`` ...), which gets the
signals (SIGTERM stops it gracefully).
"""

import os
import sys

SECRET_SETTINGS = (
    "NOTES_MASTER_KEY",
    "MEDIATOR_SESSION_SECRET",
    "MEDIATOR_OIDC_CLIENT_SECRET",
    "MONGODB_URL",
    "NOTIFICATIONS_SMTP_PASSWORD",
    "NOTIFICATIONS_SMS_TOKEN",
    "NOTIFICATIONS_DIGITAL_POST_TOKEN",
    "GATEWAY_SECRET_KEY",
)
USAGE = (
    "choose what to run: python -m intake | scheduling | notes | notifications | insights"
    " | mediator_client | gateway"
)


def main() -> None:
    for name in SECRET_SETTINGS:
        path = os.environ.get(f"{name}_FILE")
        if not path or name in os.environ:
            continue
        try:
            with open(path, encoding="utf-8") as file:
                os.environ[name] = file.read().rstrip("\r\n")
        except OSError as error:
            sys.exit(f"{name}_FILE={path}: {error.strerror or error}")
    command = sys.argv[1:]
    if not command:
        sys.exit(USAGE)
    try:
        os.execvp(command[0], command)  # noqa: S606 - the container's command, as given
    except OSError as error:
        sys.exit(f"{command[0]}: {error.strerror or error}")


if __name__ == "__main__":
    main()
