"""The requests API (/api/v1/requests): what each role sees, the errors (401, 403, 404, 409, 422 naming fields),
CSRF for changes, and the audit trail."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from care_staff_world import World, make_user
from django.test import Client
from django.utils import timezone

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action, AuditEvent
from spinepath.web.care import workflow
from spinepath.web.care.models import HospitalResponse, Message, Routing

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LATER = (TODAY + datetime.timedelta(days=10)).isoformat()


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body if isinstance(body, str) else json.dumps(body), content_type="application/json")


def url(world: World, tail: str = "") -> str:
    return f"/api/v1/requests/{world.request.reference}{tail}"


def test_the_list_has_the_visible_requests_as_summaries(world: World) -> None:
    listed = world.client("coordinator").get("/api/v1/requests").json()

    assert [r["reference"] for r in listed] == [world.request.reference]
    assert set(listed[0]) == {"reference", "kind", "status", "urgency", "procedures", "countries", "created_at",
                              "submitted_at", "updated_at", "routings"}
    assert world.client("other_coordinator").get("/api/v1/requests").json() == []
    assert world.client("admin").get("/api/v1/requests").json() == []
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="request_list",
                                     actor_id=world.users["coordinator"].pk).exists()


def test_a_surgeon_sees_only_their_hospitals_part_and_never_an_original(world: World) -> None:
    spare_surgeon = make_user("spare-surgeon", Role.SURGEON, hospital=world.hospitals["spare"])
    workflow.route(world.request, [world.hospitals["spare"]], world.users["coordinator"])
    workflow.respond(world.request.routings.get(hospital=world.hospitals["spare"]), spare_surgeon, "plan", {
        "procedure_id": "microdiscectomy", "levels": [], "anaesthesia": "general", "expected_stay_nights": 1,
        "cost_min": 111, "cost_max": 222, "currency": "EUR", "earliest_date": TODAY, "valid_until": TODAY})
    workflow.post_message(world.request, world.users["coordinator"], "Private word for the patient")

    response = world.client("surgeon_routed").get(url(world))
    body = response.json()
    text = response.content.decode()

    assert response.status_code == 200
    assert [r["hospital"]["name"] for r in body["routings_detail"]] == ["Routed Hospital"]
    assert [r["hospital"]["name"] for r in body["routings"]] == ["Routed Hospital"]
    assert "222" not in text and "Spare Hospital" not in text
    assert body["consent"] is None and body["messages"] == []
    assert "Private word" not in text
    assert body["assessment"] == world.request.assessment and body["intake"] == world.request.intake
    dicom = next(f for f in body["imaging"] if f["kind"] == "dicom")
    assert dicom["download_url"].endswith(f"/{world.dicom.pk}/dicom/")
    assert all(f["kind"] != "pdf" for f in body["imaging"]), "reports were not shared as they are"
    assert "original" not in text
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="request", detail="api",
                                     request_reference=world.request.reference,
                                     actor_id=world.users["surgeon_routed"].pk).exists()


def test_the_coordinator_sees_every_hospitals_answer_consent_and_messages(world: World) -> None:
    workflow.respond(world.request.routings.get(), world.users["surgeon_routed"], "decline",
                     {"decline_reason": "Not for us"})
    workflow.post_message(world.request, world.users["patient_owner"], "Hello")

    body = world.client("coordinator").get(url(world)).json()

    assert body["routings_detail"][0]["responses"][0]["decline_reason"] == "Not for us"
    assert {h["name"] for h in body["consent"]["hospitals"]} >= {"Routed Hospital", "Spare Hospital"}
    assert [m["body"] for m in body["messages"]] == ["Hello"]
    assert any(e["kind"] == "routed" for e in body["timeline"])


INVALID = [
    pytest.param("coordinator", "/routings", {"hospitals": []}, {"/hospitals"}, id="routing-to-nobody"),
    pytest.param("coordinator", "/routings", {"hospitals": [999999]}, {"/hospitals"}, id="unknown-hospital"),
    pytest.param("coordinator", "/routings", {"hospitals": "spare"}, {"/hospitals"}, id="hospitals-not-a-list"),
    pytest.param("coordinator", "/routings", {"hospital": [1]}, {"/hospital", "/hospitals"}, id="misspelt-field"),
    pytest.param("coordinator", "/routings", "[1, 2]", {""}, id="body-not-an-object"),
    pytest.param("coordinator", "/routings", "{", {""}, id="body-not-json"),
    pytest.param("surgeon_routed", "/responses",
                 {"kind": "plan", "procedure_id": "microdiscectomy", "anaesthesia": "general",
                  "expected_stay_nights": 1, "cost_min": 9, "cost_max": 5, "currency": "EUR",
                  "earliest_date": "2000-01-01", "valid_until": LATER},
                 {"/cost_max", "/earliest_date"}, id="plan-cost-and-date"),
    pytest.param("surgeon_routed", "/responses", {"kind": "plan", "procedure_id": "mild"},
                 {"/procedure_id", "/anaesthesia", "/expected_stay_nights", "/cost_min", "/cost_max", "/currency",
                  "/earliest_date", "/valid_until"}, id="plan-missing-everything"),
    pytest.param("surgeon_routed", "/responses", {"kind": "shrug"}, {"/kind"}, id="unknown-kind"),
    pytest.param("coordinator", "/messages", {"body": "  "}, {"/body"}, id="empty-message"),
    pytest.param("coordinator", "/messages", {"body": "x" * 4001}, {"/body"}, id="message-too-long"),
]


@pytest.mark.parametrize(("role", "tail", "body", "pointers"), INVALID)
def test_invalid_input_is_422_naming_every_offending_field(
        world: World, role: str, tail: str, body: Any, pointers: set[str]) -> None:
    response = post(world.client(role), url(world, tail), body)

    assert response.status_code == 422
    assert {problem["pointer"] for problem in response.json()["detail"]} == pointers
    assert all(problem["message"] for problem in response.json()["detail"])
    assert AuditEvent.objects.filter(action=Action.DENIED, request_reference=world.request.reference,
                                     detail__startswith="invalid").exists()


def test_routing_to_a_hospital_without_consent_is_422_with_the_workflows_reason(world: World) -> None:
    response = post(world.client("coordinator"), url(world, "/routings"),
                    {"hospitals": [world.hospitals["no-consent"].pk]})

    assert response.status_code == 422
    assert response.json()["detail"][0]["pointer"] == "/hospitals"
    assert "did not consent" in response.json()["detail"][0]["message"]


def test_a_change_the_request_no_longer_allows_is_409(world: World) -> None:
    client = world.client("surgeon_routed")
    assert post(client, url(world, "/responses"), {"kind": "decline", "decline_reason": "No"}).status_code == 201

    again = post(client, url(world, "/responses"), {"kind": "decline", "decline_reason": "Still no"})

    assert again.status_code == 409
    assert "no longer open" in again.json()["detail"]


def test_a_plan_through_the_api(world: World) -> None:
    response = post(world.client("surgeon_routed"), url(world, "/responses"), {
        "kind": "plan", "procedure_id": "mis_tlif", "levels": ["L4-L5", "L5-S1"], "anaesthesia": "general",
        "expected_stay_nights": 4, "cost_min": "12000.50", "cost_max": 15000, "currency": "GBP",
        "earliest_date": LATER, "valid_until": LATER, "notes": None})

    assert response.status_code == 201, response.content
    plan = HospitalResponse.objects.get()
    assert (plan.procedure_id, plan.levels, str(plan.cost_min), plan.currency) == (
        "mis_tlif", ["L4-L5", "L5-S1"], "12000.50", "GBP")
    assert response.json()["id"] == plan.pk


def test_changes_need_the_csrf_token_once_signed_in_and_anonymous_calls_are_401(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    body = {"hospitals": [world.hospitals["spare"].pk]}

    anonymous = post(browser, url(world, "/routings"), body)
    browser.force_login(world.users["coordinator"])
    no_token = post(browser, url(world, "/routings"), body)
    browser.get(f"/en/console/{world.request.reference}/")  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    with_token = browser.post(url(world, "/routings"), json.dumps(body), content_type="application/json",
                              headers={"X-CSRFToken": token})

    assert (anonymous.status_code, no_token.status_code, with_token.status_code) == (401, 403, 201)
    assert Routing.objects.filter(hospital=world.hospitals["spare"]).count() == 1


def test_a_patient_may_message_through_the_api(world: World) -> None:
    response = post(world.client("patient_owner"), url(world, "/messages"), {"body": "Is there news?"})

    assert response.status_code == 201
    assert Message.objects.get().author_role == Role.PATIENT
