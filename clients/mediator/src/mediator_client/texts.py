"""The client's texts: key -> (Danish, English). Plain words for municipal staff, Danish first.

Keys with a prefix name a code from the contract (``status_closed``, ``outcome_agreement``,
``event_case_assessed``); :func:`mediator_client.i18n.label` looks them up.
"""

from typing import Final

TEXTS: Final[dict[str, tuple[str, str]]] = {
    # --- frame ---------------------------------------------------------------------------
    "app_name": ("Konfliktmægling", "Conflict mediation"),
    "skip_to_content": ("Gå til indholdet", "Skip to content"),
    "nav_label": ("Hovedmenu", "Main menu"),
    "nav_cases": ("Sager", "Cases"),
    "nav_new_case": ("Registrér anmodning", "Register a request"),
    "nav_statistics": ("Statistik", "Statistics"),
    "role_head_of_office": ("Kontorchef", "Head of office"),
    "switch_language": ("English", "Dansk"),
    "signed_in_as": ("Logget ind som", "Signed in as"),
    "logout": ("Log ud", "Sign out"),
    "optional": ("valgfrit", "optional"),
    "none": ("–", "–"),
    "cancel": ("Annullér", "Cancel"),
    "by": ("af", "by"),
    "actor_you": ("dig", "you"),
    # --- login ---------------------------------------------------------------------------
    "login_title": ("Log ind", "Sign in"),
    "login_intro": (
        "Log ind med dit brugernavn og din adgangskode.",
        "Sign in with your username and password.",
    ),
    "username": ("Brugernavn", "Username"),
    "password": ("Adgangskode", "Password"),
    "login_button": ("Log ind", "Sign in"),
    "login_failed": (
        "Brugernavnet eller adgangskoden er forkert. Prøv igen.",
        "The username or password is wrong. Please try again.",
    ),
    "login_throttled": (
        "For mange forsøg med forkert adgangskode. Vent fem minutter, og prøv igen.",
        "Too many attempts with a wrong password. Wait five minutes and try again.",
    ),
    "logged_out": ("Du er logget ud.", "You are signed out."),
    "login_oidc_intro": (
        "Log ind med kommunens fælles login. Du sendes til kommunens login-side og tilbage hertil.",
        "Sign in with the municipality's login. You are sent to its sign-in page and back here.",
    ),
    "login_oidc_button": ("Log ind med kommunens login", "Sign in with the municipality's login"),
    "login_provider_error": (
        "Du blev ikke logget ind: kommunens login afbrød eller afviste det. Prøv igen.",
        "You were not signed in: the municipality's login stopped or refused it. Try again.",
    ),
    "login_bad_response": (
        "Login kunne ikke gennemføres, fordi svaret fra kommunens login ikke kunne godkendes. "
        "Prøv igen fra denne side.",
        "Signing in failed: the answer from the municipality's login could not be accepted. "
        "Try again from this page.",
    ),
    "login_no_role": (
        "Din bruger har ikke adgang til mæglerklienten: den skal være mægler eller kontorchef "
        "i kommunens login. Kontakt kommunens it-administrator.",
        "Your user has no access to the mediator client: it must be a mediator or head of "
        "office in the municipality's login. Contact the municipality's IT administrator.",
    ),
    "login_no_tenant": (
        "Din bruger er ikke knyttet til en kommune i kommunens login. Kontakt kommunens "
        "it-administrator.",
        "Your user is not linked to a municipality in the municipality's login. Contact the "
        "municipality's IT administrator.",
    ),
    "login_no_staff_id": (
        "Kommunens login sendte ikke dit medarbejder-id. Kontakt kommunens it-administrator.",
        "The municipality's login did not send your staff id. Contact the municipality's IT "
        "administrator.",
    ),
    "login_unavailable": (
        "Kommunens login svarer ikke lige nu. Prøv igen om lidt.",
        "The municipality's login is not answering right now. Try again in a moment.",
    ),
    "session_expired": (
        "Dit login er udløbet. Log ind igen for at fortsætte.",
        "Your sign-in has expired. Sign in again to continue.",
    ),
    # --- error pages ---------------------------------------------------------------------
    "error_csrf_title": ("Formularen kunne ikke modtages", "The form could not be accepted"),
    "error_csrf_text": (
        "Siden var for gammel, eller formularen kom ikke fra denne side. Intet er ændret. "
        "Gå tilbage, genindlæs siden, og prøv igen.",
        "The page was too old, or the form did not come from this site. Nothing was changed. "
        "Go back, reload the page and try again.",
    ),
    "error_no_access_title": ("Ingen adgang", "No access"),
    "error_no_access_text": (
        "Du har ikke adgang til denne sag. Den kan være tildelt en anden mægler.",
        "You have no access to this case. It may be assigned to another mediator.",
    ),
    "error_not_found_title": ("Siden findes ikke", "Page not found"),
    "error_not_found_text": (
        "Adressen findes ikke. Den kan være skrevet forkert.",
        "This address does not exist. It may be mistyped.",
    ),
    "error_server_title": ("Der skete en fejl", "Something went wrong"),
    "error_server_text": (
        "Noget gik galt hos os. Fejlen er registreret. Prøv igen om lidt.",
        "Something went wrong on our side. It has been logged. Please try again shortly.",
    ),
    "error_unavailable_title": ("Systemet svarer ikke lige nu", "The system is not answering"),
    "error_unavailable_text": (
        "En del af systemet svarer ikke i øjeblikket. Intet er gået tabt. Prøv igen om lidt.",
        "Part of the system is not answering right now. Nothing was lost. "
        "Please try again shortly.",
    ),
    "error_wrong_role_title": ("Ingen adgang", "No access"),
    "error_wrong_role_text": (
        "Siden hører ikke til din rolle. Mæglere arbejder med sager; kontorchefen ser "
        "kommunens statistik. Menuen øverst viser, hvad du kan bruge.",
        "This page is not for your role. Mediators work with cases; the head of office sees "
        "the municipality's statistics. The menu at the top shows what you can use.",
    ),
    "back_to_start": ("Til din forside", "To your start page"),
    "back_to_cases": ("Til dine sager", "To your cases"),
    "back_to_case": ("Tilbage til sagen", "Back to case"),
    # --- messages after an action ----------------------------------------------------------
    "flash_case_registered": ("Anmodningen er registreret.", "The request is registered."),
    "flash_processing": (
        "Det er registreret og bliver behandlet. Genindlæs siden om lidt for at se det.",
        "It is registered and being processed. Reload the page in a moment to see it.",
    ),
    "flash_taken": ("Du har taget sagen. Du er nu dens mægler.", "You took the case."),
    "flash_assessed": ("Vurderingen er registreret.", "The assessment is recorded."),
    "flash_consent_given": ("Samtykket er registreret.", "The consent is recorded."),
    "flash_consent_declined": (
        "Afslaget er registreret. Sagen er afsluttet.",
        "The refusal is recorded. The case is closed.",
    ),
    "flash_withdrew": (
        "Det er registreret, at parten har trukket sig. Sagen er afsluttet.",
        "The withdrawal is recorded. The case is closed.",
    ),
    "flash_meeting_booked": (
        "Mødet er booket. Deltagerne får besked.",
        "The meeting is booked. The participants are told.",
    ),
    "flash_meeting_moved": (
        "Mødet er flyttet. Deltagerne får besked.",
        "The meeting is moved. The participants are told.",
    ),
    "flash_meeting_cancelled": (
        "Mødet er aflyst. Deltagerne får besked.",
        "The meeting is cancelled. The participants are told.",
    ),
    "flash_meeting_held": ("Mødet er markeret som afholdt.", "The meeting is marked as held."),
    "flash_summary_wish": (
        "Borgerens ønske om et referat er registreret.",
        "The citizen's wish for a summary is recorded.",
    ),
    "flash_sharing_agreed": (
        "Partens accept af deling er registreret.",
        "The party's agreement to sharing is recorded.",
    ),
    "flash_summary_written": ("Referatet er gemt.", "The summary is saved."),
    "flash_summary_shared": ("Referatet er delt med parterne.", "The summary is shared."),
    "flash_closed": ("Sagen er afsluttet.", "The case is closed."),
    # --- errors next to a form -----------------------------------------------------------
    "fix_fields": ("Ret de markerede felter.", "Please correct the marked fields."),
    "field_required": ("Udfyld feltet.", "Please fill in this field."),
    "choose_one": ("Vælg en af mulighederne.", "Please choose one of the options."),
    "choose_slot": ("Vælg et tidspunkt.", "Please choose a time."),
    "too_long": ("Teksten er for lang (højst {max} tegn).", "Too long (at most {max} characters)."),
    "invalid_value": ("Værdien kan ikke bruges.", "This value cannot be used."),
    "invalid_email": (
        "Skriv en gyldig e-mailadresse, fx navn@eksempel.dk.",
        "Enter a valid e-mail address, e.g. name@example.dk.",
    ),
    "invalid_phone": (
        "Skriv et telefonnummer med cifre, fx +45 12 34 56 78.",
        "Enter a phone number in digits, e.g. +45 12 34 56 78.",
    ),
    "invalid_join_url": (
        "Skriv et link, der begynder med https://, fx https://video.kk.dk/moede/123.",
        "Enter a link beginning with https://, e.g. https://video.kk.dk/moede/123.",
    ),
    "join_url_needed": (
        "Skriv linket til videomødet. Det begynder med https://.",
        "Enter the link to the video meeting; it begins with https://.",
    ),
    "party_needed_for_meeting": (
        "Vælg hvilken part mødet er med.",
        "Choose the party the meeting is with.",
    ),
    "invalid_staff_ids": (
        "Skriv medarbejdernes id'er adskilt af komma, fx m-1234, m-5678.",
        "Enter the employees' ids separated by commas, e.g. m-1234, m-5678.",
    ),
    "requester_family_is_citizen": (
        "I en familiesag er det en af borgerne, der anmoder.",
        "In a family case one of the citizens makes the request.",
    ),
    "ombudsman_cannot_consent": (
        "Borgerrådgiveren er ikke part og kan ikke give samtykke på parternes vegne.",
        "The ombudsman office is not a party and cannot consent for the parties.",
    ),
    "representatives_only_administration": (
        "Kun en forvaltning har repræsentanter. Lad feltet stå tomt i en familiesag.",
        "Only an administration has representatives. Leave this empty in a family case.",
    ),
    "reason_required_when_declined": (
        "Skriv en begrundelse, når sagen ikke er egnet til mægling.",
        "Give a reason when the case is not suitable for mediation.",
    ),
    "action_not_available": (
        "Det kan ikke lade sig gøre i sagen lige nu. Sagen kan være ændret i mellemtiden. "
        "Se siden igen for at se, hvad der kan gøres nu.",
        "That is not possible in this case right now; it may have changed meanwhile. "
        "See the page again for what can be done now.",
    ),
    "event_rejected": (
        "Sagen tillod det ikke, fordi den er ændret i mellemtiden. Intet er ændret. "
        "Se siden igen for at se, hvad der kan gøres nu.",
        "The case did not allow it because it changed meanwhile. Nothing was changed. "
        "See the page again for what can be done now.",
    ),
    "unavailable_inline": (
        "Denne del af systemet svarer ikke lige nu. Prøv igen om lidt.",
        "This part of the system is not answering right now. Please try again shortly.",
    ),
    "not_possible": ("Det kan ikke lade sig gøre.", "That is not possible."),
    "no_free_slots": (
        "Der er ingen ledige tider i den nærmeste tid. Prøv en anden mødeform.",
        "There are no free times soon. Try another format.",
    ),
    # --- case list -----------------------------------------------------------------------
    "cases_title": ("Sager", "Cases"),
    "my_cases": ("Mine sager", "My cases"),
    "my_cases_caption": ("Sager, hvor du er mægler", "Cases where you are the mediator"),
    "free_cases": ("Sager uden mægler", "Cases without a mediator"),
    "free_cases_caption": (
        "Sager, du kan tage som mægler",
        "Cases you can take as mediator",
    ),
    "no_my_cases": ("Du har ingen sager her.", "You have no cases here."),
    "no_free_cases": ("Der er ingen sager uden mægler.", "No cases are without a mediator."),
    "filter_status": ("Vis sager med status", "Show cases with status"),
    "filter_all": ("Alle", "All"),
    "filter_show": ("Vis", "Show"),
    "cases_pages": ("Flere sager", "More cases"),
    "cases_newest": ("Nyeste sager", "Newest cases"),
    "cases_older": ("Ældre sager", "Older cases"),
    "col_case": ("Sag", "Case"),
    "col_status": ("Status", "Status"),
    "col_parties": ("Parter", "Parties"),
    "col_next_meeting": ("Næste møde", "Next meeting"),
    "col_consent_missing": ("Mangler samtykke fra", "Consent missing from"),
    "col_received": ("Modtaget", "Received"),
    # --- registering a request -----------------------------------------------------------
    "new_case_title": ("Registrér en anmodning om mægling", "Register a request for mediation"),
    "new_case_intro": (
        "Brug formularen, når en anmodning kommer pr. telefon eller brev. "
        "Parterne får selv besked om det videre forløb.",
        "Use this form when a request comes by phone or letter. "
        "The parties are told about what happens next.",
    ),
    "case_kind_legend": ("Hvilken slags sag?", "What kind of case?"),
    "party1_legend": ("Borgeren", "The citizen"),
    "party1_name": ("Borgerens navn", "The citizen's name"),
    "party2_legend": ("Den anden part", "The other party"),
    "party2_hint": (
        "Forvaltningens enhed – eller den anden borger i en familiesag.",
        "The administration's unit – or the other citizen in a family case.",
    ),
    "party2_name": ("Enhedens eller borgerens navn", "Name of the unit or citizen"),
    "email": ("E-mail", "E-mail"),
    "phone": ("Telefon", "Phone"),
    "companion_name": ("Bisidders navn", "Companion's name"),
    "companion_hint": (
        "En bisidder støtter parten ved møderne, men er ikke selv part.",
        "A companion supports the party at meetings but is not a party.",
    ),
    "representatives": (
        "Forvaltningens repræsentanter (medarbejder-id)",
        "Representatives (staff ids)",
    ),
    "representatives_hint": (
        "De medarbejdere, der møder for forvaltningen. Adskil med komma.",
        "The employees who represent the administration. Separate with commas.",
    ),
    "requester_legend": ("Hvem anmoder om mægling?", "Who asks for mediation?"),
    "requester_kind_citizen_first": ("Borgeren", "The citizen"),
    "requester_consents": (
        "Den, der anmoder, ønsker selv mægling og giver dermed samtykke",
        "The requester wants mediation and so consents",
    ),
    "conflict_legend": ("Om konflikten", "About the conflict"),
    "conflict_description": ("Kort beskrivelse af konflikten", "Short description of the conflict"),
    "conflict_description_hint": (
        "Hvordan borgeren er blevet mødt – ikke selve sagens afgørelse. Højst 500 tegn.",
        "How the citizen was met – not the decision in the matter. At most 500 characters.",
    ),
    "matter_reference": ("Sagsnummer i fagsystemet", "Matter reference"),
    "matter_reference_hint": ("Fx SAG-2026-0042.", "E.g. SAG-2026-0042."),
    "complaint_legend": (
        "Er sagen til klagebehandling hos Borgerrådgiveren?",
        "Is the matter in complaint handling at the ombudsman office?",
    ),
    "complaint_no": ("Nej", "No"),
    "complaint_yes": (
        "Ja (så kan der ikke mægles samtidig)",
        "Yes (then mediation cannot run at the same time)",
    ),
    "register_request": ("Registrér anmodningen", "Register the request"),
    # --- the caseworker's checklist: asked with a request, shown for the assessment -------
    "checklist_legend": (
        "Sagsbehandlerens tjekliste (når forvaltningen anmoder)",
        "The caseworker's checklist (when the administration asks)",
    ),
    "checklist_form_hint": (
        "Besvar spørgsmålene, når forvaltningen anmoder om mægling: sagsbehandleren har gået "
        "dem igennem, før mægling blev foreslået. Kernen i konflikten og parterne har du "
        "allerede beskrevet ovenfor. Anmoder borgeren eller Borgerrådgiveren, sendes svarene "
        "ikke med.",
        "Answer the questions when the administration asks for mediation: the caseworker went "
        "through them before proposing mediation. The core of the conflict and the parties "
        "are already described above. When the citizen or the ombudsman office asks, the "
        "answers are not sent.",
    ),
    "checklist_heading": ("Sagsbehandlerens tjekliste", "The caseworker's checklist"),
    "checklist_none": (
        "Der fulgte ingen tjekliste fra sagsbehandleren med denne anmodning.",
        "No checklist from the caseworker came with this request.",
    ),
    "checklist_q_citizen_has_answer": (
        "Har borgeren fået svar på det, der klages over?",
        "Has the citizen had an answer to what the complaint is about?",
    ),
    "checklist_q_core_of_conflict": (
        "Hvad er kernen i konflikten?",
        "What is the core of the conflict?",
    ),
    "checklist_q_parties": ("Hvem er konfliktens parter?", "Who are the parties to the conflict?"),
    "checklist_q_both_interested": (
        "Er begge parter interesserede i at finde en løsning på konflikten?",
        "Are both parties interested in finding a solution to the conflict?",
    ),
    "checklist_q_alternatives_offered": (
        "Er borgeren tilbudt andet end traditionel skriftlig klagebehandling, fx en samtale "
        "eller et møde?",
        "Was the citizen offered something other than traditional written complaint "
        "handling, e.g. a talk or a meeting?",
    ),
    "checklist_q_discussed_with_colleagues_or_leader": (
        "Har sagsbehandleren talt med kolleger eller sin leder om løsningsmuligheder?",
        "Did the caseworker talk with colleagues or their leader about possible solutions?",
    ),
    "checklist_q_ombudsman_office_consulted": (
        "Er Borgerrådgiveren taget med på råd?",
        "Was the ombudsman office consulted?",
    ),
    "checklist_q_suitable_for_mediation": (
        "Er konflikten egnet til et mæglings- eller konfliktløsningsmøde? (sagsbehandlerens "
        "vurdering)",
        "Is the conflict suited to a mediation or conflict-resolution meeting? (the "
        "caseworker's view)",
    ),
    "checklist_completed_by": ("Sagsbehandlerens medarbejder-id", "The caseworker's staff id"),
    "checklist_completed_by_hint": (
        "Hvem der har besvaret tjeklisten, fx m-1234.",
        "Who answered the checklist, e.g. m-1234.",
    ),
    "checklist_answer_required": (
        "Vælg et svar. Tjeklisten skal besvares, når forvaltningen anmoder om mægling.",
        "Choose an answer. The checklist must be answered when the administration asks.",
    ),
    "invalid_staff_id": (
        "Skriv et medarbejder-id med bogstaver og cifre, fx m-1234.",
        "Enter a staff id of letters and digits, e.g. m-1234.",
    ),
    "checklist_answer_yes": ("Ja", "Yes"),
    "checklist_answer_no": ("Nej", "No"),
    "checklist_answer_partly": ("Delvist", "Partly"),
    "checklist_answer_unknown": ("Ved ikke", "Don't know"),
    "checklist_answer_not_needed": ("Ikke nødvendigt", "Not needed"),
    "checklist_answer_unsure": ("Usikker", "Unsure"),
    # --- the case page -------------------------------------------------------------------
    "case_title": ("Sag", "Case"),
    "case_kind": ("Sagstype", "Kind of case"),
    "received": ("Modtaget", "Received"),
    "mediator": ("Mægler", "Mediator"),
    "no_mediator_yet": ("Ingen endnu", "None yet"),
    "requester": ("Anmodet af", "Requested by"),
    "take_heading": ("Sagen har ingen mægler", "The case has no mediator"),
    "take_text": (
        "Tag sagen, hvis du vil være dens mægler. Så kan du vurdere den og planlægge møder.",
        "Take the case to become its mediator; then you can assess it and plan meetings.",
    ),
    "take_button": ("Tag sagen", "Take the case"),
    "request_heading": ("Anmodningen", "The request"),
    "parties_heading": ("Parter og samtykke", "Parties and consent"),
    "col_party": ("Part", "Party"),
    "col_contact": ("Kontakt", "Contact"),
    "col_companion": ("Bisidder", "Companion"),
    "col_consent": ("Samtykke til mægling", "Consent to mediation"),
    "is_requester": ("anmoder", "requester"),
    "consent_heading": ("Registrér en parts svar", "Record a party's answer"),
    "consent_hint": (
        "Fx når parten har svaret pr. telefon. Deltagelse er frivillig.",
        "E.g. when the party answered by phone. Taking part is voluntary.",
    ),
    "which_party": ("Hvilken part?", "Which party?"),
    "which_answer": ("Partens svar", "The party's answer"),
    "answer_given": ("Siger ja til mægling", "Agrees to mediation"),
    "answer_declined": ("Siger nej til mægling (sagen afsluttes)", "Declines (the case closes)"),
    "answer_withdrew": (
        "Trækker sig fra mæglingen (sagen afsluttes)",
        "Withdraws from the mediation (the case closes)",
    ),
    "consent_button": ("Registrér svaret", "Record the answer"),
    "assessment_heading": ("Vurdering af egnethed", "Suitability assessment"),
    "not_assessed": ("Sagen er ikke vurderet endnu.", "The case is not assessed yet."),
    "assess_hint": (
        "Kan mægling give borgeren mere end den almindelige klagevej?",
        "Can mediation give the citizen more than the ordinary complaint route?",
    ),
    "decision_legend": ("Din vurdering", "Your assessment"),
    "assess_reason": ("Begrundelse", "Reason"),
    "assess_reason_hint": (
        "Skal udfyldes, når sagen ikke er egnet. Skriv ikke personoplysninger.",
        "Required when the case is not suitable. Do not write personal details.",
    ),
    "assess_button": ("Registrér vurderingen", "Record the assessment"),
    "meetings_heading": ("Møder", "Meetings"),
    "meetings_unavailable": (
        "Møderne kan ikke vises lige nu. Prøv igen om lidt.",
        "The meetings cannot be shown right now. Please try again shortly.",
    ),
    "no_meetings": ("Der er ingen møder endnu.", "No meetings yet."),
    "rooms": ("lokale", "room"),
    "mark_held_button": ("Markér mødet som afholdt", "Mark the meeting held"),
    "mark_held_later": (
        "Du kan markere mødet som afholdt, når det er begyndt.",
        "You can mark the meeting held once it has begun.",
    ),
    "move_or_cancel": ("Flyt eller aflys mødet", "Move or cancel the meeting"),
    "move_to": ("Flyt til", "Move to"),
    "move_button": ("Flyt mødet", "Move the meeting"),
    "cancel_meeting_button": ("Aflys mødet", "Cancel the meeting"),
    "book_heading": ("Book et møde", "Book a meeting"),
    "book_another": ("Book et møde mere", "Book another meeting"),
    "meeting_kind": ("Mødetype", "Kind of meeting"),
    "meeting_format": ("Mødeform", "Format"),
    "meeting_party": ("Part", "Party"),
    "meeting_party_hint": (
        "Et formøde og en individuel samtale er med én part. Et møde på telefon eller video "
        "kan være med én part eller med alle.",
        "A pre-meeting and an individual session are with one party. A phone or video "
        "meeting can be with one party or with all.",
    ),
    "all_parties": ("Alle parter", "All parties"),
    "join_url": ("Link til videomødet", "Link to the video meeting"),
    "join_url_hint": (
        "Deltagerne får linket i indkaldelsen. Det begynder med https://.",
        "The participants get the link in the invitation. It begins with https://.",
    ),
    "phone_call_legend": ("Telefonopkald: {name}", "Phone call: {name}"),
    "phone_calls_hint": (
        "Hver part og dens bisidder får kun at vide, hvordan parten selv kommer med i mødet.",
        "Each party and its companion are told only how that party joins the meeting.",
    ),
    "caller_mediator": ("Mægleren ringer op til {phone}", "The mediator calls {phone}"),
    "caller_mediator_no_phone": (
        "Mægleren ringer op (parten har intet telefonnummer registreret endnu)",
        "The mediator calls (no phone number recorded for the party yet)",
    ),
    "caller_party": (
        "Parten ringer selv til kontorets nummer",
        "The party calls the office's number",
    ),
    "seats": ("Lokaler", "Rooms"),
    "call_by_mediator": ("mægleren ringer op til {phone}", "the mediator calls {phone}"),
    "call_by_mediator_no_phone": (
        "mægleren ringer op (intet telefonnummer registreret)",
        "the mediator calls (no phone number recorded)",
    ),
    "call_by_party": ("ringer selv til {number}", "calls {number}"),
    "join_link": ("Link", "Link"),
    "find_slots": ("Find ledige tider", "Find free times"),
    "free_slots_for": ("Ledige tider til", "Free times for"),
    "book_button": ("Book mødet", "Book the meeting"),
    "summary_heading": ("Referat", "Summary"),
    "summary_intro": (
        "Mødet er fortroligt. Der skrives kun et kort referat, hvis borgeren udtrykkeligt "
        "ønsker det.",
        "The meeting is confidential. A short summary is written only if the citizen "
        "explicitly wants one.",
    ),
    "summary_wishes": ("Ønsker om referat", "Wishes for a summary"),
    "summary_wish_given": ("{name} ønsker et referat", "{name} wants a summary"),
    "summary_wish_missing": (
        "{name} har ikke ønsket et referat",
        "{name} has not asked for a summary",
    ),
    "summary_wish_button": (
        "Registrér at {name} ønsker et referat",
        "Record that {name} wants a summary",
    ),
    "summary_destroyed": (
        "Referatet er slettet og kan ikke genskabes.",
        "The summary has been destroyed and cannot be recovered.",
    ),
    "summary_count": ("Der er skrevet referat ({count}).", "A summary has been written ({count})."),
    "summary_is_shared": ("Det er delt med parterne.", "It is shared with the parties."),
    "read_summary": ("Læs referatet", "Read the summary"),
    "summary_text": ("Kort referat", "Short summary"),
    "summary_text_hint": (
        "Fx de aftaler, der blev indgået. Højst 4000 tegn. Teksten gemmes krypteret.",
        "E.g. the agreements reached. At most 4000 characters. Stored encrypted.",
    ),
    "summary_meeting": ("Referat af mødet", "Summary of the meeting"),
    "summary_no_meeting": ("Intet bestemt møde", "No particular meeting"),
    "summary_write_button": ("Gem referatet", "Save the summary"),
    "summary_write_another": ("Skriv et referat mere", "Write another summary"),
    "summary_confidential": (
        "Fortroligt. Vis det kun til sagens parter, og kun når de har accepteret deling.",
        "Confidential. Show it only to the case's parties, once they agreed to sharing.",
    ),
    "sharing_heading": ("Deling med parterne", "Sharing with the parties"),
    "sharing_hint": (
        "Referatet deles kun, når alle parter har accepteret det.",
        "The summary is shared only once every party agreed.",
    ),
    "sharing_given": ("{name} accepterer deling", "{name} agrees to sharing"),
    "sharing_missing": ("{name} har ikke accepteret deling", "{name} has not agreed to sharing"),
    "sharing_button": ("Registrér at {name} accepterer deling", "Record that {name} agrees"),
    "share_button": ("Del referatet med parterne", "Share the summary with the parties"),
    "close_heading": ("Afslut sagen", "Close the case"),
    "outcome_legend": ("Hvordan endte mæglingen?", "How did the mediation end?"),
    "follow_up_legend": ("Kontaktperson fremover", "Contact person from now on"),
    "follow_up_hint": (
        "Hvem kan borgeren kontakte om kerneproblemet fremover?",
        "Who can the citizen contact about the core problem from now on?",
    ),
    "follow_up_name": ("Navn", "Name"),
    "follow_up_inform": (
        "Borgeren har givet samtykke til, at kontaktpersonen får besked",
        "The citizen has agreed that the contact person is told",
    ),
    "follow_up_inform_hint": (
        "Så får kontaktpersonen besked om at være borgerens kontakt, med borgerens navn, på "
        "den e-mail eller det telefonnummer, du skriver her. Uden samtykke får kun borgeren "
        "navnet.",
        "The contact person is then told they are the citizen's contact, with the citizen's "
        "name, at the e-mail or phone number written here. Without consent only the citizen "
        "gets the name.",
    ),
    "inform_needs_address": (
        "Skriv kontaktpersonens e-mail eller telefonnummer, så vedkommende kan få besked, "
        "eller fjern fluebenet.",
        "Enter the contact person's e-mail or phone number so they can be told, or untick the box.",
    ),
    "follow_up_informed": ("får besked (borgerens samtykke)", "is told (the citizen agreed)"),
    "follow_up_unit": ("Enhed", "Unit"),
    "close_button": ("Afslut sagen", "Close the case"),
    "closed_heading": ("Sagen er afsluttet", "The case is closed"),
    "outcome": ("Resultat", "Outcome"),
    "closed_because": ("Afsluttet fordi", "Closed because"),
    "timeline_heading": ("Forløb", "Timeline"),
    "timeline_rejected": ("ikke gennemført", "not carried out"),
    # --- stages: where the case stands, and what to do now ------------------------------
    "stage_refused": ("Ikke åbnet (klagesag)", "Not opened (complaint handling)"),
    "stage_requested": ("Modtaget – afventer vurdering", "Received – awaiting assessment"),
    "stage_accepted": ("Egnet – afventer samtykke", "Accepted – awaiting consent"),
    "stage_ready_for_scheduling": ("Klar til mæglingsmøde", "Ready for the mediation meeting"),
    "stage_meeting_booked": ("Mæglingsmøde booket", "Mediation meeting booked"),
    "stage_meeting_held": ("Mæglingsmøde afholdt", "Mediation meeting held"),
    "stage_closed": ("Afsluttet", "Closed"),
    "now_heading": ("Det næste", "What to do now"),
    "next_refused": (
        "Anmodningen blev ikke åbnet, fordi sagen er i klagebehandling. Der er intet at gøre.",
        "The request was not opened because the matter is in complaint handling.",
    ),
    "next_requested": (
        "Vurdér, om mægling kan give borgeren mere end klagevejen.",
        "Assess whether mediation can give the citizen more than the complaint route.",
    ),
    "next_accepted": (
        "Registrér parternes svar. Formøder kan bookes med den part, der har sagt ja; på "
        "formødet aftales partens emner til dagsordenen.",
        "Record the parties' answers. Pre-meetings can be booked with a party who agreed; at "
        "the pre-meeting the party's topics for the agenda are agreed.",
    ),
    "next_ready_for_scheduling": (
        "Alle parter har sagt ja. Book mæglingsmødet. Registrér de aftalte emner inden, så "
        "dagsordenen kommer med i indkaldelsen.",
        "Every party agreed. Book the mediation meeting. Record the agreed topics first, so "
        "that the agenda goes with the invitation.",
    ),
    "next_meeting_booked": (
        "Mæglingsmødet er booket. Markér det som afholdt, når det er begyndt. Ønsker borgeren "
        "et referat, så registrér det.",
        "The mediation meeting is booked. Mark it held once it has begun. If the citizen "
        "wants a summary, record it.",
    ),
    "next_meeting_held": (
        "Mødet er holdt. Skriv referatet, hvis borgeren ønsker et, og afslut sagen.",
        "The meeting was held. Write the summary if the citizen wants one, and close the case.",
    ),
    "next_closed": (
        "Sagen er afsluttet. Der sker ikke mere i den.",
        "The case is closed. Nothing further happens in it.",
    ),
    "details_heading": ("Sagens oplysninger", "About the case"),
    "timeline_hint": (
        "Alt, hvad der er sket i sagen, ældste først.",
        "Everything that happened in the case, oldest first.",
    ),
    "close_before_meeting": (
        "Der er ikke holdt noget mæglingsmøde endnu. Afslut kun sagen nu, hvis mæglingen "
        "ikke skal finde sted.",
        "No mediation meeting has been held yet. Close the case now only if the mediation "
        "will not take place.",
    ),
    "close_before_meeting_open": (
        "Afslut sagen uden mæglingsmøde",
        "Close the case without a mediation meeting",
    ),
    # --- other actions -------------------------------------------------------------------
    "more_heading": ("Andre handlinger", "Other actions"),
    "note_taker": ("Referent", "Note-taker"),
    "note_taker_heading": ("Udpeg en referent", "Name a note-taker"),
    "note_taker_now": ("Referent nu: {id}.", "Note-taker now: {id}."),
    "note_taker_hint": (
        "Referenten deltager i mødet og kan skrive og læse sagens referat.",
        "The note-taker attends the meeting and may write and read the case's summary.",
    ),
    "note_taker_id": ("Referentens medarbejder-id", "The note-taker's staff id"),
    "note_taker_button": ("Udpeg referenten", "Name the note-taker"),
    "flash_note_taker": ("Referenten er udpeget.", "The note-taker is named."),
    "mediator_withdraw_link": (
        "Træk dig som mægler (mæglingen afsluttes)",
        "Withdraw as mediator (the mediation ends)",
    ),
    "flash_mediator_withdrew": (
        "Du har trukket dig som mægler. Mæglingen er afsluttet.",
        "You withdrew as mediator. The mediation has ended.",
    ),
    "summary_wish_withdraw_link": (
        "{name} ønsker ikke længere et referat",
        "{name} no longer wants a summary",
    ),
    "flash_summary_wish_withdrawn": (
        "Det er registreret. Sagens referater er slettet.",
        "Recorded. The case's summaries are destroyed.",
    ),
    # --- confirmation pages --------------------------------------------------------------
    "confirm_title": ("Bekræft", "Confirm"),
    "confirm_withdraw_wish_heading": (
        "{name} ønsker ikke længere et referat",
        "{name} no longer wants a summary",
    ),
    "confirm_withdraw_wish_text": (
        "Alle referater i sagen slettes med det samme og kan aldrig genskabes, heller ikke "
        "af driften. Der kan ikke skrives referat i sagen bagefter.",
        "Every summary of the case is destroyed at once and can never be recovered, not even "
        "by operations. No summary can be written in the case afterwards.",
    ),
    "confirm_withdraw_wish_button": (
        "Ja, slet referatet",
        "Yes, destroy the summary",
    ),
    "confirm_mediator_withdraw_heading": (
        "Træk dig som mægler",
        "Withdraw as mediator",
    ),
    "confirm_mediator_withdraw_text": (
        "Mæglingen afsluttes for alle parter, og sagen lukkes. Bookede møder aflyses, parterne "
        "får besked, og sagens referater slettes. Det kan ikke gøres om.",
        "The mediation ends for every party and the case closes. Booked meetings are "
        "cancelled, the parties are told, and the case's summaries are destroyed. This cannot "
        "be undone.",
    ),
    "confirm_mediator_withdraw_button": (
        "Ja, træk mig som mægler",
        "Yes, withdraw as mediator",
    ),
    "confirm_cancel": ("Nej, tilbage til sagen", "No, back to the case"),
    # --- audit trail ---------------------------------------------------------------------
    "audit_link": ("Se hvem der har tilgået referatet", "See who accessed the summary"),
    "audit_title": ("Adgang til referatet", "Access to the summary"),
    "audit_intro": (
        "Hvert forsøg på at skrive, læse, dele eller se denne liste: hvem, hvornår, og om det "
        "blev tilladt. Listen viser aldrig referatets indhold.",
        "Every attempt to write, read, share or see this list: who, when, and whether it was "
        "allowed. It never shows the summary's content.",
    ),
    "audit_empty": ("Ingen har tilgået referatet endnu.", "Nobody has accessed the summary yet."),
    "col_when": ("Tidspunkt", "When"),
    "col_who": ("Hvem", "Who"),
    "col_role": ("Rolle", "Role"),
    "col_action": ("Handling", "Action"),
    "col_result": ("Resultat", "Result"),
    "audit_allowed": ("Tilladt", "Allowed"),
    "audit_refused": ("Afvist", "Refused"),
    "audit_action_write": ("Skrive", "Write"),
    "audit_action_read": ("Læse", "Read"),
    "audit_action_share": ("Dele", "Share"),
    "audit_action_audit": ("Se denne liste", "See this list"),
    "role_mediator": ("Mægler", "Mediator"),
    "role_note_taker": ("Referent", "Note-taker"),
    "role_citizen": ("Borger", "Citizen"),
    "role_administration": ("Forvaltning", "Administration"),
    "role_companion": ("Bisidder", "Companion"),
    "role_caseworker": ("Sagsbehandler", "Caseworker"),
    "role_operator": ("Drift", "Operator"),
    "event_summary_consent_withdrawn": (
        "Borgeren ønsker ikke længere referat",
        "Citizen no longer wants a summary",
    ),
    # --- codes of the contract -----------------------------------------------------------
    "status_requested": ("Modtaget – afventer vurdering", "Received – awaiting assessment"),
    "status_accepted": ("Egnet – afventer samtykke", "Accepted – awaiting consent"),
    "status_ready_for_scheduling": ("Klar til mæglingsmøde", "Ready for the mediation meeting"),
    "status_closed": ("Afsluttet", "Closed"),
    "status_refused": ("Ikke åbnet (klagesag)", "Not opened (complaint handling)"),
    "case_kind_citizen_administration": ("Borger og forvaltning", "Citizen and administration"),
    "case_kind_family": ("Familiesag (to borgere)", "Family case (two citizens)"),
    "party_kind_citizen": ("Borger", "Citizen"),
    "party_kind_administration": ("Forvaltning", "Administration"),
    "requester_kind_citizen": ("Borgeren", "The citizen"),
    "requester_kind_administration": ("Forvaltningen", "The administration"),
    "requester_kind_ombudsman_office": ("Borgerrådgiveren", "The ombudsman office"),
    "consent_given": ("Givet", "Given"),
    "consent_missing": ("Mangler", "Missing"),
    "consent_declined": ("Afslået", "Declined"),
    "consent_withdrew": ("Trukket sig", "Withdrew"),
    "decision_accepted": ("Egnet til mægling", "Suitable for mediation"),
    "decision_declined": ("Ikke egnet til mægling", "Not suitable for mediation"),
    "meeting_kind_pre_meeting": ("Formøde", "Pre-meeting"),
    "meeting_kind_mediation": ("Mæglingsmøde", "Mediation meeting"),
    "meeting_kind_follow_up": ("Opfølgningsmøde", "Follow-up meeting"),
    "meeting_format_joint": ("Fælles møde", "Joint meeting"),
    "meeting_format_shuttle": ("Parterne i hver sit lokale", "Parties in separate rooms"),
    "meeting_format_individual": (
        "Individuel samtale med én part",
        "Individual session with one party",
    ),
    "meeting_format_phone": ("Telefon", "Phone"),
    "meeting_format_video": ("Video", "Video"),
    "meeting_status_scheduled": ("Booket", "Booked"),
    "meeting_status_cancelled": ("Aflyst", "Cancelled"),
    "meeting_status_held": ("Afholdt", "Held"),
    "location_phone": ("pr. telefon", "by phone"),
    "location_video": ("pr. video", "by video"),
    "outcome_agreement": ("Aftale", "Agreement"),
    "outcome_partial_agreement": ("Delvis aftale", "Partial agreement"),
    "outcome_no_agreement": ("Ingen aftale", "No agreement"),
    "outcome_withdrawn": ("Trukket tilbage", "Withdrawn"),
    "outcome_declined": ("Afslået", "Declined"),
    "closed_because_outcome_recorded": ("Resultatet er registreret", "The outcome was recorded"),
    "closed_because_assessment_declined": ("Ikke egnet til mægling", "Not suitable"),
    "closed_because_consent_declined": ("En part sagde nej", "A party declined"),
    "closed_because_withdrawn": ("En deltager trak sig", "A participant withdrew"),
    "withdrawn_by_party": ("af en part", "by a party"),
    "withdrawn_by_mediator": ("af mægleren", "by the mediator"),
    "no_reference": ("(uden sagsnummer)", "(no reference)"),
    "withdraw_heading": ("En part trækker sig", "A party withdraws"),
    "withdraw_hint": (
        "Enhver part kan til enhver tid trække sig. Så afsluttes mæglingen.",
        "Any party may withdraw at any time; the mediation then ends.",
    ),
    "withdraw_button": ("Registrér at parten trækker sig", "Record the withdrawal"),
    "reason_in_complaint_handling": ("Sagen er i klagebehandling", "In complaint handling"),
    "event_case_requested": ("Anmodning modtaget", "Request received"),
    "event_case_request_refused": (
        "Anmodningen blev ikke åbnet (klagesag)",
        "Request not opened (complaint handling)",
    ),
    "event_case_assessed": ("Egnethed vurderet", "Suitability assessed"),
    "event_mediator_assigned": ("Mægler tildelt", "Mediator assigned"),
    "event_consent_requested": ("Part spurgt om samtykke", "Party asked for consent"),
    "event_consent_given": ("Samtykke givet", "Consent given"),
    "event_consent_declined": ("Samtykke afslået", "Consent declined"),
    "event_party_withdrew": ("Trak sig fra mæglingen", "Withdrew from the mediation"),
    "event_case_ready_for_scheduling": ("Klar til mæglingsmøde", "Ready for the meeting"),
    "event_case_outcome_recorded": ("Resultat registreret", "Outcome recorded"),
    "event_case_closed": ("Sagen afsluttet", "Case closed"),
    "event_meeting_scheduled": ("Møde booket", "Meeting booked"),
    "event_meeting_rescheduled": ("Møde flyttet", "Meeting moved"),
    "event_meeting_cancelled": ("Møde aflyst", "Meeting cancelled"),
    "event_meeting_held": ("Møde afholdt", "Meeting held"),
    "event_summary_consent_given": ("Borgeren ønsker referat", "Citizen wants a summary"),
    "event_summary_sharing_agreed": ("Deling af referat accepteret", "Sharing agreed"),
    "event_summary_recorded": ("Referat skrevet", "Summary written"),
    "event_summary_shared": ("Referat delt", "Summary shared"),
    "event_summary_destroyed": ("Referat slettet", "Summary destroyed"),
    # --- people change during a case ----------------------------------------------------
    "people_heading": ("Ret parter og bisiddere", "Correct parties and companions"),
    "people_hint": (
        "Rettelser gælder fra nu af: beskeder, der allerede er sendt, sendes ikke igen. "
        "Kun sagens mægler kan rette, mens sagen er åben.",
        "Corrections apply from now on: messages already sent are not sent again. "
        "Only the case's mediator can correct, while the case is open.",
    ),
    "correct_party": ("Ret oplysninger om {name}", "Correct the details of {name}"),
    "party_name": ("Navn", "Name"),
    "preferred_channel": ("Beskeder sendes med", "Messages are sent by"),
    "channel_email": ("E-mail", "E-mail"),
    "channel_sms": ("SMS", "Text message (SMS)"),
    "channel_digital_post": ("Digital Post", "Digital Post"),
    "message_language": ("Beskedernes sprog", "Language of the messages"),
    "language_da": ("Dansk", "Danish"),
    "language_en": ("Engelsk", "English"),
    "correct_party_button": ("Gem rettelserne", "Save the corrections"),
    "add_companion": ("Tilføj bisidder for {name}", "Add a companion for {name}"),
    "change_companion": (
        "Ret eller fjern bisidder for {name}",
        "Change or remove {name}'s companion",
    ),
    "receives_invitations": (
        "Bisidderen får selv invitationer, ændringer og påmindelser om møderne",
        "The companion gets the invitations, changes and reminders of the meetings",
    ),
    "save_companion_button": ("Gem bisidderen", "Save the companion"),
    "remove_companion_hint": (
        "En bisidder, der fjernes, får ingen flere beskeder. Skal en anden person være "
        "bisidder, så fjern den nuværende og tilføj den nye.",
        "A companion who is removed gets no more messages. To bring someone else, remove "
        "the companion and add the new one.",
    ),
    "remove_companion_button": ("Fjern {name} som bisidder", "Remove {name} as companion"),
    "companion_no_invitations": ("får ikke invitationer", "gets no invitations"),
    "flash_nothing_changed": (
        "Intet er ændret: oplysningerne var de samme.",
        "Nothing changed: the details were the same.",
    ),
    "flash_details_corrected": (
        "Oplysningerne er rettet. Nye beskeder sendes til de nye oplysninger.",
        "The details are corrected. New messages go to the new details.",
    ),
    "flash_companion_saved": ("Bisidderen er gemt.", "The companion is saved."),
    "flash_companion_removed": (
        "Bisidderen er fjernet og får ingen flere beskeder.",
        "The companion is removed and gets no more messages.",
    ),
    "email_needed_for_channel": (
        "Skriv en e-mailadresse, eller vælg at beskeder sendes på en anden måde.",
        "Enter an e-mail address, or choose another way to send messages.",
    ),
    "phone_needed_for_channel": (
        "Skriv et telefonnummer, eller vælg at beskeder sendes på en anden måde.",
        "Enter a phone number, or choose another way to send messages.",
    ),
    "companion_address_needed": (
        "Skriv bisidderens e-mailadresse eller telefonnummer, eller fjern fluebenet ved "
        "invitationer, så parten giver dem videre.",
        "Enter the companion's e-mail address or phone number, or untick invitations so the "
        "party passes them on.",
    ),
    "digital_post_citizen": (
        "Digital Post kan kun bruges til en borger. Vælg e-mail eller SMS.",
        "Digital Post is only for a citizen. Choose e-mail or text message.",
    ),
    "event_party_companion_changed": ("Bisidder ændret", "Companion changed"),
    "event_party_details_corrected": ("Partens oplysninger rettet", "Party's details corrected"),
    "companion_changed": ("ny eller ændret bisidder", "companion added or changed"),
    "companion_removed": ("bisidder fjernet", "companion removed"),
    # --- the agenda from the pre-meetings -------------------------------------------------
    "agenda_heading": ("Dagsorden for mæglingsmødet", "Agenda of the mediation meeting"),
    "agenda_hint": (
        "De emner, hver part vil tage op, som aftalt med parten på formøderne. Mæglingen "
        "holder sig til de aftalte emner. Skriv korte overskrifter, aldrig hvad der blev sagt "
        "på et møde.",
        "The topics each party wants to raise, as agreed with the party at the pre-meetings. "
        "The mediation keeps to the agreed topics. Write short headings, never what was said "
        "at a meeting.",
    ),
    "agenda_none": ("Der er ikke registreret emner endnu.", "No topics recorded yet."),
    "topics_agreed_status": ("Godkendt af parten", "Agreed by the party"),
    "topics_not_agreed_status": ("Ikke godkendt endnu", "Not agreed yet"),
    "topic_not_agreed": ("ikke godkendt", "not agreed"),
    "topics_shared": (
        "Sendes med indkaldelsen til alle parter.",
        "Sent with the invitation to every party.",
    ),
    "topics_not_shared": (
        "Sendes kun til parten selv med indkaldelsen.",
        "Sent with the invitation to the party only.",
    ),
    "topics_not_sent": (
        "Er ikke på dagsordenen og sendes ikke, før parten har godkendt dem.",
        "Not on the agenda, and not sent, until the party agrees them.",
    ),
    "see_agenda": ("Se dagsordenen ({count} emner)", "See the agenda ({count} topics)"),
    "record_topics_for": ("Registrér emner for {name}", "Record topics for {name}"),
    "topics_label": ("Emner", "Topics"),
    "topics_hint": (
        "Ét emne pr. linje, højst 10 emner på hver højst 120 tegn. Tøm feltet for at fjerne "
        "partens emner.",
        "One topic per line, at most 10 topics of at most 120 characters each. Empty the "
        "field to remove the party's topics.",
    ),
    "topics_agreed_label": ("Parten har godkendt emnerne", "The party agreed the topics"),
    "topics_share_label": (
        "Parten er indforstået med, at de andre parter får emnerne med indkaldelsen",
        "The party agrees that the other parties get the topics with their invitation",
    ),
    "record_topics_button": ("Gem emnerne", "Save the topics"),
    "flash_topics_recorded": (
        "Emnerne er gemt. Indkaldelser til mæglingsmødet, der sendes herefter, har den nye "
        "dagsorden.",
        "The topics are saved. Invitations to the mediation meeting sent from now on carry "
        "the new agenda.",
    ),
    "too_many_topics": ("Skriv højst 10 emner.", "Write at most 10 topics."),
    "topic_too_long": (
        "Hvert emne må højst være 120 tegn. Gør de lange emner kortere.",
        "Each topic may be at most 120 characters. Shorten the long ones.",
    ),
    "topic_invalid": (
        "Et emne må kun være almindelig tekst på én linje.",
        "A topic may only be plain text on one line.",
    ),
    "topic_twice": (
        "Et emne står der to gange. Skriv hvert emne én gang.",
        "A topic is written twice. Write each topic once.",
    ),
    "share_needs_agreement": (
        "Emnerne kan kun sendes til de andre parter, når parten har godkendt dem.",
        "The topics can only be sent to the other parties once the party agreed them.",
    ),
    "event_party_topics_recorded": ("Emner registreret", "Topics recorded"),
    "topics_agreed": ("godkendt af parten", "agreed by the party"),
    "topics_not_agreed": ("ikke godkendt endnu", "not agreed yet"),
    # --- after the close: follow-up and the mediator's reflection ------------------------
    "follow_up_heading": ("Opfølgning", "Follow-up"),
    "follow_up_intro": (
        "Holdt aftalen? Tal med borgeren eller kontaktpersonen, og registrér, hvordan det gik.",
        "Did the agreement hold? Talk with the citizen or the contact person and record how "
        "it went.",
    ),
    "follow_up_due_since": ("Opfølgningen har været klar siden {date}.", "Due since {date}."),
    "follow_up_pending": (
        "Opfølgningen er planlagt til {date}. Du kan registrere den allerede nu.",
        "The follow-up is planned for {date}. You can record it already.",
    ),
    "follow_up_recorded_as": ("Registreret: {result}.", "Recorded: {result}."),
    "follow_up_none": (
        "Der er ingen opfølgning i denne sag (den planlægges kun efter en aftale eller en "
        "delvis aftale).",
        "There is no follow-up in this case (one is planned only after an agreement or a "
        "partial agreement).",
    ),
    "follow_up_result_legend": ("Holdt aftalen?", "Did the agreement hold?"),
    "follow_up_result_held": ("Aftalen holdt", "The agreement held"),
    "follow_up_result_partly_held": ("Aftalen holdt delvist", "It partly held"),
    "follow_up_result_not_held": ("Aftalen holdt ikke", "It did not hold"),
    "follow_up_result_no_contact": ("Ingen kontakt", "No contact"),
    "follow_up_button": ("Registrér opfølgningen", "Record the follow-up"),
    "flash_follow_up_recorded": ("Opfølgningen er registreret.", "The follow-up is recorded."),
    "reflection_heading": ("Din refleksion", "Your reflection"),
    "reflection_intro": (
        "Kort og kun med afkrydsninger, så kommunen kan lære af mæglingerne. Intet om, hvad "
        "der blev sagt.",
        "Short, and only ticks, so the municipality can learn from its mediations. Nothing of "
        "what was said.",
    ),
    "reflection_recorded": (
        "Din refleksion er registreret. Sender du den igen, erstatter den den forrige.",
        "Your reflection is recorded. Sending it again replaces it.",
    ),
    "reflection_again": ("Ret din refleksion", "Change your reflection"),
    "reflection_format_legend": ("Hvilken mødeform blev brugt?", "Which format was used?"),
    "reflection_helped_legend": ("Hvad hjalp?", "What helped?"),
    "reflection_helped_hint": ("Sæt gerne flere kryds.", "Tick as many as apply."),
    "reflection_factor_pre_meetings": ("Formøderne", "The pre-meetings"),
    "reflection_factor_agreed_agenda": ("En aftalt dagsorden", "An agreed agenda"),
    "reflection_factor_companion": ("En bisidder", "A companion"),
    "reflection_factor_separate_rooms": ("Parterne i hver sit lokale", "Separate rooms"),
    "reflection_factor_breaks": ("Pauser", "Breaks"),
    "reflection_factor_time_for_each_party": (
        "Tid til hver part for sig",
        "Time for each party alone",
    ),
    "reflection_factor_administration_present": (
        "At forvaltningen var til stede",
        "The administration being present",
    ),
    "reflection_factor_follow_up_contact": ("En kontaktperson fremover", "A contact person"),
    "reflection_suited_legend": (
        "Set i bakspejlet: var mægling det rigtige tilbud i sagen?",
        "Looking back: was mediation the right offer in this case?",
    ),
    "suited_yes": ("Ja", "Yes"),
    "suited_partly": ("Delvist", "Partly"),
    "suited_no": ("Nej", "No"),
    "reflection_button": ("Gem refleksionen", "Save the reflection"),
    "flash_reflection_recorded": ("Din refleksion er gemt.", "Your reflection is saved."),
    "due_heading": ("Opfølgning, der venter", "Follow-ups waiting"),
    "due_intro": (
        "Afsluttede sager med en aftale, hvor det er tid til at høre, om aftalen holdt.",
        "Closed cases with an agreement where it is time to ask whether it held.",
    ),
    "due_caption": ("Sager, hvor opfølgningen venter", "Cases whose follow-up is waiting"),
    "col_closed": ("Afsluttet", "Closed"),
    "col_due": ("Opfølgning fra", "Follow-up from"),
    "due_more": ("og {count} mere.", "and {count} more."),
    "due_unavailable": (
        "Opfølgningerne kan ikke vises lige nu. Prøv igen om lidt.",
        "The follow-ups cannot be shown right now. Please try again shortly.",
    ),
    # --- statistics (head of office) ---------------------------------------------------------
    "stats_title": ("Statistik", "Statistics"),
    "stats_intro": (
        "Kommunens mæglinger i tal. Tallene kommer kun fra det, der er sket i sagerne, og "
        "nævner aldrig personer, sager eller datoer.",
        "The municipality's mediations in figures. They come only from what happened in the "
        "cases and never name people, cases or dates.",
    ),
    "stats_from": ("Fra måned", "From month"),
    "stats_to": ("Til og med måned", "To month (inclusive)"),
    "stats_period": ("Opdelt pr.", "Grouped by"),
    "stats_period_month": ("Måned", "Month"),
    "stats_period_quarter": ("Kvartal", "Quarter"),
    "stats_period_year": ("År", "Year"),
    "stats_file_period_month": ("maaned", "month"),
    "stats_file_period_quarter": ("kvartal", "quarter"),
    "stats_file_period_year": ("aar", "year"),
    "stats_show": ("Vis statistikken", "Show the statistics"),
    "stats_month_hint": ("Fx 2026-01.", "E.g. 2026-01."),
    "invalid_month": ("Skriv en måned som år-måned, fx 2026-01.", "Enter a month as 2026-01."),
    "to_before_from": (
        "Slutmåneden skal ligge efter startmåneden.",
        "The last month must come after the first.",
    ),
    "stats_hidden_heading": ("Hvorfor står der «<5»?", "Why does it say “<5”?"),
    "stats_hidden_note": (
        "«<5» betyder færre end 5 (også 0). Små tal vises ikke, så ingen person eller sag kan "
        "genkendes. Hvor et skjult tal ellers kunne regnes ud fra en total, er et tal mere "
        "skjult. Et gennemsnit eller en median af færre end 5 vises heller ikke.",
        "“<5” means fewer than 5 (0 included). Small numbers are hidden so that no person "
        "or case can be recognised. Where a hidden number could be worked out from a total, "
        "one more is hidden. An average or median of fewer than 5 is not shown either.",
    ),
    "stats_hidden_chart_note": (
        " (færre end 5: skjult, tegnet skraveret op til 4)",
        " (fewer than 5: hidden, drawn hatched up to 4)",
    ),
    "stats_hidden_abbr": ("færre end 5 – skjult", "fewer than 5 – hidden"),
    "stats_nothing": ("– betyder, at der ikke er noget at måle.", "– means nothing to measure."),
    "stats_csv": ("Hent tallene som CSV (dansk)", "Download the figures as CSV (Danish)"),
    "stats_csv_en": ("Hent som CSV på engelsk", "Download as CSV in English"),
    "stats_charts_heading": ("Overblik", "At a glance"),
    "stats_charts_hint": (
        "Skraverede søjler er skjulte tal («<5»). Tabellerne nedenfor har de samme tal.",
        "Hatched bars are hidden numbers (“<5”). The tables below hold the same figures.",
    ),
    "stats_tables_heading": ("Tallene", "The figures"),
    "stats_chart_flow": (
        "Anmodninger og accepterede sager pr. periode",
        "Requests and accepted cases by period",
    ),
    "stats_chart_outcomes": (
        "Afsluttede sager efter resultat pr. periode",
        "Closed cases by outcome, by period",
    ),
    "stats_chart_meetings": (
        "Afholdte møder efter type og form (hele perioden)",
        "Held meetings by kind and format (the whole range)",
    ),
    "stats_chart_follow_ups": (
        "Opfølgning: holdt aftalen? (hele perioden)",
        "Follow-up: did the agreement hold? (the whole range)",
    ),
    "stats_chart_evaluations": (
        "Parternes evaluering, gennemsnit på en skala fra 1 til 5 (hele perioden)",
        "The parties' evaluation, average on a scale of 1 to 5 (the whole range)",
    ),
    "stats_chart_nothing": ("Intet at vise i perioden.", "Nothing to show in the range."),
    "stats_question_short_heard": ("Følte sig hørt", "Felt heard"),
    "stats_question_short_respected": ("Mødt med respekt", "Met with respect"),
    "stats_question_short_understood": ("Forstod forløbet", "Understood the process"),
    "stats_question_short_useful": ("Fik noget ud af det", "Got something out of it"),
    "stats_question_short_recommend": ("Vil anbefale mægling", "Would recommend it"),
    "stats_figure": ("Tal", "Figure"),
    "stats_total": ("I alt", "Total"),
    "stats_section_cases": ("Anmodninger og forløb", "Requests and their course"),
    "stats_section_meetings": ("Afholdte møder", "Held meetings"),
    "stats_section_outcomes": ("Afsluttede sager efter resultat", "Closed cases by outcome"),
    "stats_section_waiting": (
        "Dage fra anmodning til første møde",
        "Days from request to first meeting",
    ),
    "stats_section_follow_ups": ("Opfølgning efter aftale", "Follow-up after an agreement"),
    "stats_section_evaluations": (
        "Parternes evaluering (1 = slet ikke, 5 = i meget høj grad)",
        "The parties' evaluation (1 = not at all, 5 = very much)",
    ),
    "stats_requests": ("Anmodninger", "Requests"),
    "stats_acceptances": ("Vurderet egnet", "Found suitable"),
    "stats_refused": ("Ikke åbnet eller afvist: {reason}", "Not opened or declined: {reason}"),
    "refusal_assessment_declined": ("vurderet ikke egnet", "found not suitable"),
    "refusal_in_complaint_handling": ("sagen er i klagebehandling", "in complaint handling"),
    "stats_consents_declined": ("En part sagde nej", "A party declined"),
    "stats_withdrawals": ("En deltager trak sig", "A participant withdrew"),
    "stats_waiting_cases": ("Sager med første møde", "Cases with a first meeting"),
    "stats_waiting_median": ("Median (dage)", "Median (days)"),
    "stats_waiting_p90": ("9 ud af 10 inden for (dage)", "9 in 10 within (days)"),
    "stats_answers": ("Besvarelser", "Answers"),
    "stats_comments_heading": ("Kommentarer fra evalueringerne", "Comments from the evaluations"),
    "stats_comments_hint": (
        "Som tjenesten giver dem: samlet for hele perioden, i tilfældig rækkefølge og kun når "
        "der er mindst 5 besvarelser; aldrig med dato, sag eller person.",
        "As the service gives them: for the whole range, in random order, and only with at "
        "least 5 answers; never with a date, case or person.",
    ),
    "stats_no_comments": ("Ingen kommentarer at vise.", "No comments to show."),
    # --- the public evaluation ---------------------------------------------------------------
    "evaluation_title": ("Evaluering af mæglingen", "Evaluation of the mediation"),
    "evaluation_intro": (
        "Tak, fordi du vil hjælpe kommunen med at blive bedre til at mødes med borgerne. "
        "Det tager et par minutter.",
        "Thank you for helping the municipality meet citizens better. It takes a couple of "
        "minutes.",
    ),
    "evaluation_voluntary": (
        "Det er frivilligt at svare, og du er anonym: dit svar gemmes uden dit navn, din sag "
        "og dette link, så ingen – heller ikke din mægler – kan se, hvad du har svaret. Du kan "
        "springe alle spørgsmål over. Linket kan kun bruges én gang.",
        "Answering is voluntary and you are anonymous: your answer is kept without your name, "
        "your case and this link, so no one – not even your mediator – can see what you "
        "answered. You may skip any question. The link works only once.",
    ),
    "evaluation_expires": ("Linket virker til og med {date}.", "The link works until {date}."),
    "evaluation_scale_hint": (
        "1 betyder slet ikke, 5 betyder i meget høj grad.",
        "1 means not at all, 5 means very much.",
    ),
    "evaluation_score_1": ("1 – slet ikke", "1 – not at all"),
    "evaluation_score_5": ("5 – i meget høj grad", "5 – very much"),
    "evaluation_no_answer": ("Vil ikke svare", "Rather not say"),
    "evaluation_comment": ("Vil du sige mere?", "Anything you would like to add?"),
    "evaluation_comment_hint": (
        "Højst 1000 tegn. Skriv ikke navne eller andet, der kan genkende dig eller andre: "
        "kommentarer kan blive vist samlet for kommunens ledelse.",
        "At most 1000 characters. Do not write names or anything that could identify you or "
        "others: comments may be shown, all together, to the municipality's management.",
    ),
    "evaluation_button": ("Send dit svar", "Send your answer"),
    "evaluation_thanks_title": ("Tak for dit svar", "Thank you for your answer"),
    "evaluation_thanks_text": (
        "Dit svar er gemt anonymt. Det hjælper kommunen med at blive bedre. Du kan lukke siden nu.",
        "Your answer is kept anonymously. It helps the municipality do better. You can close "
        "this page now.",
    ),
    "evaluation_invalid_title": ("Linket kan ikke bruges mere", "The link cannot be used"),
    "evaluation_invalid_text": (
        "Enten er evalueringen allerede besvaret, eller linket er udløbet. Hvert link kan kun "
        "bruges én gang, så ingen kan se, hvem der har svaret. Du behøver ikke gøre mere – "
        "tak for din interesse.",
        "Either the evaluation was already answered, or the link has expired. Each link works "
        "only once, so no one can tell who answered. There is nothing more you need to do – "
        "thank you for your interest.",
    ),
}
