"""Hospital review: a surgeon's list and request page (their own hospital's routing only, de-identified images,
the study as a zip), and the answer form (plan validation beside each field, nothing typed lost), through to the
patient accepting a plan and the other hospitals being told."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from care_staff_world import World, make_user
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spinepath.web.accounts.models import Role
from spinepath.web.care import workflow
from spinepath.web.care.models import HospitalResponse, Notification, RequestStatus, RoutingStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
IN_A_MONTH = (TODAY + datetime.timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - datetime.timedelta(days=1)).isoformat()


def a_plan(**changes: Any) -> dict[str, Any]:
    plan = {"kind": "plan", "procedure_id": "microdiscectomy", "levels": ["L5-S1"], "anaesthesia": "general",
            "expected_stay_nights": "2", "cost_min": "6000", "cost_max": "8000", "currency": "EUR",
            "earliest_date": IN_A_MONTH, "valid_until": IN_A_MONTH, "notes": "Physiotherapy from day one."}
    plan.update(changes)
    return {key: value for key, value in plan.items() if value is not None}


def respond(world: World, data: dict[str, Any], role: str = "surgeon_routed") -> Any:
    return world.client(role).post(reverse("review:respond", kwargs={"reference": world.request.reference}), data)


def field_html(html: str, name: str) -> str:
    match = re.search(rf'<div class="field[^"]*" id="q-{name}">.*?</div>\s*(?=<div class="field|</fieldset>|</div>)',
                      html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


def test_the_list_shows_requests_routed_to_the_surgeons_hospital_only(world: World) -> None:
    routed = world.client("surgeon_routed").get(reverse("review:queue")).content.decode()
    other = world.client("surgeon_other").get(reverse("review:queue")).content.decode()

    assert world.request.reference in routed
    assert "Waiting for the hospital" in routed
    assert world.request.reference not in other


def test_the_request_page_shows_de_identified_material_and_never_another_hospitals_plan(world: World) -> None:
    spare_surgeon = make_user("spare-surgeon", Role.SURGEON, hospital=world.hospitals["spare"])
    workflow.route(world.request, [world.hospitals["spare"]], world.users["coordinator"])
    spare = world.request.routings.get(hospital=world.hospitals["spare"])
    workflow.respond(spare, spare_surgeon, "plan", {
        "procedure_id": "microdiscectomy", "levels": ["L5-S1"], "anaesthesia": "general",
        "expected_stay_nights": 3, "cost_min": 12345, "cost_max": 23456, "currency": "USD",
        "earliest_date": TODAY, "valid_until": TODAY, "notes": "Spare's own notes"})

    response = world.client("surgeon_routed").get(reverse("review:detail",
                                                          kwargs={"reference": world.request.reference}))
    html = response.content.decode()

    assert response.status_code == 200
    assert "How old are you?" in html  # the answers
    assert "may be suitable — a specialist decides" in html  # the frozen assessment
    assert reverse("files:study", kwargs={"reference": world.request.reference}) in html
    assert reverse("files:preview", kwargs={"reference": world.request.reference, "file_id": world.dicom.pk}) in html
    assert "text burned into the pixels" in html
    for secret in ("12345", "23456", "Spare&#x27;s own notes", "Spare Hospital", "Consent given"):
        assert secret not in html, f"{secret!r} belongs to another hospital or to the coordinators"


def test_only_the_hospitals_own_procedures_are_offered(world: World) -> None:
    html = world.client("surgeon_routed").get(
        reverse("review:detail", kwargs={"reference": world.request.reference})).content.decode()

    offered = re.findall(r'<option value="([a-z_]+)"', field_html(html, "procedure_id"))

    assert offered == ["microdiscectomy", "mis_tlif"]
    response = respond(world, a_plan(procedure_id="mild"))
    assert "Your hospital does not offer this procedure" in field_html(response.content.decode(), "procedure_id")


INVALID = [
    pytest.param(a_plan(cost_min="9000", cost_max="8000"), "cost_max", "must not be below the lowest",
                 id="cost-from-above-cost-to"),
    pytest.param(a_plan(earliest_date=YESTERDAY), "earliest_date", "in the past", id="earliest-date-in-the-past"),
    pytest.param(a_plan(valid_until=YESTERDAY), "valid_until", "in the past", id="valid-until-in-the-past"),
    pytest.param(a_plan(currency=None), "currency", "A treatment plan needs this", id="plan-without-currency"),
    pytest.param(a_plan(currency="XYZ"), "currency", "not one of the available choices", id="not-iso-4217"),
    pytest.param(a_plan(cost_min="-1"), "cost_min", "greater than or equal to 0", id="negative-cost"),
    pytest.param(a_plan(levels=["L6-S1"]), "levels", "not one of the available choices", id="unknown-level"),
    pytest.param(a_plan(expected_stay_nights="two"), "expected_stay_nights", "whole number", id="stay-in-words"),
    pytest.param({"kind": "more_information"}, "question", "Write what you need to know", id="question-missing"),
    pytest.param({"kind": "decline"}, "decline_reason", "Give the patient a reason", id="decline-without-reason"),
    pytest.param({}, "kind", "Choose a plan", id="no-kind"),
]


@pytest.mark.parametrize(("data", "field", "message"), INVALID)
def test_an_invalid_answer_is_shown_beside_its_field_and_nothing_typed_is_lost(
        world: World, data: dict[str, Any], field: str, message: str) -> None:
    response = respond(world, {**data, "notes": "Typed with care"})
    html = response.content.decode()

    assert response.status_code == 200
    assert message in field_html(html, field)
    assert 'class="error-message"' in field_html(html, field)
    assert "There is a problem" in html
    assert "Typed with care" in field_html(html, "notes")
    for name in ("cost_min", "cost_max"):
        if name in data:
            assert f'value="{data[name]}"' in field_html(html, name)
    assert not HospitalResponse.objects.exists()


def test_a_decline_closes_the_hospitals_part_and_the_form(world: World) -> None:
    response = respond(world, {"kind": "decline", "decline_reason": "No capacity this year."})
    page = world.client("surgeon_routed").get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert world.request.routings.get().status == RoutingStatus.DECLINED
    assert "No capacity this year." in page
    assert "Answer this request" not in page
    again = respond(world, {"kind": "decline", "decline_reason": "Twice"})
    assert "no longer open for an answer" in again.content.decode()


def test_a_plan_reaches_the_patient_who_accepts_it_and_the_other_hospitals_are_told(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    spare_surgeon = make_user("spare-surgeon", Role.SURGEON, hospital=world.hospitals["spare"])
    workflow.route(world.request, [world.hospitals["spare"]], world.users["coordinator"])
    patient = world.users["patient_owner"]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = respond(world, a_plan())

    assert response.status_code == 302
    plan = HospitalResponse.objects.get()
    assert (plan.kind, plan.procedure_id, plan.levels, plan.currency) == ("plan", "microdiscectomy", ["L5-S1"], "EUR")
    assert Notification.objects.filter(user=patient, text__contains="sent a treatment plan").exists()
    assert patient.email in [address for message in mail.outbox for address in message.to]
    assert "6000" not in "".join(message.body for message in mail.outbox), "no clinical or price detail by e-mail"
    assert world.refresh().status == RequestStatus.PLANS_RECEIVED

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.accept_plan(plan, patient)

    spare = world.request.routings.get(hospital=world.hospitals["spare"])
    assert spare.status == RoutingStatus.CLOSED
    assert world.refresh().status == RequestStatus.ACCEPTED
    assert Notification.objects.filter(user=spare_surgeon, text__contains="closed").exists()
    assert spare_surgeon.email in [address for message in mail.outbox for address in message.to]
    assert Notification.objects.filter(user=world.users["surgeon_routed"], text__contains="accepted").exists()
    detail = reverse("review:detail", kwargs={"reference": world.request.reference})
    assert "accepted by the patient" in world.client("surgeon_routed").get(detail).content.decode()
    # The other hospital's surgeon sees their part closed, not whose plan was chosen nor its price.
    spare_client = Client()
    spare_client.force_login(spare_surgeon)
    spare_page = spare_client.get(detail).content.decode()
    assert "Closed" in spare_page
    assert "Routed Hospital" not in spare_page and "6000" not in spare_page


def test_a_surgeon_of_another_hospital_gets_nothing(world: World) -> None:
    client = world.client("surgeon_other")
    reference = world.request.reference
    urls = [reverse("review:detail", kwargs={"reference": reference}),
            reverse("files:preview", kwargs={"reference": reference, "file_id": world.dicom.pk}),
            reverse("files:study", kwargs={"reference": reference}),
            f"/api/v1/requests/{reference}"]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404, 404]
    assert respond(world, a_plan(), role="surgeon_other").status_code == 404
    assert not HospitalResponse.objects.exists()
