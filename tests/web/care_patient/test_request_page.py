"""The patient's request page: hospitals' plans side by side, accepting one, more-information requests and
declines, messages, withdrawing, notifications; and every view of the request and its plans in the audit trail."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care import workflow
from spinepath.web.care.models import HospitalResponse, Notification, RequestStatus, RoutingStatus, TreatmentRequest

from .conftest import plan_fields, send_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(patient_client: Client, directory: dict[str, Any], staff: dict[str, Any]) -> TreatmentRequest:
    request_obj = send_request(patient_client, [directory["istanbul"], directory["delhi"]])
    workflow.route(request_obj, [directory["istanbul"], directory["delhi"]], staff["coordinator"])
    return request_obj


def respond(request_obj: TreatmentRequest, directory: dict[str, Any], staff: dict[str, Any], hospital: str,
            kind: str, **fields: Any) -> HospitalResponse:
    routing = request_obj.routings.get(hospital=directory[hospital])
    return workflow.respond(routing, staff[hospital], kind, fields)


def test_plans_side_by_side(patient_client: Client, routed: TreatmentRequest, directory: dict[str, Any],
                            staff: dict[str, Any]) -> None:
    ist = respond(routed, directory, staff, "istanbul", "plan", **plan_fields())
    dlh = respond(routed, directory, staff, "delhi", "plan", **plan_fields(
        procedure_id="microdiscectomy", anaesthesia="general", expected_stay_nights=3, cost_min=3000, cost_max=3600,
        currency="USD", notes="Physiotherapy included."))
    HospitalResponse.objects.filter(pk=dlh.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    page = patient_client.get(f"/en/requests/{routed.reference}/").content.decode()
    table = page[page.index('<table class="care-plans">'):page.index("</table>")]
    for shown in ("Bosphorus Spine", "Delhi Spine Centre", "MILD (percutaneous", "Microdiscectomy (open",
                  "L4-L5", "Local anaesthesia with sedation", "General anaesthesia", "1 night", "3 nights",
                  "4000.00–5500.00 EUR", "3000.00–3600.00 USD", "Same-day discharge is common.",
                  "Physiotherapy included.", "(expired)", "Ask the hospital for an updated plan."):
        assert shown in table, shown
    assert f"/requests/{routed.reference}/plans/{ist.pk}/accept/" in table
    assert f"/plans/{dlh.pk}/accept/" not in table  # an expired plan cannot be accepted
    assert AuditEvent.objects.filter(action="view", object_type="plan", object_id=str(ist.pk)).exists()
    assert AuditEvent.objects.filter(action="view", object_type="request", request_reference=routed.reference,
                                     actor_role="patient").exists()


def test_accepting_a_plan_asks_first(patient_client: Client, routed: TreatmentRequest, directory: dict[str, Any],
                                     staff: dict[str, Any]) -> None:
    plan = respond(routed, directory, staff, "istanbul", "plan", **plan_fields())
    url = f"/en/requests/{routed.reference}/plans/{plan.pk}/accept/"
    confirm = patient_client.get(url).content.decode()
    assert "Accept the plan from Bosphorus Spine?" in confirm and "Delhi Spine Centre" in confirm
    routed.refresh_from_db()
    assert routed.status == RequestStatus.PLANS_RECEIVED  # looking is not accepting
    response = patient_client.post(url)
    assert response.status_code == 302
    routed.refresh_from_db()
    plan.refresh_from_db()
    assert routed.status == RequestStatus.ACCEPTED and plan.accepted_at is not None
    assert routed.routings.get(hospital=directory["delhi"]).status == RoutingStatus.CLOSED
    page = patient_client.get(response["Location"]).content.decode()
    assert "You accepted the plan from Bosphorus Spine" in page and "You accepted this plan." in page
    assert Notification.objects.filter(user=staff["istanbul"], request=routed).exists()


def test_an_expired_plan_cannot_be_accepted(patient_client: Client, routed: TreatmentRequest,
                                            directory: dict[str, Any], staff: dict[str, Any]) -> None:
    plan = respond(routed, directory, staff, "istanbul", "plan", **plan_fields())
    HospitalResponse.objects.filter(pk=plan.pk).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    response = patient_client.post(f"/en/requests/{routed.reference}/plans/{plan.pk}/accept/")
    assert response.status_code == 409
    assert "This plan is no longer valid" in response.content.decode()
    routed.refresh_from_db()
    assert routed.status == RequestStatus.PLANS_RECEIVED


def test_more_information_and_declines_are_shown(patient_client: Client, routed: TreatmentRequest,
                                                 directory: dict[str, Any], staff: dict[str, Any]) -> None:
    respond(routed, directory, staff, "istanbul", "more_information", question="Please send the sagittal T2 MRI.")
    respond(routed, directory, staff, "delhi", "decline", decline_reason="We do not treat this level.")
    page = patient_client.get(f"/en/requests/{routed.reference}/").content.decode()
    assert "Bosphorus Spine needs more information" in page and "Please send the sagittal T2 MRI." in page
    assert "Delhi Spine Centre declined" in page and "We do not treat this level." in page
    assert "Bosphorus Spine asked for more information" in page  # the timeline


def test_messages(patient_client: Client, routed: TreatmentRequest, staff: dict[str, Any]) -> None:
    url = f"/en/requests/{routed.reference}/messages/"
    empty = patient_client.post(url, {"body": "   "})
    assert "Write a message first." in empty.content.decode() and 'id="id_body_error"' in empty.content.decode()
    response = patient_client.post(url, {"body": "Can I bring my daughter?"})
    assert response.status_code == 302
    workflow.post_message(routed, staff["coordinator"], "Of course.")
    page = patient_client.get(f"/en/requests/{routed.reference}/").content.decode()
    assert "Can I bring my daughter?" in page and "Of course." in page and "Coordinator" in page
    assert Notification.objects.filter(user=staff["coordinator"], request=routed).exists()


def test_withdrawing(patient_client: Client, routed: TreatmentRequest, staff: dict[str, Any]) -> None:
    url = f"/en/requests/{routed.reference}/withdraw/"
    assert "The coordinators and the hospitals will be told" in patient_client.get(url).content.decode()
    response = patient_client.post(url)
    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.status == RequestStatus.WITHDRAWN
    assert Notification.objects.filter(user=staff["istanbul"], request=routed).exists()
    assert patient_client.post(url).status_code == 403  # visible, but no longer possible


def test_notifications_are_listed_and_marked_read(patient_client: Client, routed: TreatmentRequest,
                                                  directory: dict[str, Any], staff: dict[str, Any]) -> None:
    respond(routed, directory, staff, "istanbul", "plan", **plan_fields())
    mine = Notification.objects.filter(request=routed, user=routed.patient)
    assert mine.filter(read_at__isnull=True).count() >= 2  # routed, then the plan
    page = patient_client.get("/en/requests/notifications/").content.decode()
    assert "A hospital sent a treatment plan for your request" in page and "New" in page
    assert not mine.filter(read_at__isnull=True).exists()
    assert "New</strong>" not in patient_client.get("/en/requests/notifications/").content.decode()
