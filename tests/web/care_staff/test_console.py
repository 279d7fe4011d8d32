"""The coordinator console: the queue (own organisation only, urgent first and labelled, flags, filters) and one
request's page (frozen assessment, answers, de-identified imaging, consent, routing, messages, urgent prompt)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from care_staff_world import World, make_user
from django.urls import reverse
from django.utils.html import escape

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action, AuditEvent
from spinepath.web.care import workflow
from spinepath.web.care.models import (
    Message,
    Notification,
    RequestEvent,
    Routing,
    RoutingStatus,
    TreatmentRequest,
    Upload,
    UploadStatus,
)

pytestmark = pytest.mark.django_db
QUEUE = "console:queue"


def queue_html(world: World, **filters: str) -> str:
    response = world.client("coordinator").get(reverse(QUEUE), filters)
    assert response.status_code == 200
    return response.content.decode()


def listed(html: str) -> list[str]:
    """The references in the queue, in the order shown."""
    return re.findall(r'<th scope="row"><a href="[^"]+">(SP-[A-Z0-9]+)</a></th>', html)


def row_of(html: str, reference: str) -> str:
    match = re.search(rf'<tr class="[^"]*">\s*<th scope="row"><a href="[^"]+">{reference}</a>.*?</tr>', html, re.S)
    assert match, f"{reference} is not in the queue"
    return match.group(0)


# ---- the queue ---------------------------------------------------------------------------------------------------


def test_the_queue_lists_only_the_organisations_own_requests(world: World, make_request: Callable[..., Any]) -> None:
    stranger = make_user("stranger", Role.PATIENT)
    theirs = make_request(stranger, world.other_organisation, [world.hospitals["elsewhere"]])

    mine = listed(queue_html(world))
    other_coordinator = world.client("other_coordinator").get(reverse(QUEUE)).content.decode()

    assert mine == [world.request.reference]
    assert listed(other_coordinator) == [theirs.reference]


def test_emergency_and_urgent_requests_come_first_with_a_label_in_words(
        world: World, make_request: Callable[..., Any]) -> None:
    patient = world.users["patient_owner"]
    consented = [world.hospitals["spare"]]
    urgent = make_request(patient, world.organisation, consented, example="02")
    emergency = make_request(patient, world.organisation, consented, example="01")
    assert (urgent.urgency, emergency.urgency, world.request.urgency) == ("urgent", "emergency", "routine")

    html = queue_html(world, sort="newest")

    assert listed(html) == [emergency.reference, urgent.reference, world.request.reference]
    assert ">EMERGENCY</strong>" in row_of(html, emergency.reference)
    assert ">URGENT</strong>" in row_of(html, urgent.reference)
    assert "Not urgent" in row_of(html, world.request.reference)
    assert "patient not yet told to seek care" in row_of(html, emergency.reference)


def _no_consent(world: World, make_request: Callable[..., Any]) -> TreatmentRequest:
    return make_request(world.users["patient_owner"], world.organisation, [])


def _processing(world: World, make_request: Callable[..., Any]) -> TreatmentRequest:
    request_obj = make_request(world.users["patient_owner"], world.organisation, [world.hospitals["spare"]])
    Upload.objects.create(request=request_obj, original_name="x.zip", original="originals/x.zip", size=1,
                          sha256="0" * 64, status=UploadStatus.PROCESSING)
    return request_obj


def _info_requested(world: World, make_request: Callable[..., Any]) -> TreatmentRequest:
    routing = world.request.routings.get()
    workflow.respond(routing, world.users["surgeon_routed"], "more_information", {"question": "Any X-rays?"})
    return world.request


FLAGS = [
    pytest.param(_no_consent, "No consent", "no_consent", id="no-consent"),
    pytest.param(_processing, "Imaging processing", "processing", id="imaging-processing"),
    pytest.param(_info_requested, "More information requested", "info_requested", id="more-information-requested"),
]


@pytest.mark.parametrize(("make", "flag", "completeness"), FLAGS)
def test_a_request_shows_what_it_lacks_and_can_be_filtered_by_it(
        world: World, make_request: Callable[..., Any], make: Callable[..., TreatmentRequest], flag: str,
        completeness: str) -> None:
    request_obj = make(world, make_request)

    html = queue_html(world)
    filtered = listed(queue_html(world, completeness=completeness))

    assert flag in row_of(html, request_obj.reference)
    assert filtered == [request_obj.reference]


def test_a_request_without_dicom_says_no_mri_yet(world: World, make_request: Callable[..., Any]) -> None:
    without = make_request(world.users["patient_owner"], world.organisation, [world.hospitals["spare"]])

    html = queue_html(world)

    assert "No MRI yet" in row_of(html, without.reference)
    assert "No MRI yet" not in row_of(html, world.request.reference)
    assert listed(queue_html(world, completeness="no_mri")) == [without.reference]
    assert listed(queue_html(world, completeness="complete")) == [world.request.reference]


FILTERS = [
    pytest.param({"urgency": "urgent"}, ["urgent"], id="urgency"),
    pytest.param({"procedure": "mis_tlif"}, ["fusion"], id="procedure"),
    pytest.param({"country": "IN"}, ["india"], id="country"),
    pytest.param({"status": "withdrawn"}, ["withdrawn"], id="status-withdrawn"),
    pytest.param({}, ["urgent", "world", "fusion", "india"], id="default-open-only"),
    pytest.param({"status": "all", "sort": "reference"}, None, id="all-sorted-by-reference"),
]


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_filters(world: World, make_request: Callable[..., Any], filters: dict[str, str],
                 expected: list[str] | None) -> None:
    patient, spare = world.users["patient_owner"], [world.hospitals["spare"]]
    made = {
        "world": world.request,
        "urgent": make_request(patient, world.organisation, spare, example="02"),
        "fusion": make_request(patient, world.organisation, spare, procedures=("mis_tlif",)),
        "india": make_request(patient, world.organisation, spare, countries=("IN",)),
        "withdrawn": workflow.withdraw(make_request(patient, world.organisation, spare), patient),
    }
    by_reference = {r.reference: name for name, r in made.items()}

    shown = [by_reference[reference] for reference in listed(queue_html(world, **filters))]

    if expected is None:  # every request, urgent ones first, then by reference
        rest = sorted((n for n in made if n != "urgent"), key=lambda n: made[n].reference)
        assert shown == ["urgent", *rest]
    else:
        assert shown == expected


def test_a_stale_filter_value_still_shows_the_queue_with_the_other_filters(
        world: World, make_request: Callable[..., Any]) -> None:
    make_request(world.users["patient_owner"], world.organisation, [world.hospitals["spare"]], example="02")

    assert listed(queue_html(world, status="nonsense", sort="nonsense", urgency="routine")) == [
        world.request.reference]


# ---- one request -------------------------------------------------------------------------------------------------


def detail(world: World, role: str = "coordinator") -> str:
    response = world.client(role).get(reverse("console:detail", kwargs={"reference": world.request.reference}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_request_page_shows_the_frozen_assessment_answers_imaging_and_consent(world: World) -> None:
    html = detail(world)
    frozen = world.request.assessment

    # The frozen assessment: urgency, next step, every procedure with its status label and sourced reasons.
    assert "Not urgent" in html
    assert "An appointment with a spine specialist" in html or "Care without surgery" in html
    microdiscectomy = next(p for p in frozen["procedures"] if p["procedure"] == "microdiscectomy")
    assert escape(microdiscectomy["reasons"][0]["text"]).split(":")[0] in html
    assert f"[{microdiscectomy['reasons'][0]['source']}]" in html
    # The answers, under the questions the patient was asked.
    assert "How old are you?" in html
    # De-identified previews only, through the access-checked file view; never the original file or its name.
    assert reverse("files:preview", kwargs={"reference": world.request.reference, "file_id": world.dicom.pk}) in html
    assert world.dicom.original.name not in html
    assert "Jane Doe" not in html
    assert "text burned into the pixels" in html
    # No PDF link: the patient did not agree to share reports as they are.
    assert "/report/" not in html
    # Consent: hospitals, version, when.
    assert workflow.CONSENT_TEXT_VERSION in html
    assert "Spare Hospital (Izmir)" in html
    # Timeline.
    assert "Sent to Routed Hospital" in html
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="request",
                                     request_reference=world.request.reference,
                                     actor_id=world.users["coordinator"].pk).exists()


def test_routing_offers_only_consented_hospitals_offering_a_procedure_of_interest(world: World) -> None:
    html = detail(world)

    offered = set(re.findall(r'name="hospitals" value="(\d+)"', html))

    assert offered == {str(world.hospitals[slug].pk) for slug in ("other", "spare")}
    assert "Other Hospital, Ankara (TR) — " in html  # with the procedures it offers


ROUTES = [
    pytest.param("spare", None, id="consented-and-offers-the-procedure"),
    pytest.param("no-procedure", "does not offer the procedure", id="does-not-offer-the-procedure"),
    pytest.param("no-consent", "did not consent", id="not-consented"),
    pytest.param("routed", "already there", id="already-routed"),
    pytest.param("elsewhere", "did not consent", id="another-organisations-hospital"),
]


@pytest.mark.parametrize(("slug", "refused"), ROUTES)
def test_routing_to_a_hospital(world: World, slug: str, refused: str | None) -> None:
    hospital = world.hospitals[slug]
    before = Routing.objects.count()
    url = reverse("console:route", kwargs={"reference": world.request.reference})

    response = world.client("coordinator").post(url, {"hospitals": [hospital.pk]})

    if refused is None:
        assert response.status_code == 302
        assert Routing.objects.filter(request=world.request, hospital=hospital).exists()
    else:
        html = response.content.decode()
        assert response.status_code == 200
        assert Routing.objects.count() == before
        field = re.search(r'id="q-hospitals".*?</fieldset>', html, re.S)
        assert field and "error-message" in field.group(0) and refused in field.group(0)
        assert "There is a problem" in html


def test_routing_with_nothing_chosen_says_so(world: World) -> None:
    url = reverse("console:route", kwargs={"reference": world.request.reference})
    response = world.client("coordinator").post(url, {})
    assert response.status_code == 200
    assert "Choose at least one hospital." in response.content.decode()


def test_routing_notifies_the_hospitals_surgeons_and_the_patient(world: World) -> None:
    surgeon = make_user("spare-surgeon", Role.SURGEON, hospital=world.hospitals["spare"])
    url = reverse("console:route", kwargs={"reference": world.request.reference})

    world.client("coordinator").post(url, {"hospitals": [world.hospitals["spare"].pk]})

    assert Notification.objects.filter(user=surgeon, request=world.request).exists()
    assert Notification.objects.filter(user=world.users["patient_owner"], request=world.request).count() >= 2


def test_a_message_reaches_the_patient_and_an_empty_one_is_refused_beside_the_box(world: World) -> None:
    url = reverse("console:message", kwargs={"reference": world.request.reference})
    client = world.client("coordinator")

    empty = client.post(url, {"body": "   "})
    sent = client.post(url, {"body": "Could you send the MRI report?"})

    assert empty.status_code == 200
    assert re.search(r'id="q-body".*?error-message', empty.content.decode(), re.S)
    assert sent.status_code == 302
    message = Message.objects.get(request=world.request)
    assert (message.body, message.author_role) == ("Could you send the MRI report?", Role.COORDINATOR)
    assert Notification.objects.filter(user=world.users["patient_owner"], text__contains="New message").exists()
    assert "Could you send the MRI report?" in detail(world)


@pytest.mark.parametrize(("example", "label"), [("01", "EMERGENCY"), ("02", "URGENT")])
def test_an_urgent_assessment_has_a_one_click_prompt_to_seek_care_now(
        world: World, make_request: Callable[..., Any], example: str, label: str) -> None:
    request_obj = make_request(world.users["patient_owner"], world.organisation, [world.hospitals["spare"]],
                               example=example)
    page = reverse("console:detail", kwargs={"reference": request_obj.reference})
    client = world.client("coordinator")

    before = client.get(page).content.decode()
    sent = client.post(reverse("console:prompt_urgent", kwargs={"reference": request_obj.reference}))
    after = client.get(page).content.decode()

    assert f"This assessment is {label}: tell the patient to seek care now, do not wait for a plan." in before
    assert "Not sent to the patient yet." in before
    assert sent.status_code == 302
    assert RequestEvent.objects.filter(request=request_obj, kind="urgent_prompted").exists()
    assert Message.objects.filter(request=request_obj, body__contains="do not wait").exists()
    assert "Already sent to the patient on" in after


def test_a_routine_assessment_has_no_urgent_prompt_and_the_button_refuses(world: World) -> None:
    html = detail(world)
    response = world.client("coordinator").post(
        reverse("console:prompt_urgent", kwargs={"reference": world.request.reference}), follow=True)

    assert "tell the patient to seek care now" not in html
    assert "This assessment is not urgent" in response.content.decode()
    assert not RequestEvent.objects.filter(request=world.request, kind="urgent_prompted").exists()


def test_the_console_shows_every_hospitals_answers(world: World) -> None:
    routing = world.request.routings.get()
    workflow.respond(routing, world.users["surgeon_routed"], "decline", {"decline_reason": "Too far for us."})

    html = detail(world)

    assert "Too far for us." in html
    assert routing.hospital.name in html
    routing.refresh_from_db()
    assert routing.status == RoutingStatus.DECLINED


def test_the_console_speaks_turkish(world: World) -> None:
    html = world.client("coordinator").get("/tr/console/").content.decode()
    page = world.client("coordinator").get(f"/tr/console/{world.request.reference}/").content.decode()

    assert "Talep kuyruğu" in html
    assert "Hastanın yanıtları" in page and "Hastanelere gönder" in page
