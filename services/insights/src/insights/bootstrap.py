"""The composition root: builds the whole insights app from settings. Tests use the same."""

from mediation_runtime.personal_data import serve_data_rights
from mediation_runtime.service import ServiceApp, periodically, service_app, service_parts

from insights import handlers
from insights.adapters.cases import InsightsCases
from insights.adapters.evaluations import Evaluations
from insights.entrypoints.subscribers import PUBLISHES, register_commands, register_subscribers
from insights.handlers import Insights
from insights.settings import SERVICE, InsightsSettings


def create_app(settings: InsightsSettings) -> ServiceApp:
    parts = service_parts(settings, SERVICE, outbox_collection="cases", publishes=PUBLISHES)
    insights = Insights(
        settings=settings,
        cases=InsightsCases(parts.outbox),
        evaluations=Evaluations(parts.database),
    )
    register_subscribers(parts.events, insights)
    serve_data_rights(
        parts.commands,
        parts.database,
        retention="Kun id'er, koder og tider for statistik; evalueringssvar gemmes uden "
        "link, part og sag. Evalueringslinks slettes, når de udløber.",
    )
    register_commands(parts.commands, insights)

    async def prepare() -> None:
        await insights.cases.create_indexes()
        await insights.evaluations.create_indexes()

    async def due_work() -> None:
        await handlers.periodic_round(insights)

    return service_app(
        service=SERVICE,
        description="Learning from mediations: anonymous evaluations by one-time links, the "
        "mediator's reflection, the follow-up after an agreement, and the municipality's "
        "statistics by period with every figure from fewer than 5 cases suppressed. Keeps "
        "ids, kinds, codes and times of a case, never names, contacts or free text.",
        settings=settings,
        parts=parts,
        prepare=prepare,
        background=[periodically(settings.due_check_seconds, due_work)],
    )
