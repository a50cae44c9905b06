"""The composition root: builds the whole intake app from settings. Tests use the same."""

from mediation_runtime.service import ServiceApp, service_app, service_parts

from intake.adapters.case_repository import CaseRepository
from intake.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from intake.settings import SERVICE, IntakeSettings


def create_app(settings: IntakeSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="cases", publishes=PUBLISHES)
    cases = CaseRepository(parts.outbox)
    register_subscribers(parts.events, cases, settings)
    register_commands(parts.commands, cases, settings)
    return service_app(
        service=SERVICE,
        description="The mediation case lifecycle: request, suitability, consent, readiness, "
        "withdrawal, close; and the cases a mediator may see.",
        settings=settings,
        parts=parts,
        prepare=cases.create_indexes,
    )
