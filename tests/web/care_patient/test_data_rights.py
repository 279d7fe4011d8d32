"""Data rights: a copy of everything held about me, and deleting my account (files and rows erased, requests
withdrawn, audit events kept without my identity). And the orphan-file sweep."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care import workflow
from spinepath.web.care.models import ImagingFile, Message, RequestStatus, TreatmentRequest, Upload
from spinepath.web.care.uploads import store_bytes

from .conftest import PASSWORD, dicom_bytes, example, plan_fields, send_request, upload_file, with_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(patient_client: Client, directory: dict[str, Any], staff: dict[str, Any],
            django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """A sent request with a study, a PDF-free upload, a message each way and a plan."""
    request_obj = send_request(patient_client, [directory["istanbul"]])
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post(f"/en/requests/{request_obj.reference}/uploads/",
                            {"files": [upload_file("Jane Doe MRI.dcm", dicom_bytes("MR_small.dcm"))]})
    workflow.route(request_obj, [directory["istanbul"]], staff["coordinator"])
    patient_client.post(f"/en/requests/{request_obj.reference}/messages/", {"body": "My pain is worse at night."})
    workflow.post_message(request_obj, staff["coordinator"], "Thank you, noted.")
    plan = workflow.respond(request_obj.routings.get(), staff["istanbul"], "plan", plan_fields())
    patient_client.get(f"/en/requests/{request_obj.reference}/")
    return {"request": request_obj, "patient": request_obj.patient, "plan": plan}


def test_export_holds_everything_about_me(patient_client: Client, history: dict[str, Any]) -> None:
    request_obj = history["request"]
    response = patient_client.post("/en/requests/my-data/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    document = json.loads(archive.read("my-data.json"))
    assert document["schema"] == "spinepath.my-data/1"
    assert document["account"]["email"] == "patient@example.org"
    assert document["profile"]["role"] == "patient"
    [mine] = document["requests"]
    assert mine["reference"] == request_obj.reference
    assert mine["intake"]["schema"] == "spinepath.intake/1" and mine["assessment"]["schema"] == "spinepath.assessment/1"
    assert mine["note"] == "Evenings are better."
    assert mine["consents"][0]["hospitals"] == ["Bosphorus Spine"]
    assert [m["body"] for m in mine["messages"]] == ["My pain is worse at night.", "Thank you, noted."]
    assert mine["hospitals"][0]["answers"][0]["cost_max"] == "5500.00"
    assert any(e["event"] == "submitted" for e in mine["timeline"])
    assert document["notifications"] and document["activity"]
    upload = mine["uploads"][0]
    assert upload["file_name"] == "Jane Doe MRI.dcm"
    assert archive.read(upload["in_this_archive"]) == dicom_bytes("MR_small.dcm")
    imaging = mine["imaging_files"][0]
    assert archive.read(imaging["original_in_this_archive"]) == dicom_bytes("MR_small.dcm")
    assert archive.read(imaging["deidentified_in_this_archive"]).find(b"CompressedSamples") == -1
    assert AuditEvent.objects.filter(action="export", object_type="account",
                                     actor_id=history["patient"].pk).count() == 1


def test_deleting_needs_the_password_and_a_tick(patient_client: Client, history: dict[str, Any]) -> None:
    url = "/en/requests/my-data/delete/"
    page = patient_client.get(url).content.decode()
    assert "Your open request will be withdrawn." in page
    wrong = patient_client.post(url, {"password": "not my password", "confirm": "on"}).content.decode()
    assert "That is not your password." in wrong and "There is a problem" in wrong
    untick = patient_client.post(url, {"password": PASSWORD}).content.decode()
    assert "Tick the box to confirm" in untick
    assert get_user_model().objects.filter(pk=history["patient"].pk).exists()


def test_deleting_my_account_erases_files_and_rows_and_keeps_anonymous_audit(
        patient_client: Client, history: dict[str, Any], private_dir: Path, staff: dict[str, Any],
        django_capture_on_commit_callbacks: Any) -> None:
    patient, request_obj = history["patient"], history["request"]
    stored = [p for p in private_dir.rglob("*") if p.is_file()]
    assert stored  # the original, the de-identified copy and the preview
    own_events = AuditEvent.objects.filter(actor_id=patient.pk).count()
    assert own_events > 0
    # A mistyped password earlier left a failed-sign-in record under the e-mail address (django-axes).
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username=patient.get_username(), ip_address="127.0.0.1", failures_since_start=1,
                                 get_data="", post_data="", http_accept="", path_info="/en/account/sign-in/")
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post("/en/requests/my-data/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200 and "Your account has been deleted" in response.content.decode()
    assert not get_user_model().objects.filter(pk=patient.pk).exists()
    request_obj.refresh_from_db()
    assert request_obj.status == RequestStatus.WITHDRAWN
    assert request_obj.patient is None and request_obj.personal_data_erased_at is not None
    assert request_obj.intake == {} and request_obj.assessment == {} and request_obj.note == ""
    assert not Upload.objects.exists() and not ImagingFile.objects.exists()
    assert [p for p in private_dir.rglob("*") if p.is_file()] == []
    assert list(Message.objects.values_list("body", flat=True)) == ["Thank you, noted."]  # the staff's stays
    assert not AuditEvent.objects.filter(actor_id=patient.pk).exists()
    assert not AccessAttempt.objects.filter(username=patient.get_username()).exists()
    forgotten = AuditEvent.objects.filter(identity_removed=True)
    assert forgotten.count() >= own_events and not forgotten.exclude(ip_address=None).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="account", identity_removed=True).exists()
    assert request_obj.events.filter(kind="withdrawn").exists()  # the hospitals see it was withdrawn
    # The session is gone with the account
    assert patient_client.get("/en/requests/").status_code == 302
    # The staff still see the request's shell, not the patient's content
    assert TreatmentRequest.objects.filter(reference=request_obj.reference).exists()


def test_a_file_shared_with_another_request_is_kept(make_patient: Any, patient_client: Client,
                                                    history: dict[str, Any], directory: dict[str, Any],
                                                    django_capture_on_commit_callbacks: Any) -> None:
    """Stored files are content-addressed: the same scan sent by someone else stays when the first one leaves."""
    other = Client()
    other.force_login(make_patient("other@example.org"))
    with_assessment(other, example("06"))
    theirs = send_request(other, [directory["istanbul"]])
    with django_capture_on_commit_callbacks(execute=True):
        other.post(f"/en/requests/{theirs.reference}/uploads/",
                   {"files": [upload_file("same.dcm", dicom_bytes("MR_small.dcm"))]})
    with django_capture_on_commit_callbacks(execute=True):
        patient_client.post("/en/requests/my-data/delete/", {"password": PASSWORD, "confirm": "on"})
    upload = Upload.objects.get(request=theirs)
    response = other.get(f"/en/requests/{theirs.reference}/uploads/{upload.pk}/original/")
    assert b"".join(response.streaming_content) == dicom_bytes("MR_small.dcm")


def test_sweep_orphan_files(history: dict[str, Any], private_dir: Path) -> None:
    referenced = sorted(p for p in private_dir.rglob("*") if p.is_file())
    old_orphan = private_dir / store_bytes(b"a crash left me behind", "originals")
    new_orphan = private_dir / store_bytes(b"my row is being written right now", "originals")
    partial = private_dir / "tmp" / "0123.part"
    partial.write_bytes(b"half a file")
    two_hours_ago = time.time() - 2 * 3600
    for path in (old_orphan, partial, *referenced):
        os.utime(path, (two_hours_ago, two_hours_ago))
    out = io.StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=out)
    assert "would delete 2 orphan file(s)" in out.getvalue() and old_orphan.exists()
    call_command("sweep_orphan_files", stdout=out)
    assert not old_orphan.exists() and not partial.exists()
    assert new_orphan.exists()  # younger than an hour
    assert all(path.exists() for path in referenced)  # every file a row refers to
    for upload in Upload.objects.all():
        assert (private_dir / upload.original.name).exists()
