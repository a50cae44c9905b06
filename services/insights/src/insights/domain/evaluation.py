"""Evaluations: one-time links and anonymous answers.

A link's secret (the token) is made here and handed to notifications in EvaluationRequested;
insights keeps only its SHA-256 (:func:`link_hash`), so its database cannot answer for
anyone. An answer is kept without the link, the party, the case or its time: only the month
it was given, the occasion and the scores (:func:`anonymous_answer`).
"""

import hashlib
import secrets
from datetime import datetime
from typing import Any
from uuid import uuid4

from mediation_contracts.commands import EvaluationAnswers

from insights.domain.statistics import month_of


def new_token() -> str:
    """The secret of a one-time link: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def anonymous_answer(
    *,
    tenant: str,
    occasion: str,
    answers: EvaluationAnswers,
    comment: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The stored answer: a random id, the tenant, the month, the occasion, the scores given
    and the comment. Nothing else, so nothing leads back to a case or a person."""
    return {
        "_id": str(uuid4()),
        "tenant": tenant,
        "month": month_of(now),
        "occasion": occasion,
        "scores": answers.model_dump(exclude_none=True),
        "comment": comment,
    }
