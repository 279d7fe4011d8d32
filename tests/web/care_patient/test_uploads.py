"""Uploading imaging: real DICOM files from pydicom's test data, a ZIP of a study, a PDF report, and the files a
patient may send by mistake (a non-DICOM file named .dcm, a DICOM file cut short, a ZIP bomb, random bytes, a file
over the limit). Each refused file gets its own message and never spoils the rest; the background task (run at once
here) de-identifies what was accepted."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pydicom
import pytest
from django.core.management import call_command
from django.test import Client

from spinepath.web.audit.models import AuditEvent
from spinepath.web.care import tasks, workflow
from spinepath.web.care.models import ImagingFile, TreatmentRequest, Upload, UploadStatus, private_storage

from .conftest import dicom_bytes, form_data, start_request, upload_file, zip_of

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n")


def zip_bomb(inflated_bytes: int = 128 * MiB) -> bytes:
    """A small ZIP whose one member inflates to ``inflated_bytes`` of zeros (written streaming, never in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("IMG0001.dcm", "w", force_zip64=True) as member:
        block = bytes(MiB)
        for _ in range(inflated_bytes // MiB):
            member.write(block)
    return buffer.getvalue()


def post_files(client: Client, request_obj: TreatmentRequest, files: list[Any], capture: Any,
               **extra: Any) -> Any:
    """Upload from the draft page (the details typed are saved with it) and run the tasks after the commit."""
    with capture(execute=True):
        return client.post(f"/en/requests/{request_obj.reference}/edit/",
                           form_data(action="upload", files=files, **extra))


@pytest.fixture
def draft(patient_client: Client) -> TreatmentRequest:
    return start_request(patient_client)


def test_a_dicom_file_is_deidentified_with_preview_and_summary(patient_client: Client, draft: TreatmentRequest,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    original = dicom_bytes("MR_small.dcm")
    response = post_files(patient_client, draft, [upload_file("IM0001", original)],
                          django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].endswith("#imaging")
    upload = Upload.objects.get(request=draft)
    assert upload.status == UploadStatus.DONE and upload.accepted_count == 1 and upload.rejected == []
    assert upload.detected_type == "dicom" and upload.sha256 == hashlib.sha256(original).hexdigest()
    assert upload.original_name == "IM0001" and "IM0001" not in upload.original.name  # content-addressed
    imaging = ImagingFile.objects.get(request=draft)
    assert imaging.kind == "dicom" and imaging.deidentified and imaging.preview and imaging.modality == "MR"
    storage = private_storage()
    with storage.open(imaging.original.name) as stored:
        assert stored.read() == original  # kept as sent, for the patient
    deidentified = pydicom.dcmread(storage.path(imaging.deidentified.name))
    assert "CompressedSamples" not in str(deidentified.PatientName)
    assert str(deidentified.PatientName) == draft.reference
    assert deidentified.PatientIdentityRemoved == "YES"
    assert imaging.study_uid == deidentified.StudyInstanceUID != pydicom.dcmread(io.BytesIO(original)).StudyInstanceUID
    with storage.open(imaging.preview.name) as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    draft.refresh_from_db()
    summary = draft.imaging_summary
    assert summary["series_count"] == 1 and summary["image_count"] == 1
    assert summary["studies"][0]["modalities"] == ["MR"]
    kinds = list(draft.events.values_list("kind", flat=True))
    assert "upload_received" in kinds and "upload_processed" in kinds
    assert AuditEvent.objects.filter(object_type="upload", actor_role="system", detail__startswith="processed").exists()
    # The draft's details were saved with the upload
    assert draft.note == "Evenings are better."
    page = patient_client.get(f"/en/requests/{draft.reference}/").content.decode()
    assert "1 file accepted" in page and "Ready" in page


def test_a_zip_of_a_study(patient_client: Client, draft: TreatmentRequest,
                          django_capture_on_commit_callbacks: Any) -> None:
    study = zip_of({"DICOM/MR/IM1": dicom_bytes("MR_small.dcm"), "DICOM/CT/IM1": dicom_bytes("CT_small.dcm"),
                    "DICOM/CT/IM2": dicom_bytes("emri_small.dcm"), "README.TXT": b"Made by the CD burner"})
    post_files(patient_client, draft, [upload_file("study.zip", study)], django_capture_on_commit_callbacks)
    upload = Upload.objects.get(request=draft)
    assert upload.detected_type == "zip" and upload.status == UploadStatus.DONE
    assert upload.accepted_count == 3
    assert [r["name"] for r in upload.rejected] == ["study.zip › README.TXT"]
    assert "is not a DICOM scan file" in upload.rejected[0]["error"]
    assert ImagingFile.objects.filter(request=draft).count() == 3
    draft.refresh_from_db()
    assert draft.imaging_summary["series_count"] == 3
    assert sorted(m for s in draft.imaging_summary["studies"] for m in s["modalities"]) == ["CT", "MR", "MR"]
    # Same request, same seed, same de-identified UIDs: the study sent again is accepted and kept once
    post_files(patient_client, draft, [upload_file("again.zip", study)], django_capture_on_commit_callbacks)
    second = Upload.objects.get(request=draft, original_name="again.zip")
    assert second.accepted_count == 3 and not second.files.exists()
    assert ImagingFile.objects.filter(request=draft).count() == 3
    draft.refresh_from_db()
    assert draft.imaging_summary["series_count"] == 3 and draft.imaging_summary["instance_count"] == 3


def _truncated() -> bytes:
    data = dicom_bytes("CT_small.dcm")
    return data[: len(data) // 2]


@pytest.mark.parametrize(("name", "content", "message"), [
    pytest.param("IM0002.dcm", lambda: b"This is my scan, honestly.\n" * 20,
                 "is named like a scan file but its content is not DICOM", id="non-dicom-named-dcm"),
    pytest.param("IM0003.dcm", _truncated, "is incomplete: it looks cut short", id="truncated-dicom"),
    pytest.param("scans.zip", zip_bomb, "expands to far more data than a scan file could hold", id="zip-bomb"),
    pytest.param("random.bin", lambda: bytes(range(256)) * 64, "is not a DICOM scan file, a ZIP of scan files or a PDF",
                 id="random-bytes"),
    pytest.param("photo.jpg", lambda: b"\xff\xd8\xff\xe0" + bytes(2000), "is a photo or picture", id="a-photo"),
])
def test_each_refused_file_has_its_own_message_and_spoils_nothing(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any, name: str,
        content: Callable[[], bytes], message: str) -> None:
    files = [upload_file("good.dcm", dicom_bytes("MR_small.dcm")), upload_file(name, content()),
             upload_file("report.pdf", PDF)]
    post_files(patient_client, draft, files, django_capture_on_commit_callbacks)
    uploads = {u.original_name: u for u in Upload.objects.filter(request=draft)}
    assert set(uploads) == {"good.dcm", name, "report.pdf"}
    assert all(u.status == UploadStatus.DONE for u in uploads.values())
    assert uploads["good.dcm"].accepted_count == 1 and uploads["report.pdf"].accepted_count == 1
    bad = uploads[name]
    assert bad.accepted_count == 0 and len(bad.rejected) == 1 and message in bad.rejected[0]["error"]
    assert ImagingFile.objects.filter(request=draft, kind="dicom").count() == 1
    assert ImagingFile.objects.filter(request=draft, kind="pdf", deidentified="").count() == 1
    page = patient_client.get(f"/en/requests/{draft.reference}/edit/").content.decode()
    assert message in page.replace("&#x27;", "'")
    assert "share my radiology report" in page  # a PDF was uploaded: the reports consent is asked


def test_a_file_over_the_limit_is_refused_by_name_and_the_others_kept(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any,
        settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 20_000  # CT_small.dcm is 39 kB, MR_small.dcm 10 kB
    response = post_files(patient_client, draft, [upload_file("big.dcm", dicom_bytes("CT_small.dcm")),
                                                  upload_file("small.dcm", dicom_bytes("MR_small.dcm"))],
                          django_capture_on_commit_callbacks)
    assert [u.original_name for u in Upload.objects.filter(request=draft)] == ["small.dcm"]
    page = patient_client.get(response["Location"]).content.decode()
    assert "“big.dcm” is larger than 19.5\xa0KB" in page
    assert "1 file(s) received" in page


def test_a_body_declared_too_large_is_refused_before_it_is_read(
        patient_client: Client, draft: TreatmentRequest, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 10_000
    settings.UPLOAD_REQUEST_MAX_BYTES = 30_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = patient_client.post(f"/en/requests/{draft.reference}/edit/",
                                   form_data(action="upload", files=[upload_file("big.zip", bytes(100_000))]))
    assert response.status_code == 413
    assert "more than the 29.3\xa0KB one upload may have. Nothing was uploaded." in response.content.decode()
    assert not Upload.objects.exists()
    response = patient_client.post(f"/en/requests/{draft.reference}/uploads/",
                                   {"files": [upload_file("big.zip", bytes(100_000))]})
    assert response.status_code == 413 and "Nothing was uploaded" in response.content.decode()


def test_a_failing_task_leaves_no_half_written_rows(
        patient_client: Client, draft: TreatmentRequest, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch, private_dir: Any) -> None:
    def broken_preview(dataset: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(tasks, "render_preview", broken_preview)
    post_files(patient_client, draft, [upload_file("IM1", dicom_bytes("MR_small.dcm"))],
               django_capture_on_commit_callbacks)
    upload = Upload.objects.get(request=draft)
    assert upload.status == UploadStatus.FAILED and "could not be processed" in upload.error
    assert not ImagingFile.objects.exists()
    assert draft.events.filter(kind="upload_failed").exists()
    assert AuditEvent.objects.filter(object_type="upload", detail="failed: RuntimeError").exists()
    # The de-identified copy written before the failure is gone; only the upload's own file stays
    stored = [p for p in private_dir.rglob("*") if p.is_file()]
    assert [p.relative_to(private_dir).as_posix() for p in stored] == [upload.original.name]


def waiting_upload(client: Client, draft: TreatmentRequest) -> tuple[Upload, str]:
    """An upload whose task has not run yet (commit callbacks are not run here), and the URL its page polls."""
    client.post(f"/en/requests/{draft.reference}/uploads/",
                {"files": [upload_file("IM1", dicom_bytes("MR_small.dcm"))]})
    upload = Upload.objects.get(request=draft)
    return upload, f"/en/requests/{draft.reference}/uploads/{upload.pk}/status/"


def test_the_state_is_polled_while_processing(patient_client: Client, draft: TreatmentRequest,
                                              django_capture_on_commit_callbacks: Any) -> None:
    upload, url = waiting_upload(patient_client, draft)
    fragment = patient_client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and f'hx-get="{url}"' in fragment
    assert "Received, waiting to be processed" in fragment
    detail = patient_client.get(f"/en/requests/{draft.reference}/").content.decode()
    assert 'hx-trigger="every 2s"' in detail
    tasks.process_upload.call(str(upload.pk))
    fragment = patient_client.get(url).content.decode()
    assert "hx-trigger" not in fragment and "1 file accepted" in fragment


def test_polling_records_each_state_the_patient_saw_once(patient_client: Client, draft: TreatmentRequest,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    upload, url = waiting_upload(patient_client, draft)
    for _ in range(3):
        patient_client.get(url)
    tasks.process_upload.call(str(upload.pk))
    for _ in range(2):
        patient_client.get(url)
    seen = AuditEvent.objects.filter(action="view", object_type="upload", object_id=str(upload.pk))
    assert list(seen.order_by("at", "pk").values_list("detail", flat=True)) == ["status=received", "status=done"]
    assert {event.actor_id for event in seen} == {draft.patient_id}


def test_the_patient_downloads_their_original(patient_client: Client, draft: TreatmentRequest,
                                              django_capture_on_commit_callbacks: Any) -> None:
    original = dicom_bytes("CT_small.dcm")
    post_files(patient_client, draft, [upload_file("my scan.dcm", original)], django_capture_on_commit_callbacks)
    upload = Upload.objects.get(request=draft)
    imaging = ImagingFile.objects.get(request=draft)
    for url in (f"/en/requests/{draft.reference}/uploads/{upload.pk}/original/",
                f"/en/requests/{draft.reference}/files/{imaging.pk}/original/"):
        response = patient_client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == original
        assert response["Cache-Control"] == "private, no-store"
    preview = patient_client.get(f"/en/requests/{draft.reference}/files/{imaging.pk}/preview/")
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    deidentified = patient_client.get(f"/en/requests/{draft.reference}/files/{imaging.pk}/deidentified/")
    assert b"CompressedSamples" not in b"".join(deidentified.streaming_content)
    assert AuditEvent.objects.filter(action="download", object_type="imaging_file", object_id=str(imaging.pk),
                                     detail="original").count() == 1


def test_uploads_after_sending(patient_client: Client, directory: dict[str, Any],
                               django_capture_on_commit_callbacks: Any) -> None:
    request_obj = start_request(patient_client)
    patient_client.post(f"/en/requests/{request_obj.reference}/edit/",
                        form_data(hospitals=[str(directory["istanbul"].pk)], consent="on", action="send"))
    with django_capture_on_commit_callbacks(execute=True):
        response = patient_client.post(f"/en/requests/{request_obj.reference}/uploads/",
                                       {"files": [upload_file("a.dcm", dicom_bytes("MR_small.dcm")),
                                                  upload_file("b.dcm", dicom_bytes("CT_small.dcm"))]})
    assert response.status_code == 302
    assert Upload.objects.filter(request=request_obj, status=UploadStatus.DONE).count() == 2
    nothing = patient_client.post(f"/en/requests/{request_obj.reference}/uploads/", {})
    assert "Choose one or more files" in patient_client.get(nothing["Location"]).content.decode()


def test_a_crash_while_recording_leaves_a_file_but_no_row(patient_client: Client, draft: TreatmentRequest,
                                                          monkeypatch: pytest.MonkeyPatch, private_dir: Any) -> None:
    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the power went out")

    monkeypatch.setattr(workflow, "add_event", crash)
    with pytest.raises(RuntimeError):
        patient_client.post(f"/en/requests/{draft.reference}/uploads/",
                            {"files": [upload_file("IM1", dicom_bytes("MR_small.dcm"))]})
    assert not Upload.objects.exists()  # the row went with the transaction ...
    orphans = [p for p in private_dir.rglob("*") if p.is_file()]
    assert len(orphans) == 1  # ... the file written before it stays, under its content's name
    call_command("sweep_orphan_files", "--older-than-minutes=0", stdout=io.StringIO())
    assert not orphans[0].exists()
