"""The composition root: builds the whole scheduling app from settings. Tests use the same."""

from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts
from mediation_runtime.views import ViewStore

from scheduling import handlers
from scheduling.adapters.meetings import Meetings
from scheduling.adapters.reservations import Reservations
from scheduling.domain.case_view import CaseView
from scheduling.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from scheduling.handlers import Scheduling
from scheduling.settings import SERVICE, SchedulingSettings


def create_app(settings: SchedulingSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="meetings", publishes=PUBLISHES)
    database = parts.database
    scheduling = Scheduling(
        settings=settings,
        views=ViewStore(parts.documents("case_views"), CaseView),
        meetings=Meetings(parts.outbox),
        reservations=Reservations(
            database["reservations"], settings.policy_for("default").granularity
        ),
    )
    register_subscribers(parts.events, scheduling)
    serve_data_rights(
        parts.commands,
        database,
        retention="Møder og deltagere gemmes med id'er og tider, aldrig navne eller "
        "kontaktoplysninger; de slettes ikke, da de ikke identificerer nogen uden sagen.",
    )
    register_commands(parts.commands, scheduling)

    async def prepare() -> None:
        await scheduling.meetings.create_indexes()
        await scheduling.reservations.create_indexes()

    async def release_orphans() -> None:
        await handlers.release_orphan_reservations(scheduling)

    return service_app(
        service=SERVICE,
        description="Pre-meetings and mediation meetings: free slots, booking without double "
        "bookings, moving, cancelling, marking held.",
        settings=settings,
        parts=parts,
        prepare=prepare,
        background=[periodically(60, release_orphans)],
    )
