"""Starting a request from the self-check, filling in the draft, and sending it (verification, consent)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care.models import RequestStatus, TreatmentRequest
from spinepath.web.care.workflow import CONSENT_TEXT

from .conftest import example, form_data, future, start_request, with_assessment

pytestmark = pytest.mark.django_db


def test_results_page_offers_the_request(patient_client: Client) -> None:
    page = patient_client.get("/en/check/results/").content.decode()
    assert 'href="/en/requests/new/"' in page
    assert "Request an examination or treatment plan" in page


def test_signing_in_is_required_and_the_anonymous_assessment_survives_it(make_patient: Any,
                                                                         directory: dict[str, Any]) -> None:
    client = Client()
    with_assessment(client, example("06"))
    response = client.get("/en/requests/new/")
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    client.force_login(make_patient())  # Django keeps the session's data when signing in
    assert "Start my request" in client.get("/en/requests/new/").content.decode()


def test_a_request_freezes_the_self_check(patient_client: Client) -> None:
    request_obj = start_request(patient_client)
    assert request_obj.status == RequestStatus.DRAFT
    assert request_obj.intake["schema"] == "spinepath.intake/1"
    assert request_obj.assessment["schema"] == "spinepath.assessment/1"
    assert request_obj.ruleset_version == request_obj.assessment["ruleset_version"]
    assert request_obj.urgency == "routine"
    candidates = [p["procedure"] for p in request_obj.assessment["procedures"]
                  if p["status"] in ("candidate", "possible")]
    assert request_obj.procedures == candidates and "mild" in candidates
    assert request_obj.events.filter(kind="created").exists()
    assert AuditEvent.objects.filter(action="create", object_type="request",
                                     request_reference=request_obj.reference).exists()
    # The form starts with the candidate procedures ticked
    page = patient_client.get(f"/en/requests/{request_obj.reference}/edit/").content.decode()
    assert 'value="mild"' in page and 'value="mild" id="id_procedures_1" checked' in page.replace("\n", "")


@pytest.mark.parametrize(("example_name", "shown", "not_shown"), [
    pytest.param("01", "Go to an emergency department now — do not wait for a treatment plan", "within days",
                 id="emergency-says-go-now"),
    pytest.param("02", "See a doctor within days — do not wait for a treatment plan", "emergency department now —",
                 id="urgent-says-within-days"),
    pytest.param("06", "Start my request", "do not wait for a treatment plan", id="routine-no-warning"),
])
def test_urgency_comes_first(make_patient: Any, directory: dict[str, Any], example_name: str, shown: str,
                             not_shown: str) -> None:
    client = Client()
    client.force_login(make_patient())
    with_assessment(client, example(example_name))
    page = client.get("/en/requests/new/").content.decode()
    assert shown in page
    assert not_shown not in page
    # ...and they may still continue; the request page keeps saying it
    request_obj = start_request(client)
    detail = client.get(f"/en/requests/{request_obj.reference}/edit/").content.decode()
    if example_name != "06":
        assert shown in detail


def test_without_a_finished_self_check_there_is_nothing_to_send(make_patient: Any, directory: Any) -> None:
    client = Client()
    client.force_login(make_patient())
    response = client.get("/en/requests/new/")
    assert "Please finish the self-check first" in response.content.decode()
    assert client.post("/en/requests/new/").status_code == 200
    assert not TreatmentRequest.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    pytest.param({"earliest_date": "2001-01-01"}, "earliest_date", "This date is in the past", id="past-date"),
    pytest.param({"earliest_date": future(60), "latest_date": future(10)}, "latest_date",
                 "The latest date must be the same as or after the earliest date", id="dates-in-wrong-order"),
    pytest.param({"latest_date": "31/02/2027"}, "latest_date", "Enter a valid date", id="not-a-date"),
    pytest.param({"note": "x" * 4001}, "note", "at most 4000 characters", id="note-too-long"),
    pytest.param({"procedures": ["not_a_procedure"]}, "procedures", "Select a valid choice", id="unknown-procedure"),
])
def test_validation_keeps_what_was_typed(patient_client: Client, overrides: dict[str, Any], field: str,
                                         message: str) -> None:
    request_obj = start_request(patient_client)
    url = f"/en/requests/{request_obj.reference}/edit/"
    data = form_data(**{"note": "Please call me after 6 pm", **overrides})
    response = patient_client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page  # the error summary ...
    assert f'href="#id_{field}' in page  # ... links to the field
    assert message in page
    assert f'id="id_{field}_error"' in page  # ... and the message is beside the field
    typed = overrides.get(field)
    if isinstance(typed, str) and field != "note":
        assert f'value="{typed}"' in page
    note = data["note"]
    assert note in page
    # Coming back later shows the same (what was valid is saved, what was typed is kept)
    again = patient_client.get(url).content.decode()
    assert message in again
    assert note in again
    request_obj.refresh_from_db()
    assert request_obj.note == ("" if field == "note" else note)


def test_saving_a_draft(patient_client: Client) -> None:
    request_obj = start_request(patient_client)
    response = patient_client.post(f"/en/requests/{request_obj.reference}/edit/",
                                   form_data(procedures=["mild", "microdiscectomy"], countries=["TR"]))
    assert response.status_code == 302
    request_obj.refresh_from_db()
    assert request_obj.kind == "treatment_plan"
    assert request_obj.procedures == ["mild", "microdiscectomy"]
    assert request_obj.countries == ["TR"]
    assert request_obj.status == RequestStatus.DRAFT
    assert "Your draft is saved" in patient_client.get(response["Location"]).content.decode()


def test_hospitals_offered_follow_procedures_and_places(patient_client: Client, directory: dict[str, Any]) -> None:
    request_obj = start_request(patient_client)
    url = f"/en/requests/{request_obj.reference}/edit/hospitals/"
    names = lambda **q: patient_client.get(url, q).content.decode()  # noqa: E731
    everywhere = names(procedures=["mild"])
    assert "Bosphorus Spine" in everywhere and "Delhi Spine Centre" in everywhere
    assert "Ankara Omurga" not in everywhere  # does not offer MILD
    assert "Closed Clinic" not in everywhere  # inactive
    in_turkey = names(procedures=["mild", "microdiscectomy"], countries=["TR"])
    assert "Bosphorus Spine" in in_turkey and "Ankara Omurga" in in_turkey and "Delhi" not in in_turkey
    assert "Ankara Omurga" in names(procedures=["microdiscectomy"], cities=["Ankara"])
    assert "Choose at least one treatment" in names()


def test_sending_needs_a_kind_procedures_hospitals_and_consent(patient_client: Client) -> None:
    request_obj = start_request(patient_client)
    url = f"/en/requests/{request_obj.reference}/edit/"
    page = patient_client.post(url, form_data(kind="", procedures=[], action="send")).content.decode()
    assert "Choose whether you would like an examination or a treatment plan" in page
    assert "Choose at least one treatment to ask about" in page
    assert "tick the box to say you agree" in page
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.DRAFT and not request_obj.consents.exists()


def test_consent_is_required(patient_client: Client, directory: dict[str, Any]) -> None:
    request_obj = start_request(patient_client)
    response = patient_client.post(f"/en/requests/{request_obj.reference}/edit/",
                                   form_data(hospitals=[str(directory["istanbul"].pk)], action="send"))
    assert "tick the box to say you agree" in response.content.decode()
    assert escape(str(CONSENT_TEXT)) in response.content.decode()
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.DRAFT


def test_sending_requires_a_verified_email(make_patient: Any, directory: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_patient(verified=False))
    with_assessment(client, example("06"))
    request_obj = start_request(client)
    url = f"/en/requests/{request_obj.reference}/edit/"
    assert "confirm your e-mail address" in client.get(url).content.decode()
    response = client.post(url, form_data(hospitals=[str(directory["istanbul"].pk)], consent="on", action="send"))
    assert "Please confirm your e-mail address before sending" in response.content.decode()
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.DRAFT and not request_obj.consents.exists()


def test_sending_gives_consent_and_submits(patient_client: Client, directory: dict[str, Any]) -> None:
    request_obj = start_request(patient_client)
    hospitals = [str(directory["istanbul"].pk), str(directory["delhi"].pk)]
    response = patient_client.post(f"/en/requests/{request_obj.reference}/edit/",
                                   form_data(hospitals=hospitals, consent="on", action="send"))
    assert response.status_code == 302 and response["Location"].endswith(f"/requests/{request_obj.reference}/")
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.SUBMITTED
    consent = request_obj.consents.get()
    assert {h.pk for h in consent.hospitals.all()} == {directory["istanbul"].pk, directory["delhi"].pk}
    assert consent.text.startswith(str(CONSENT_TEXT)) and not consent.share_reports_as_is
    page = patient_client.get(response["Location"]).content.decode()
    assert "Your request has been sent" in page
    assert "Request sent to the coordinators" in page  # the timeline
    # A sent request is no longer a draft to edit
    assert patient_client.get(f"/en/requests/{request_obj.reference}/edit/").status_code == 302


def test_a_hospital_not_offering_the_procedure_cannot_be_chosen(patient_client: Client,
                                                                directory: dict[str, Any]) -> None:
    request_obj = start_request(patient_client)
    response = patient_client.post(f"/en/requests/{request_obj.reference}/edit/",
                                   form_data(hospitals=[str(directory["ankara"].pk)], consent="on", action="send"))
    assert "Select a valid choice" in response.content.decode()
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.DRAFT


def test_list_of_my_requests(patient_client: Client) -> None:
    first = start_request(patient_client)
    page = patient_client.get("/en/requests/").content.decode()
    assert first.reference in page and "Draft" in page


def test_the_pages_speak_turkish(patient_client: Client) -> None:
    assert "Talebimi başlat" in patient_client.get("/tr/requests/new/").content.decode()
    request_obj = start_request(patient_client)
    page = patient_client.get(f"/tr/requests/{request_obj.reference}/edit/").content.decode()
    assert "Talebimi gönder" in page and "Taslağımı kaydet" in page
