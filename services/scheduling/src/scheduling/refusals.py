"""Why a command was refused, in words for a person: Danish first, English second.

Codes are stable (programs branch on them); the domain's own message, with ids and times
only, is added to both texts for whoever investigates: Danish first means the Danish text
says at least as much as the English one.
"""

from mediation_contracts.commands import Refusal

TEXTS: dict[str, tuple[str, str]] = {
    "case_unknown": (
        "Sagen findes ikke i mødeplanlægningen endnu.",
        "The case is not known to scheduling yet.",
    ),
    "case_closed": (
        "Sagen er afsluttet. Der kan ikke bookes møder.",
        "The case is closed; no meetings can be booked.",
    ),
    "case_withdrawn": (
        "Mæglingen er afsluttet, fordi en deltager har trukket sig.",
        "The mediation has ended because a participant withdrew.",
    ),
    "not_accepted": (
        "Sagen er endnu ikke vurderet egnet til mægling.",
        "The case has not been accepted for mediation yet.",
    ),
    "no_mediator": ("Sagen har endnu ingen mægler.", "The case has no mediator yet."),
    "no_note_taker": ("Sagen har ingen referent.", "The case has no note-taker."),
    "not_ready": (
        "Mæglingsmødet kan først bookes, når alle parter har givet samtykke.",
        "The mediation meeting can only be booked once every party has consented.",
    ),
    "party_required": (
        "Vælg hvilken part mødet er med. Et formøde og en individuel samtale er med én part.",
        "Choose the party the meeting is with: a pre-meeting or an individual session is "
        "with one party.",
    ),
    "party_not_expected": (
        "Kun et formøde og en individuel samtale er med én bestemt part.",
        "Only a pre-meeting or an individual session is with a single party.",
    ),
    "format_not_for_kind": (
        "Et formøde er med én part. Vælg en anden mødeform end parterne i hver sit lokale.",
        "A pre-meeting is with one party; choose another format than separate rooms.",
    ),
    "join_url_required": (
        "Et videomøde skal have et link, som deltagerne bruger.",
        "A video meeting needs the link participants join by.",
    ),
    "join_url_not_expected": (
        "Kun et videomøde har et link.",
        "Only a video meeting has a link.",
    ),
    "callers_not_expected": (
        "Kun et telefonmøde har opkald. Vælg mødeformen telefon.",
        "Only a phone meeting has calls; choose the format phone.",
    ),
    "no_phone_number": (
        "Kontoret har intet telefonnummer, som parterne kan ringe til. "
        "Lad mægleren ringe op, eller få nummeret sat i mødeplanlægningens opsætning.",
        "The office has no phone number for parties to call. Let the mediator call, or have "
        "the number set in scheduling's policy.",
    ),
    "not_a_party": ("Personen er ikke part i sagen.", "That person is not a party of the case."),
    "party_not_consented": (
        "Parten har endnu ikke givet samtykke til mægling.",
        "The party has not consented to mediation yet.",
    ),
    "in_the_past": ("Tidspunktet er overskredet.", "That time has passed."),
    "outside_working_hours": (
        "Tidspunktet ligger uden for kontorets åbningstid.",
        "That time is outside the office's working hours.",
    ),
    "not_aligned": (
        "Møder starter hvert kvarter. Vælg et andet tidspunkt.",
        "Meetings start on the quarter hour; choose another time.",
    ),
    "unknown_room": ("Lokalet findes ikke.", "No such room."),
    "wrong_number_of_rooms": (
        "Mødeformen kræver et andet antal lokaler.",
        "This format needs a different number of rooms.",
    ),
    "not_a_meeting_room": (
        "Et møde skal have et mødelokale. Et venterum kan kun være et ekstra lokale, "
        "når parterne sidder i hver sit lokale.",
        "A meeting needs a meeting room; a waiting room can only be an extra room when the "
        "parties sit in separate rooms.",
    ),
    "mediator_busy": (
        "Mægleren er optaget på det tidspunkt.",
        "The mediator is busy at that time.",
    ),
    "note_taker_busy": (
        "Referenten er optaget på det tidspunkt.",
        "The note-taker is busy at that time.",
    ),
    "room_busy": ("Lokalet er optaget på det tidspunkt.", "The room is taken at that time."),
    "no_room_free": (
        "Der er ikke nok ledige lokaler på det tidspunkt.",
        "Not enough rooms are free at that time.",
    ),
    "meeting_unknown": ("Mødet findes ikke i sagen.", "No such meeting in this case."),
    "meeting_cancelled": ("Mødet er aflyst.", "The meeting is cancelled."),
    "meeting_held": ("Mødet er allerede afholdt.", "The meeting has already been held."),
    "already_started": ("Mødet er allerede begyndt.", "The meeting has already started."),
    "not_started_yet": ("Mødet er ikke begyndt endnu.", "The meeting has not started yet."),
    "not_the_mediator": (
        "Kun sagens mægler kan markere mødet som afholdt.",
        "Only the case's mediator can mark the meeting held.",
    ),
}


def refusal(code: str, detail: str | None = None) -> Refusal:
    danish, english = TEXTS.get(code, ("Det kan ikke lade sig gøre.", "That is not possible."))
    if detail:
        danish, english = f"{danish} ({detail})", f"{english} ({detail})"
    return Refusal(code=code, message_da=danish, message_en=english)
