"""The case page follows the case's stage, and the actions the services support that destroy
or hand over something: each offered only as the services allow, the destructive ones after a
confirmation page."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mediation_contracts.commands import (
    AuditEntry,
    Reply,
    RoomView,
    SummaryHistoryEntry,
    SummaryState,
)
from mediation_devstack.dev_identity import DevIdentity
from notes.domain.identity import Identity

from tests.unit.client.conftest import Browser, csrf_of, proven_actor
from tests.unit.client.fakes import STAFF_ID, TENANT, FakeBus, case_detail, meeting

READY = ["withdraw", "record_outcome", "name_note_taker"]


def summary(**changes: object) -> SummaryState:
    state = SummaryState(
        allowed=["write", "audit"],
        summary_consented=["citizen-1"],
        summary_consent_missing=[],
        sharing_agreed=[],
        sharing_missing=["citizen-1", "administration-1"],
        summary_count=0,
        shared=False,
        destroyed=False,
    )
    return state.model_copy(update=changes)


def order(page: str, *ids: str) -> list[int]:
    return [page.index(f'id="{id_}"') for id_ in ids]


def test_the_status_follows_the_meeting_and_what_to_do_now_comes_first(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    bus.summary_state = summary()
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Klar til mæglingsmøde</span>" in page
    assert "Book mæglingsmødet." in page
    booked = meeting(case.case_id, timedelta(hours=2))
    bus.meetings[case.case_id] = [booked]
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Mæglingsmøde booket</span>" in page
    bus.meetings[case.case_id] = [booked.model_copy(update={"status": "held"})]
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Mæglingsmøde afholdt</span>" in page
    # Now: the summary and the close; below: the case's details; last: the history.
    summary_at, close_at, details_at, parties_at, timeline_at = order(
        page, "summary", "close", "details-heading", "parties", "timeline"
    )
    assert summary_at < close_at < details_at < parties_at < timeline_at
    assert 'id="close-no-meeting"' not in page


def test_closing_before_any_meeting_was_held_says_so(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    page = browser.get(f"/cases/{case.case_id}").text
    assert "Der er ikke holdt noget mæglingsmøde endnu." in page
    assert "<summary>Afslut sagen uden mæglingsmøde</summary>" in page
    assert page.index('id="meetings"') < page.index('id="close"')


def test_the_timeline_has_the_meetings_and_the_summary_events(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    held = meeting(case.case_id, -timedelta(hours=3), status="held")
    bus.meetings[case.case_id] = [held]
    now = datetime.now(UTC)
    bus.summary_state = summary(
        history=[
            SummaryHistoryEntry(
                at=now - timedelta(hours=1),
                type="dk.mediation.summary.consent_withdrawn.v1",
                party_id="citizen-1",
            ),
            SummaryHistoryEntry(at=now, type="dk.mediation.summary.destroyed.v1"),
        ]
    )
    page = browser.get(f"/cases/{case.case_id}").text
    history = page[page.index('id="timeline"') :]
    assert "Mæglingsmøde" in history
    assert "Afholdt" in history
    assert "Borgeren ønsker ikke længere referat" in history
    assert "Birte Borger" in history
    assert "Referat slettet" in history


def test_rooms_are_shown_by_name_and_by_id_when_they_have_none(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    named = meeting(
        case.case_id,
        timedelta(hours=2),
        rooms=[RoomView(room_id="room-1", name="Mødelokale Øst")],
    )
    bus.meetings[case.case_id] = [named]
    page = browser.get(f"/cases/{case.case_id}").text
    assert "lokale Mødelokale Øst" in page
    assert "room-1" not in page
    bus.meetings[case.case_id] = [named.model_copy(update={"rooms": [RoomView(room_id="room-1")]})]
    assert "lokale room-1" in browser.get(f"/cases/{case.case_id}").text


def test_withdrawing_the_wish_for_a_summary_is_confirmed_then_published(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    bus.summary_state = summary(summary_count=1)
    page = browser.get(f"/cases/{case.case_id}").text
    link = f"/cases/{case.case_id}/summary/consent/withdraw?party_id=citizen-1"
    assert f'href="{link}"' in page
    confirm = browser.get(link)
    assert confirm.status_code == 200
    assert "Birte Borger ønsker ikke længere et referat" in confirm.text
    assert "kan aldrig genskabes" in confirm.text
    assert bus.published == []  # looking at the confirmation changes nothing
    bus.summary_state = summary(summary_consented=[], summary_consent_missing=["citizen-1"])
    answer = browser.post(
        f"/cases/{case.case_id}/summary/consent/withdraw",
        data={"csrf_token": csrf_of(confirm.text), "party_id": "citizen-1"},
    )
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.summary.consent_withdrawn.v1"
    assert event["data"] == {"party_id": "citizen-1", "recorded_by": STAFF_ID}
    assert "Sagens referater er slettet." in browser.get(answer.headers["location"]).text
    assert token  # the same session throughout


def test_withdrawing_without_the_sessions_csrf_token_is_refused(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    for path in ("summary/consent/withdraw", "withdraw", "note-taker"):
        answer = browser.post(f"/cases/{case.case_id}/{path}", data={"party_id": "citizen-1"})
        assert answer.status_code == 403
    assert bus.published == []


def test_the_mediator_withdraws_after_a_confirmation(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    page = browser.get(f"/cases/{case.case_id}").text
    assert f'href="/cases/{case.case_id}/withdraw"' in page
    confirm = browser.get(f"/cases/{case.case_id}/withdraw")
    assert "Mæglingen afsluttes for alle parter" in confirm.text
    answer = browser.post(
        f"/cases/{case.case_id}/withdraw", data={"csrf_token": csrf_of(confirm.text)}
    )
    assert answer.status_code == 303
    [event] = bus.published
    assert event["type"] == "dk.mediation.party.withdrew.v1"
    assert event["data"] == {"participant_id": STAFF_ID, "withdrawn_by": "mediator"}


def test_withdrawal_and_note_taker_are_offered_only_as_intake_allows(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="closed", actions=[]))
    page = browser.get(f"/cases/{case.case_id}").text
    assert f"/cases/{case.case_id}/withdraw" not in page
    assert f"/cases/{case.case_id}/note-taker" not in page
    assert browser.get(f"/cases/{case.case_id}/withdraw").status_code == 409
    answer = browser.post(
        f"/cases/{case.case_id}/note-taker", data={"csrf_token": token, "note_taker_id": "s-9"}
    )
    assert answer.status_code == 409
    assert bus.published == []


def test_naming_a_note_taker_carries_the_mediators_sealed_proof(
    signed_in: Browser,
    bus: FakeBus,
    dev_identity: DevIdentity,
    proof_key_files: tuple[Path, Path],
) -> None:
    browser, token = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="accepted", actions=READY))
    page = browser.get(f"/cases/{case.case_id}").text
    assert 'name="note_taker_id"' in page
    answer = browser.post(
        f"/cases/{case.case_id}/note-taker",
        data={"csrf_token": token, "note_taker_id": "referent-7"},
    )
    assert answer.status_code == 303
    [published] = bus.published
    assert published["data"]["mediator_id"] == STAFF_ID
    assert published["data"]["note_taker_id"] == "referent-7"
    assert proven_actor(published, dev_identity, proof_key_files) == Identity(
        STAFF_ID, "mediator", TENANT
    )
    assert "Referenten er udpeget." in browser.get(answer.headers["location"]).text


def test_the_audit_trail_shows_who_did_what_never_content(signed_in: Browser, bus: FakeBus) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    bus.summary_state = summary(summary_count=1)
    page = browser.get(f"/cases/{case.case_id}").text
    assert f'href="/cases/{case.case_id}/audit"' in page
    at = datetime.now(UTC)
    bus.answers["audit_trail"] = lambda _: Reply(
        ok=True,
        audit=[
            AuditEntry(
                at=at,
                subject=STAFF_ID,
                role="mediator",
                action="write",
                allowed=True,
                reason="as_mediator",
            ),
            AuditEntry(
                at=at,
                subject="mediator-9",
                role="mediator",
                action="read",
                allowed=False,
                reason="not_a_member",
            ),
        ],
    )
    answer = browser.get(f"/cases/{case.case_id}/audit")
    assert answer.status_code == 200
    assert "Adgang til referatet" in answer.text
    assert "mediator-9" in answer.text
    assert "Afvist" in answer.text
    assert "Tilladt" in answer.text
    [query] = bus.commands("audit_trail")
    assert query["token"].count(".") == 2


def test_the_audit_trail_is_not_linked_when_notes_does_not_allow_it(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    bus.summary_state = summary(allowed=["write"])
    assert f"/cases/{case.case_id}/audit" not in browser.get(f"/cases/{case.case_id}").text


def test_once_the_meeting_is_booked_booking_another_waits_behind_a_disclosure(
    signed_in: Browser, bus: FakeBus
) -> None:
    browser, _ = signed_in
    case = bus.add(case_detail(mediator_id=STAFF_ID, status="ready_for_scheduling", actions=READY))
    page = browser.get(f"/cases/{case.case_id}").text
    assert "<summary>Book et møde mere</summary>" not in page
    bus.meetings[case.case_id] = [meeting(case.case_id, timedelta(hours=2))]
    page = browser.get(f"/cases/{case.case_id}").text
    assert "<summary>Book et møde mere</summary>" in page
    assert 'id="book"' in page  # still there, one click away
