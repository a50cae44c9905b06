"""``python -m notes``: run the notes service until SIGINT/SIGTERM."""

import asyncio

from notes.bootstrap import create_app
from notes.settings import NotesSettings


def main() -> None:
    asyncio.run(create_app(NotesSettings()).run())


if __name__ == "__main__":
    main()
