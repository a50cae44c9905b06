"""The composition root: builds the whole intake app from settings. Tests use the same."""

from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts
from mediation_runtime.stream_erasure import erase_case_events
from mediation_runtime.streams import iso

from intake.adapters.case_repository import CaseRepository
from intake.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from intake.retention import erase_expired
from intake.settings import SERVICE, IntakeSettings


def retention_da(settings: IntakeSettings) -> str:
    return (
        "Parternes navne, kontaktoplysninger, sagsbeskrivelse og emner slettes "
        f"{iso(settings.retention)} efter sagens lukning (INTAKE_RETENTION), eller før, når "
        "den registrerede får dem slettet (erase_person); id'er og koder bevares til "
        "statistik og revision."
    )


def create_app(settings: IntakeSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="cases", publishes=PUBLISHES)
    cases = CaseRepository(parts.outbox)
    register_subscribers(parts.events, cases, settings)

    async def erase_events(tenant: str, case_ids: set[str]) -> int:
        return await erase_case_events(parts.broker.connection.jetstream(), tenant, case_ids)

    serve_data_rights(
        parts.commands,
        parts.database,
        retention=retention_da(settings),
        open_cases=cases.open_among,
        erase_events=erase_events,
        correctable=lambda _collection, _document: True,  # a case's party records
    )
    register_commands(parts.commands, cases, settings)

    async def enforce_retention() -> int:
        return await erase_expired(cases, parts.database, erase_events, settings.retention)

    return service_app(
        service=SERVICE,
        description="The mediation case lifecycle: request, suitability, consent, readiness, "
        "withdrawal, close; and the cases a mediator may see.",
        settings=settings,
        parts=parts,
        prepare=cases.create_indexes,
        background=[periodically(settings.retention_sweep_seconds, enforce_retention)],
    )
