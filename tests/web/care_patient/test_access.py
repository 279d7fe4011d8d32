"""Another patient's request does not exist for you: every URL of it answers 404, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care import workflow
from spinepath.web.care.models import ImagingFile, Message, RequestStatus, TreatmentRequest, Upload

from .conftest import dicom_bytes, plan_fields, send_request, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_patients_request(patient_client: Client, directory: dict[str, Any], staff: dict[str, Any],
                           django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    request_obj = send_request(patient_client, [directory["istanbul"]])
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(f"/en/requests/{request_obj.reference}/uploads/",
                            {"files": [upload_file("mine.dcm", dicom_bytes("MR_small.dcm"))]})
    workflow.route(request_obj, [directory["istanbul"]], staff["coordinator"])
    plan = workflow.respond(request_obj.routings.get(), staff["istanbul"], "plan", plan_fields())
    return {"request": request_obj, "upload": Upload.objects.get(request=request_obj),
            "file": ImagingFile.objects.get(request=request_obj), "plan": plan}


def urls_of(found: dict[str, Any]) -> list[tuple[str, str]]:
    ref = found["request"].reference
    upload, imaging, plan = found["upload"].pk, found["file"].pk, found["plan"].pk
    return [
        ("get", f"/en/requests/{ref}/"),
        ("get", f"/en/requests/{ref}/edit/"),
        ("post", f"/en/requests/{ref}/edit/"),
        ("get", f"/en/requests/{ref}/edit/hospitals/?procedures=mild"),
        ("post", f"/en/requests/{ref}/uploads/"),
        ("get", f"/en/requests/{ref}/uploads/{upload}/status/"),
        ("get", f"/en/requests/{ref}/uploads/{upload}/original/"),
        ("get", f"/en/requests/{ref}/files/{imaging}/original/"),
        ("get", f"/en/requests/{ref}/files/{imaging}/deidentified/"),
        ("get", f"/en/requests/{ref}/files/{imaging}/preview/"),
        ("post", f"/en/requests/{ref}/messages/"),
        ("get", f"/en/requests/{ref}/plans/{plan}/accept/"),
        ("post", f"/en/requests/{ref}/plans/{plan}/accept/"),
        ("get", f"/en/requests/{ref}/withdraw/"),
        ("post", f"/en/requests/{ref}/withdraw/"),
    ]


def test_the_first_patient_can_open_everything(patient_client: Client, first_patients_request: dict[str, Any]) -> None:
    for method, url in urls_of(first_patients_request):
        if method == "get" and "/accept/" not in url and "/withdraw/" not in url and not url.endswith("/edit/"):
            assert patient_client.get(url).status_code == 200, url


def test_a_second_patient_gets_404_on_every_url(make_patient: Any, first_patients_request: dict[str, Any]) -> None:
    other = Client()
    other.force_login(make_patient("someone.else@example.org"))
    for method, url in urls_of(first_patients_request):
        data = {"body": "hello", "files": [upload_file("x.dcm", dicom_bytes("MR_small.dcm"))]} \
            if method == "post" else None
        response = getattr(other, method)(url, data) if data else getattr(other, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    request_obj = TreatmentRequest.objects.get(pk=first_patients_request["request"].pk)
    assert request_obj.status == RequestStatus.PLANS_RECEIVED
    assert Upload.objects.filter(request=request_obj).count() == 1 and not Message.objects.exists()
    assert AuditEvent.objects.filter(action="denied", request_reference=request_obj.reference).exists()
    assert request_obj.reference not in other.get("/en/requests/").content.decode()


@pytest.mark.parametrize("role", ["coordinator", "istanbul"])
def test_staff_cannot_use_the_patient_pages(staff: dict[str, Any], first_patients_request: dict[str, Any],
                                            role: str) -> None:
    client = Client()
    client.force_login(staff[role])
    ref = first_patients_request["request"].reference
    assert client.get(f"/en/requests/{ref}/files/{first_patients_request['file'].pk}/original/").status_code == 403
    assert client.get(f"/en/requests/{ref}/").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(first_patients_request: dict[str, Any]) -> None:
    for method, url in urls_of(first_patients_request):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"], url
