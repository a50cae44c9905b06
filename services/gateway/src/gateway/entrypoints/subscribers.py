"""The gateway's one durable consumer on the bus: every event some outside system may hear,
queued for the subscriptions that want it. Invalid input is dead-lettered on
``mediation.dlq.gateway`` by the runtime's delivery rules, like any service's."""

from mediation_contracts.access import outside_hearable
from mediation_runtime.service import ServiceEvents
from nats.js.api import DeliverPolicy

from gateway.handlers import Gateway


def register_subscribers(events: ServiceEvents, gateway: Gateway) -> None:
    events.subscribe({event: gateway.fan_out for event in outside_hearable()})
    # Created for the first time, the consumer starts with the events stored from then on:
    # a subscription hears what happens after it was made; replay fetches earlier events.
    events.policy.consumers[-1].deliver_policy = DeliverPolicy.NEW
