"""Why intake refused a request, in words for a person: Danish first, English second.

Codes are stable (programs branch on them). A refusal never says whether a case exists: a
case the viewer may not see and a case that is not there get the same answer.
"""

from mediation_contracts.commands import Reply

TEXTS: dict[str, tuple[str, str]] = {
    "not_your_case": (
        "Du har ikke adgang til denne sag.",
        "You do not have access to this case.",
    ),
}


def refused(code: str) -> Reply:
    return Reply.refused(code, TEXTS)
