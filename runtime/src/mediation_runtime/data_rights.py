"""The data protection office's tool: a citizen's access and erasure requests across services.

``python -m mediation_runtime.data_rights access --tenant kk --party-id P [--contact ADDR]
--out DIR`` asks every service that keeps personal data (``DATA_HOLDERS``: the five services
and the HTTP gateway, whose delivery records keep copies of events) what it holds
about the person, and writes ``DIR/<request id>.json`` (every service's answer, machine-
readable) and ``DIR/<request id>.md`` (the same in Danish, for the citizen). A service that
does not answer in time, or refuses, is listed as missing in both: never left out silently.

``... erase --tenant kk --party-id P [--contact ADDR] --out DIR`` first asks the same, then
erases the person from their closed cases (intake says which are closed; open cases are
kept and reported), passing every name and address the services reported so that every
copy goes, and writes the receipt the same way.

``... correct --tenant kk --party-id P --name NAME [--email E] [--phone T] --out DIR``
corrects the person's name and contact details (whole, as the mediator's
``PartyDetailsCorrected`` does) in their closed cases at the services that keep them
(``CONTACT_HOLDERS``); an open case is named in the receipt: its mediator corrects it.

It runs as the municipality's own principal with the role ``data protection office``
(``bus_access add-integration ... --role "data protection office"``): the bus lets it send
these two commands for its own municipality and nothing else. ``NATS_URL``, ``NATS_CA_FILE``,
``NATS_CERT_FILE`` and ``NATS_KEY_FILE`` name it.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from mediation_contracts.commands import (
    CONTACT_HOLDERS,
    DATA_HOLDERS,
    Correction,
    CorrectPerson,
    ErasePerson,
    Erasure,
    PersonalData,
    PersonalDataRequest,
    Reply,
    command_subject,
)
from mediation_contracts.events import ContactDetails
from nats.aio.client import Client
from nats.errors import Error as NatsError
from pydantic import BaseModel, ValidationError

from mediation_runtime.bus import BusConfigError, connect, tool_credentials

ANSWER_TIMEOUT = 30.0
ERASE_TIMEOUT = 300.0
SERVICE_NAMES_DA = {
    "intake": "Sagsmodtagelse (intake)",
    "scheduling": "Mødeplanlægning (scheduling)",
    "notes": "Referater (notes)",
    "notifications": "Beskeder (notifications)",
    "insights": "Læring og statistik (insights)",
    "gateway": "Hændelser til andre systemer (gateway)",
}


@dataclass
class Answers:
    """Each service's answer, and the services that gave none (with why)."""

    results: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


async def ask_all(
    nc: Client,
    tenant: str,
    command: str,
    request: BaseModel,
    *,
    timeout: float,
    services: Sequence[str] = DATA_HOLDERS,
) -> Answers:
    """Send ``command`` to every service at once; collect the answers and the missing."""
    payload = request.model_dump_json().encode()

    async def one(service: str) -> tuple[str, Reply | str]:
        try:
            raw = await nc.request(command_subject(tenant, service, command), payload, timeout)
        except TimeoutError:
            return service, "no_answer"
        except NatsError as error:
            return service, f"bus_error:{type(error).__name__}"
        try:
            return service, Reply.model_validate_json(raw.data)
        except ValueError:
            return service, "invalid_answer"

    answers = Answers()
    for service, reply in await asyncio.gather(*(one(s) for s in services)):
        if isinstance(reply, str):
            answers.missing[service] = reply
        elif not reply.ok or reply.error is not None:
            answers.missing[service] = f"refused:{reply.error.code if reply.error else '?'}"
        else:
            answers.results[service] = reply.personal_data or reply.erasure or reply.correction
    return answers


def values_of(found: Iterable[PersonalData]) -> list[str]:
    """The names and addresses the services reported for the person (to erase every copy)."""
    values: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for inner_key, item in value.items():
                if inner_key == "companion":
                    continue  # a companion is a person of their own
                walk(item, inner_key)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key in ("name", "email", "phone", "address"):
            values.add(value)

    for data in found:
        for record in data.records:
            walk(record.data)
    return sorted(v for v in values if len(v) >= 3)[:50]


def access_document(
    request: PersonalDataRequest, tenant: str, answers: Answers, at: datetime
) -> dict[str, Any]:
    return {
        "request_id": str(request.request_id),
        "kind": "access",
        "tenant": tenant,
        "party_id": request.party_id,
        "contacts": request.contacts,
        "requested_by": request.requested_by,
        "answered_at": at.isoformat(),
        "services": {
            service: data.model_dump(mode="json") for service, data in answers.results.items()
        },
        "missing": answers.missing,
    }


def _missing_da(missing: dict[str, str]) -> list[str]:
    if not missing:
        return ["Alle tjenester svarede."]
    lines = ["**Tjenester uden svar** (rapporten er ikke fuldstændig; spørg igen):", ""]
    lines += [f"- {SERVICE_NAMES_DA.get(s, s)}: `{why}`" for s, why in sorted(missing.items())]
    return lines


def access_report_da(document: dict[str, Any]) -> str:
    """The readable report, in Danish: per service, the cases, records and how long kept."""
    lines = [
        "# Indsigt: oplysninger om en registreret",
        "",
        f"- Anmodning: `{document['request_id']}`",
        f"- Kommune: `{document['tenant']}`",
        f"- Part-id: `{document['party_id']}`",
        f"- Besvaret: {document['answered_at']}",
        "",
        *_missing_da(document["missing"]),
        "",
    ]
    for service, data in document["services"].items():
        lines += [f"## {SERVICE_NAMES_DA.get(service, service)}", ""]
        lines.append(f"Opbevaring: {data['retention']}")
        lines.append("")
        if not data["cases"]:
            lines += ["Tjenesten har ingen oplysninger om personen.", ""]
            continue
        lines.append("Sager: " + ", ".join(f"`{case}`" for case in data["cases"]))
        lines.append("")
        for record in data["records"]:
            fields = "; ".join(
                f"{key}: {json.dumps(value, ensure_ascii=False)}"
                for key, value in record["data"].items()
            )
            lines.append(f"- **{record['kind']}** (sag `{record['case_id']}`): {fields}")
            if record.get("withheld"):
                lines.append(f"  - Udeladt: {', '.join(record['withheld'])}")
        lines.append("")
    lines += [
        "Referaters indhold er ikke med her: den registrerede kan selv læse et delt referat "
        "gennem borgerportalen, som referatservicens regler tillader.",
        "",
    ]
    return "\n".join(lines)


def erasure_report_da(document: dict[str, Any]) -> str:
    lines = [
        "# Sletning: oplysninger om en registreret",
        "",
        f"- Anmodning: `{document['request_id']}`",
        f"- Kommune: `{document['tenant']}`",
        f"- Part-id: `{document['party_id']}`",
        f"- Udført: {document['answered_at']}",
        "",
    ]
    if not document["case_ids"]:
        lines += ["Ingen lukkede sager at slette personen fra.", ""]
    else:
        lines.append("Slettet fra sagerne: " + ", ".join(f"`{c}`" for c in document["case_ids"]))
        lines.append("")
    if document["open_cases"]:
        lines.append(
            "Ikke slettet (sagen er åben og oplysningerne bruges stadig): "
            + ", ".join(f"`{c}`" for c in document["open_cases"])
        )
        lines.append("")
    lines += [*_missing_da(document["missing"]), ""]
    for service, erasure in document["services"].items():
        lines.append(
            f"- {SERVICE_NAMES_DA.get(service, service)}: {erasure['documents_changed']} "
            f"poster omskrevet, {erasure['stream_messages_deleted']} hændelser slettet fra "
            "strømmene"
            + (
                f"; beholdt: {', '.join(k['case_id'] for k in erasure['kept'])}"
                if erasure["kept"]
                else ""
            )
        )
    lines += [
        "",
        "Navne og kontaktoplysninger er erstattet med `[slettet]`; id'er og koder er bevaret, "
        "så statistik og revisionsspor hænger sammen.",
        "",
    ]
    return "\n".join(lines)


async def access(
    nc: Client, tenant: str, request: PersonalDataRequest, timeout: float = ANSWER_TIMEOUT
) -> dict[str, Any]:
    answers = await ask_all(nc, tenant, "personal_data", request, timeout=timeout)
    return access_document(request, tenant, answers, datetime.now(UTC))


async def erase(
    nc: Client,
    tenant: str,
    party_id: str,
    contacts: list[str],
    requested_by: str,
    timeout: float = ERASE_TIMEOUT,
) -> dict[str, Any]:
    """Erase the person from the cases intake knows to be closed. Without intake's answer
    nothing is erased: only intake can say which cases are closed."""
    found, document = await _looked_up(
        nc, tenant, "erasure", party_id, requested_by, contacts=contacts
    )
    intake: PersonalData | None = found.results.get("intake")
    all_cases = {str(c) for data in found.results.values() for c in data.cases}
    if intake is not None:
        closed = {str(c) for c in intake.closed_cases}
        document["open_cases"] = sorted({str(c) for c in intake.cases} - closed)
        if closed:
            request = ErasePerson(
                request_id=UUID(document["request_id"]),
                party_id=party_id,
                contacts=contacts,
                requested_by=requested_by,
                case_ids=[UUID(c) for c in sorted(closed)],
                values=values_of(found.results.values()),
            )
            erased = await ask_all(nc, tenant, "erase_person", request, timeout=timeout)
            document["case_ids"] = sorted(closed)
            document["services"] = {
                service: result.model_dump(mode="json")
                for service, result in erased.results.items()
                if isinstance(result, Erasure)
            }
            document["missing"] = erased.missing
    document["unknown_to_intake"] = sorted(
        all_cases - set(document["case_ids"]) - set(document["open_cases"])
    )
    document["answered_at"] = datetime.now(UTC).isoformat()
    return document


def correction_report_da(document: dict[str, Any]) -> str:
    lines = [
        "# Berigtigelse: oplysninger om en registreret",
        "",
        f"- Anmodning: `{document['request_id']}`",
        f"- Kommune: `{document['tenant']}`",
        f"- Part-id: `{document['party_id']}`",
        f"- Udført: {document['answered_at']}",
        "",
    ]
    if document["case_ids"]:
        lines.append("Rettet i sagerne: " + ", ".join(f"`{c}`" for c in document["case_ids"]))
    else:
        lines.append("Ingen lukkede sager at rette i.")
    lines.append("")
    if document["open_cases"]:
        lines.append(
            "Åbne sager (sagens mægler retter oplysningerne, så alle tjenester får dem i "
            "rækkefølge): " + ", ".join(f"`{c}`" for c in document["open_cases"])
        )
        lines.append("")
    lines += [*_missing_da(document["missing"]), ""]
    for service, correction in document["services"].items():
        lines.append(
            f"- {SERVICE_NAMES_DA.get(service, service)}: {correction['documents_changed']} "
            "poster rettet"
        )
    lines += [
        "",
        "Beskeder, der allerede er sendt, står som sendt; slettede oplysninger forbliver slettede.",
        "",
    ]
    return "\n".join(lines)


async def correct(
    nc: Client,
    tenant: str,
    party_id: str,
    name: str,
    contact: ContactDetails,
    requested_by: str,
    timeout: float = ERASE_TIMEOUT,
) -> dict[str, Any]:
    """Correct the person in the cases intake knows to be closed (found by their party id
    and their old addresses, which the services report). Without intake's answer nothing
    is corrected: only intake can say which cases are closed."""
    found, document = await _looked_up(nc, tenant, "correction", party_id, requested_by)
    intake: PersonalData | None = found.results.get("intake")
    if intake is not None:
        closed = {str(c) for c in intake.closed_cases}
        document["open_cases"] = sorted({str(c) for c in intake.cases} - closed)
        if closed:
            request = CorrectPerson(
                request_id=UUID(document["request_id"]),
                party_id=party_id,
                requested_by=requested_by,
                case_ids=[UUID(c) for c in sorted(closed)],
                name=name,
                contact=contact,
            )
            answers = await ask_all(
                nc, tenant, "correct_person", request, timeout=timeout, services=CONTACT_HOLDERS
            )
            document["case_ids"] = sorted(closed)
            document["services"] = {
                service: result.model_dump(mode="json")
                for service, result in answers.results.items()
                if isinstance(result, Correction)
            }
            document["missing"] = {**document["missing"], **answers.missing}
    document["answered_at"] = datetime.now(UTC).isoformat()
    return document


async def _looked_up(
    nc: Client,
    tenant: str,
    kind: str,
    party_id: str,
    requested_by: str,
    contacts: list[str] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """What every service holds of the person (intake's answer says which cases are closed),
    and the receipt an erasure or correction starts from."""
    request_id = uuid4()
    looked_up = PersonalDataRequest(
        request_id=request_id,
        party_id=party_id,
        contacts=contacts or [],
        requested_by=requested_by,
    )
    found = await ask_all(nc, tenant, "personal_data", looked_up, timeout=ANSWER_TIMEOUT)
    document: dict[str, Any] = {
        "request_id": str(request_id),
        "kind": kind,
        "tenant": tenant,
        "party_id": party_id,
        "requested_by": requested_by,
        "case_ids": [],
        "open_cases": [],
        "services": {},
        "missing": dict(found.missing),
    }
    return found, document


def write(out: Path, document: dict[str, Any], report: str) -> tuple[Path, Path]:
    """The JSON and the Danish report, readable only by their owner (they hold personal data)."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = out / f"{document['kind']}-{document['request_id']}"
    paths = (stem.with_suffix(".json"), stem.with_suffix(".md"))
    for path, text in zip(
        paths, (json.dumps(document, ensure_ascii=False, indent=2), report), strict=True
    ):
        path.touch(mode=0o600)
        path.write_text(text + "\n", encoding="utf-8")
    return paths


async def _main(args: argparse.Namespace) -> int:
    nc = await connect(tool_credentials(args.principal), f"data-rights-{args.principal}")
    try:
        if args.action == "access":
            request = PersonalDataRequest(
                request_id=uuid4(),
                party_id=args.party_id,
                contacts=args.contact,
                requested_by=args.requested_by,
            )
            document = await access(nc, args.tenant, request, args.timeout or ANSWER_TIMEOUT)
            paths = write(args.out, document, access_report_da(document))
        elif args.action == "correct":
            document = await correct(
                nc,
                args.tenant,
                args.party_id,
                args.name,
                args.details,
                args.requested_by,
                args.timeout or ERASE_TIMEOUT,
            )
            paths = write(args.out, document, correction_report_da(document))
        else:
            document = await erase(
                nc,
                args.tenant,
                args.party_id,
                args.contact,
                args.requested_by,
                args.timeout or ERASE_TIMEOUT,
            )
            paths = write(args.out, document, erasure_report_da(document))
    finally:
        await nc.close()
    print(f"{paths[0]}\n{paths[1]}")
    if document["missing"]:
        print(f"missing answers: {', '.join(sorted(document['missing']))}", file=sys.stderr)
        return 3
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediation_runtime.data_rights")
    parser.add_argument("action", choices=("access", "erase", "correct"))
    parser.add_argument("--tenant", required=True, help="the municipality's slug, e.g. kk")
    parser.add_argument("--party-id", required=True)
    parser.add_argument("--contact", action="append", default=[], help="e-mail or phone")
    parser.add_argument("--requested-by", required=True, help="your staff id (logged)")
    parser.add_argument("--name", help="correct: the person's name from now on")
    parser.add_argument("--email", help="correct: e-mail address from now on")
    parser.add_argument("--phone", help="correct: phone number from now on")
    parser.add_argument(
        "--channel",
        default="email",
        choices=("email", "sms", "digital_post"),
        help="correct: the channel the person prefers",
    )
    parser.add_argument(
        "--language", default="da", choices=("da", "en"), help="correct: their language"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for the reports")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per service")
    parser.add_argument(
        "--principal",
        default=None,
        help="local stack only: whose certificate in var/bus (default <tenant>-dpo, which "
        "`make run` makes for the demo municipality)",
    )
    args = parser.parse_args(argv)
    args.principal = args.principal or f"{args.tenant}-dpo"
    if args.action == "correct":
        if not args.name:
            parser.error("correct needs --name (the whole new details, as a mediator gives them)")
        try:
            args.details = ContactDetails(
                email=args.email,
                phone=args.phone,
                preferred_channel=args.channel,
                language=args.language,
            )
        except ValidationError as error:
            fields = ", ".join(str(e["loc"][0]) for e in error.errors())
            parser.error(f"the contract refuses these contact details: {fields}")
    try:
        return asyncio.run(_main(args))
    except BusConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
