"""The public event contract of the mediation system (v1)."""

from mediation_contracts.envelope import CloudEvent, Payload
from mediation_contracts.events import ALL_EVENTS
from mediation_contracts.registry import UnknownEventType, event_class, parse_event

__all__ = ["ALL_EVENTS", "CloudEvent", "Payload", "UnknownEventType", "event_class", "parse_event"]
