"""Why insights refused, for a person: Danish first, English second. Codes only.

``link_not_valid`` is one answer for a link that is unknown, used or expired, so that whoever
guesses at links learns nothing; ``not_your_case`` likewise never says whether a case exists.
"""

from mediation_contracts.commands import Reply

TEXTS: dict[str, tuple[str, str]] = {
    "link_not_valid": (
        "Linket virker ikke længere. Det er måske allerede brugt, eller det er udløbet. "
        "Tak for din interesse.",
        "This link no longer works. It may have been used already, or it has expired. "
        "Thank you for your interest.",
    ),
    "not_your_case": (
        "Du har ikke adgang til denne sag.",
        "You do not have access to this case.",
    ),
    "no_follow_up": (
        "Sagen skal ikke følges op. Kun en sag, der sluttede med en aftale, følges op.",
        "The case has no follow-up: only a case that ended with an agreement is followed up.",
    ),
    "follow_up_recorded": (
        "Opfølgningen er allerede registreret.",
        "The follow-up has already been recorded.",
    ),
    "invalid_period": (
        "Perioden kan ikke bruges. Vælg en startmåned før slutmåneden, højst 10 år.",
        "The period cannot be used: choose a first month before the last, at most 10 years.",
    ),
}


def refused(code: str) -> Reply:
    return Reply.refused(code, TEXTS)
