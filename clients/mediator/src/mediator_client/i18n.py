"""Every text the client shows, Danish first and English second, and Danish dates.

Templates call ``t("key")``; the texts are in :mod:`mediator_client.texts`. Times come from the
services in UTC and are shown on the Copenhagen wall clock.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo

from mediation_contracts.wording import WEEKDAYS, clock_text, date_text

from mediator_client.texts import TEXTS

Language = Literal["da", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DEFAULT_LANGUAGE: Final[Language] = "da"
COPENHAGEN: Final = ZoneInfo("Europe/Copenhagen")


def language(value: object) -> Language:
    """``value`` if it is a language the client speaks, else Danish."""
    for known in LANGUAGES:
        if value == known:
            return known
    return DEFAULT_LANGUAGE


def translate(lang: Language, key: str, **values: Any) -> str:
    """The text for ``key``; a missing key shows as itself (a test keeps them all present)."""
    texts = TEXTS.get(key)
    if texts is None:
        return key
    text = texts[0] if lang == "da" else texts[1]
    return text.format(**values) if values else text


def label(lang: Language, prefix: str, value: str | None) -> str:
    """The text for a code (``status_closed``, ``outcome_agreement``), else the code itself."""
    if value is None:
        return ""
    key = f"{prefix}_{value}"
    return translate(lang, key) if key in TEXTS else value


def translator(lang: Language) -> Callable[..., str]:
    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    return t


def local(moment: datetime) -> datetime:
    return moment.astimezone(COPENHAGEN)


def format_date(moment: datetime, lang: Language) -> str:
    return date_text(lang, local(moment))


def format_time(moment: datetime, lang: Language) -> str:
    return clock_text(lang, local(moment))


def format_datetime(moment: datetime, lang: Language) -> str:
    """``tirsdag 3. marts 2026 kl. 10.30`` / ``Tuesday 3 March 2026, 10:30``."""
    weekday = WEEKDAYS[lang][local(moment).weekday()]
    if lang == "da":
        return f"{weekday} {format_date(moment, lang)} kl. {format_time(moment, lang)}"
    return f"{weekday} {format_date(moment, lang)}, {format_time(moment, lang)}"
