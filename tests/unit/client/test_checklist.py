"""The caseworker's checklist in the client: the request form asks it when the administration
asks for mediation, in Danish first, and the case page shows the answers where the mediator
assesses the case (issue 16, point 4)."""

import re
from pathlib import Path
from typing import Literal, get_args, get_origin

import mediator_client
from mediation_contracts.events import CaseRequested, CaseworkerChecklist
from mediator_client.forms import CHECKLIST_PREFIX, CHECKLIST_QUESTIONS, NewCaseForm, parse
from mediator_client.i18n import label

from tests.data.events import caseworker_checklist
from tests.unit.client.conftest import Browser
from tests.unit.client.fakes import STAFF_ID, FakeBus, case_detail
from tests.unit.client.test_forms import REQUEST

FROM_ADMINISTRATION = {
    **REQUEST,
    "requester_kind": "administration",
    "checklist_citizen_has_answer": "partly",
    "checklist_both_interested": "unknown",
    "checklist_alternatives_offered": "yes",
    "checklist_discussed_with_colleagues_or_leader": "no",
    "checklist_ombudsman_office_consulted": "not_needed",
    "checklist_suitable_for_mediation": "yes",
    "checklist_completed_by": "m-1234",
}
REQUIRED = "Vælg et svar. Tjeklisten skal besvares, når forvaltningen anmoder om mægling."
NEW_CASE_FORM = (Path(mediator_client.__file__).parent / "templates" / "new_case.html").read_text()


def test_the_administrations_request_carries_the_checklist() -> None:
    form, errors = parse(NewCaseForm, FROM_ADMINISTRATION, "da")
    assert errors == {}
    assert form is not None
    data = form.request()
    assert data.requester.kind == "administration"
    assert data.checklist == CaseworkerChecklist(
        citizen_has_answer="partly",
        both_interested="unknown",
        alternatives_offered=True,
        discussed_with_colleagues_or_leader=False,
        ombudsman_office_consulted="not_needed",
        suitable_for_mediation="yes",
        completed_by="m-1234",
    )


def test_the_administration_must_answer_every_question_said_in_danish() -> None:
    unanswered = {k: v for k, v in FROM_ADMINISTRATION.items() if not k.startswith("checklist_")}
    form, errors = parse(NewCaseForm, unanswered, "da")
    assert errors == dict.fromkeys(CHECKLIST_QUESTIONS, REQUIRED)
    # The staff id of who answered is optional.
    form, errors = parse(NewCaseForm, {**FROM_ADMINISTRATION, "checklist_completed_by": " "}, "da")
    assert errors == {}
    assert form is not None
    checklist = form.request().checklist
    assert checklist is not None
    assert checklist.completed_by is None


def test_a_wrong_answer_or_staff_id_is_explained_next_to_the_field() -> None:
    _, errors = parse(
        NewCaseForm,
        {
            **FROM_ADMINISTRATION,
            "checklist_both_interested": "perhaps",
            "checklist_alternatives_offered": "perhaps",
            "checklist_completed_by": "Mette Hansen",
        },
        "da",
    )
    assert errors == {
        "checklist_both_interested": "Vælg en af mulighederne.",
        "checklist_alternatives_offered": "Vælg en af mulighederne.",
        "checklist_completed_by": "Skriv et medarbejder-id med bogstaver og cifre, fx m-1234.",
    }
    _, errors = parse(NewCaseForm, {**FROM_ADMINISTRATION, "checklist_both_interested": ""}, "en")
    assert errors == {
        "checklist_both_interested": (
            "Choose an answer. The checklist must be answered when the administration asks."
        )
    }


def test_other_requesters_send_no_checklist() -> None:
    for requester in ("citizen", "ombudsman_office"):
        form, errors = parse(
            NewCaseForm,
            {**FROM_ADMINISTRATION, "requester_kind": requester, "requester_consents": ""},
            "da",
        )
        assert errors == {}
        assert form is not None
        assert form.request().checklist is None
    form, errors = parse(NewCaseForm, REQUEST, "da")
    assert form is not None
    assert form.request().checklist is None


def test_the_form_asks_every_question_of_the_contract_with_every_answer_it_allows() -> None:
    asked = {name.removeprefix(CHECKLIST_PREFIX) for name in CHECKLIST_QUESTIONS}
    assert asked | {"completed_by"} == set(CaseworkerChecklist.model_fields)
    assert {f"{CHECKLIST_PREFIX}{name}" for name in CaseworkerChecklist.model_fields} <= set(
        NewCaseForm.model_fields
    )
    for name, field in CaseworkerChecklist.model_fields.items():
        if field.annotation is bool:
            codes: tuple[str, ...] = ("yes", "no")
        elif get_origin(field.annotation) is Literal:
            codes = get_args(field.annotation)
        else:
            continue
        question = re.search(
            rf'm\.choices\("new", "{CHECKLIST_PREFIX}{name}".*?\]', NEW_CASE_FORM, re.DOTALL
        )
        assert question is not None, name
        offered = re.findall(r'\("([a-z_]+)", t\("checklist_answer_\1"\)\)', question.group(0))
        assert offered == list(codes), name
        for code in codes:
            assert label("da", "checklist_answer", code) != code
            assert label("en", "checklist_answer", code) != code


def test_registering_the_administrations_request_publishes_its_checklist(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    page = browser.get("/cases/new").text
    assert "Sagsbehandlerens tjekliste" in page
    assert "Har borgeren fået svar på det, der klages over?" in page
    answer = browser.post("/cases", data={"csrf_token": token, **FROM_ADMINISTRATION})
    assert answer.status_code == 303
    [event] = bus.published
    published = CaseRequested.model_validate(event)
    assert published.data.checklist is not None
    assert published.data.checklist.discussed_with_colleagues_or_leader is False
    assert event["data"]["checklist"]["completed_by"] == "m-1234"


def test_a_request_missing_answers_is_shown_again_with_the_messages_and_the_answers_kept(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    partly = {**FROM_ADMINISTRATION, "checklist_suitable_for_mediation": ""}
    answer = browser.post("/cases", data={"csrf_token": token, **partly})
    assert answer.status_code == 422
    assert answer.text.count(REQUIRED) == 1
    error = 'id="new-checklist_suitable_for_mediation-error"'
    assert error in answer.text
    assert re.search(r'value="partly"\s+checked', answer.text), "the given answers stay"
    assert bus.published == []


def test_the_mediator_sees_the_answers_where_the_case_is_assessed(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(
        case_detail(
            mediator_id=STAFF_ID,
            actions=["assess"],
            checklist=caseworker_checklist(discussed_with_colleagues_or_leader=False),
        )
    )
    page = browser.get(f"/cases/{case.case_id}").text
    assessment = page[
        page.index('id="assess"') : page.index("</section>", page.index('id="assess"'))
    ]
    found = dict(
        re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", assessment.replace("&#39;", "'"))
    )
    assert found == {
        "Har borgeren fået svar på det, der klages over?": "Delvist",
        "Hvad er kernen i konflikten?": "Borgeren føler sig ikke hørt",
        "Hvem er konfliktens parter?": "Birte Borger (borger), Jobcenter Nord (forvaltning)",
        "Er begge parter interesserede i at finde en løsning på konflikten?": "Ved ikke",
        "Er borgeren tilbudt andet end traditionel skriftlig klagebehandling, fx en samtale "
        "eller et møde?": "Ja",
        "Har sagsbehandleren talt med kolleger eller sin leder om løsningsmuligheder?": "Nej",
        "Er Borgerrådgiveren taget med på råd?": "Ikke nødvendigt",
        "Er konflikten egnet til et mæglings- eller konfliktløsningsmøde? (sagsbehandlerens "
        "vurdering)": "Ja",
        "Sagsbehandlerens medarbejder-id": "caseworker-12",
    }
    assert assessment.index("Sagsbehandlerens tjekliste") < assessment.index("Din vurdering")

    browser.post("/language", data={"csrf_token": token, "lang": "en", "next": "/cases"})
    page = browser.get(f"/cases/{case.case_id}").text
    assert "The caseworker&#39;s checklist" in page
    assert "Has the citizen had an answer to what the complaint is about?" in page
    assert "Not needed" in page


def test_without_a_checklist_the_page_says_none_came(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail())  # not yet taken: the mediator looks before taking it
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Der fulgte ingen tjekliste fra sagsbehandleren med denne anmodning." in page
    assert 'id="checklist-none"' in page
    taken = bus.add(case_detail(mediator_id=STAFF_ID, checklist=caseworker_checklist()))
    assert 'id="checklist-none"' not in browser.get(f"/cases/{taken.case_id}").text
