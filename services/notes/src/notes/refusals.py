"""Why notes refused, for a person: Danish first, English second. Codes only, no content."""

from mediation_contracts.commands import Reply

TEXTS: dict[str, tuple[str, str]] = {
    "invalid_token": (
        "Din identitet kunne ikke bekræftes. Log ind igen.",
        "Your identity could not be verified. Please sign in again.",
    ),
    "other_tenant": (
        "Sagen hører til en anden kommune.",
        "The case belongs to another municipality.",
    ),
    "not_a_member": (
        "Du har ikke adgang til referater i denne sag.",
        "You have no access to summaries in this case.",
    ),
    "role_may_not": ("Din rolle giver ikke adgang til dette.", "Your role does not allow this."),
    "no_summary_consent": (
        "Borgeren har ikke ønsket et referat. Der må ikke skrives noter.",
        "The citizen has not asked for a summary; no notes may be written.",
    ),
    "not_shared": (
        "Referatet er ikke delt med parterne.",
        "The summary has not been shared with the parties.",
    ),
    "not_all_parties_agreed": (
        "Alle parter skal være enige, før referatet kan deles.",
        "Every party must agree before the summary can be shared.",
    ),
    "case_closed": (
        "Sagen er afsluttet. Der kan ikke skrives flere referater.",
        "The case is closed; no more summaries can be written.",
    ),
    "no_summary": ("Der er intet referat i sagen.", "There is no summary in this case."),
    "destroyed": (
        "Referatet er slettet og kan ikke genskabes.",
        "The summary has been destroyed and cannot be recovered.",
    ),
    "unreadable": (
        "Referatet kan ikke læses lige nu. Kontakt driften.",
        "The summary cannot be read right now; please contact operations.",
    ),
    "summary_empty": ("Referatet er tomt.", "The summary is empty."),
    "summary_too_long": (
        "Referatet er for langt. Skriv kort, fx de aftaler der blev indgået.",
        "The summary is too long; keep it short, e.g. the agreements reached.",
    ),
}


def refused(code: str) -> Reply:
    return Reply.refused(code, TEXTS)
