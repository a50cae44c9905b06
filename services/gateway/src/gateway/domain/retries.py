"""When a failed webhook is tried again, and when it is given up (pure: times passed in)."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetrySchedule:
    delays: tuple[float, ...]
    """Seconds before the 2nd, 3rd, ... attempt; after the last the delivery is dead."""

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def next_due(self, attempts_made: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts_made`` failed attempts; None: give up."""
        if attempts_made >= self.attempts:
            return None
        return now + timedelta(seconds=self.delays[attempts_made - 1])
