"""How times read for people, Danish first: one wording for the client's pages and the
notifications' messages. Pure functions of a local wall-clock time; the caller picks the zone."""

from datetime import datetime
from typing import Final

from mediation_contracts.events import Language

WEEKDAYS: Final[dict[Language, tuple[str, ...]]] = {
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: Final[dict[Language, tuple[str, ...]]] = {
    "da": (
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def date_text(lang: Language, local: datetime) -> str:
    """``3. marts 2026`` / ``3 March 2026``."""
    month = MONTHS[lang][local.month - 1]
    return (
        f"{local.day}. {month} {local.year}"
        if lang == "da"
        else f"{local.day} {month} {local.year}"
    )


def clock_text(lang: Language, local: datetime) -> str:
    """``10.30`` (the Danish way) / ``10:30``."""
    return f"{local:%H.%M}" if lang == "da" else f"{local:%H:%M}"
