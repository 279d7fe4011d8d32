"""FHIR through the API: Questionnaires out, QuestionnaireResponses in (validated, 422 naming the item) and out
again (a round trip keeps every answer), with the session's access rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from spinepath.core.outcomes import INSTRUMENT_IDS, instrument
from spinepath.fhir import questionnaire_response
from spinepath.web.outcomes.models import QuestionnaireSubmission

from .conftest import accepted_request

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("instrument_id", ["start_back", "nrs-leg-pain", "odi"])
def test_questionnaires_are_served_as_fhir(make_patient: Any, instrument_id: str) -> None:
    response = _client(make_patient()).get(f"/api/v1/questionnaires/{instrument_id}")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "Questionnaire" and body["url"].endswith(instrument_id.replace("-", "_"))


def test_questionnaire_list_and_unknown_id(make_patient: Any) -> None:
    client = _client(make_patient())
    assert client.get("/api/v1/questionnaires").json()["total"] == len(INSTRUMENT_IDS) == 13  # scored-only ones too
    assert client.get("/api/v1/questionnaires/nope").status_code == 404
    assert Client().get("/api/v1/questionnaires").status_code == 401


def test_round_trip_import_then_export(make_patient: Any, world: dict[str, Any], move_to: Any) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world)
    start_back = instrument("start_back")
    answers = {item.id: 1 for item in start_back.items} | {"bothersomeness": 3}
    resource = json.loads(questionnaire_response(start_back, answers).model_dump_json(exclude_none=True))
    client = _client(patient)
    response = client.post(f"/api/v1/questionnaire-responses?timepoint=baseline&request_reference="
                           f"{request_obj.reference}", json.dumps(resource), content_type="application/fhir+json")
    assert response.status_code == 201, response.content
    assert response.json()["score"]["band"] == "high risk"
    assert QuestionnaireSubmission.objects.get().source == "fhir"

    bundle = client.get("/api/v1/questionnaire-responses").json()
    exported = bundle["entry"][0]["resource"]
    assert exported["resourceType"] == "QuestionnaireResponse"
    from spinepath.fhir import answers_from_response

    assert answers_from_response(exported, start_back) == answers

    coordinator = _client(world["coordinator"])
    assert coordinator.get(f"/api/v1/questionnaire-responses?request_reference={request_obj.reference}") \
        .json()["total"] == 1
    assert _client(world["other_coordinator"]).get(
        f"/api/v1/questionnaire-responses?request_reference={request_obj.reference}").status_code == 404
    assert _client(make_patient()).get("/api/v1/questionnaire-responses").json()["total"] == 0


def test_an_invalid_response_is_422_naming_the_item(make_patient: Any, move_to: Any) -> None:
    resource = {"resourceType": "QuestionnaireResponse", "status": "completed",
                "questionnaire": "urn:spinepath:questionnaire:nrs_leg_pain|1",
                "item": [{"linkId": "pian", "answer": [{"valueInteger": 3}]}]}
    response = _client(make_patient()).post("/api/v1/questionnaire-responses", json.dumps(resource),
                                             content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["pointer"] == "/item/0/linkId" and "pian" in detail[0]["message"]
    assert not QuestionnaireSubmission.objects.exists()
