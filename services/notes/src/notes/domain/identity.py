"""Who is asking, as verified from a signed token (never as claimed by the caller).

The token says who the person is (``subject``), what they are in the municipality
(``role``) and for which municipality (``tenant``). What they are *in a case* (its mediator,
a party, ...) is never taken from the token: the notes service decides that from its own view
of the case, built from events.
"""

from dataclasses import dataclass
from typing import Literal

Role = Literal[
    "mediator",  # staff who mediate (also the ombudsman office's mediators)
    "note_taker",  # staff who may write summaries as referent
    "caseworker",  # sagsbehandler: never reads a mediation summary
    "operator",  # runs the system: never reads content
    "citizen",  # a citizen (party in some cases)
    "administration",  # an employee representing the administration in some cases
    "companion",  # bisidder: supports a party, never reads the summary
]
ROLES: tuple[Role, ...] = (
    "mediator",
    "note_taker",
    "caseworker",
    "operator",
    "citizen",
    "administration",
    "companion",
)


@dataclass(frozen=True)
class Identity:
    subject: str
    role: Role
    tenant: str
