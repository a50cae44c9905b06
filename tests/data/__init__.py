"""The tests' data, in one package:

- :mod:`tests.data.events`: contract events with defaults that make a valid case, and the
  people in it (every test's events come from here);
- :mod:`tests.data.scenario`: one case of a tenant of its own, as the outside world drives it
  through the bus (integration, fault, browser and container tests, the benchmark);
- :mod:`tests.data.scheduling`, :mod:`tests.data.notes`, :mod:`tests.data.notifications`: a
  case as that service sees it, and what only that service's tests need.
"""

from typing import Any, TypeVar

V = TypeVar("V")


def folded(kind: type[V], *events: Any) -> V:
    """``kind``'s view of a case after ``events`` in order, built as the service builds it
    (``kind.for_event`` of the first, then ``apply`` of each)."""
    view = kind.for_event(events[0])  # type: ignore[attr-defined]
    for event in events:
        view.apply(event)  # type: ignore[attr-defined]
    return view
