"""The file views: de-identified DICOM and previews only (never the original), private and uncached, audited."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from care_staff_world import PDF_BYTES, World, add_imaging, make_user
from django.urls import reverse

from spinepath.web.accounts.models import Role
from spinepath.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_dicom_download_is_the_de_identified_file_as_an_attachment(world: World) -> None:
    response = world.client("surgeon_routed").get(
        reverse("files:dicom", kwargs={"reference": world.request.reference, "file_id": world.dicom.pk}))

    content = body(response)
    assert response.status_code == 200
    assert content == world.dicom.deidentified.open("rb").read()
    assert not content.startswith(b"ORIGINAL-")
    assert response["Content-Type"] == "application/dicom"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Jane" not in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action=Action.DOWNLOAD, object_type="imaging_file", object_id=str(world.dicom.pk),
                                     request_reference=world.request.reference).exists()


def test_a_preview_is_an_image_and_is_audited_as_a_view(world: World) -> None:
    response = world.client("coordinator").get(
        reverse("files:preview", kwargs={"reference": world.request.reference, "file_id": world.dicom.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert body(response).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="imaging_file",
                                     object_id=str(world.dicom.pk)).exists()


def test_the_study_zip_holds_the_de_identified_files_under_made_up_names(world: World) -> None:
    response = world.client("surgeon_routed").get(reverse("files:study", kwargs={"reference": world.request.reference}))

    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert response["Content-Disposition"].startswith("attachment;")
    assert archive.namelist() == [f"{world.request.reference}/series-001-CT/00001.dcm"]
    assert archive.read(archive.namelist()[0]) == world.dicom.deidentified.open("rb").read()


def test_a_report_is_served_to_the_patient_who_sent_it(world: World) -> None:
    response = world.client("patient_owner").get(
        reverse("files:report", kwargs={"reference": world.request.reference, "file_id": world.report.pk}))

    assert response.status_code == 200
    assert body(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ["preview", "dicom", "report"])
def test_a_file_of_another_request_is_not_found_through_a_visible_one(world: World, make_request: object,
                                                                     name: str) -> None:
    stranger = make_user("stranger", Role.PATIENT)
    theirs = make_request(stranger, world.organisation, [world.hospitals["spare"]])  # type: ignore[operator]
    their_dicom, their_report = add_imaging(theirs)
    file_id = their_report.pk if name == "report" else their_dicom.pk

    response = world.client("patient_owner").get(
        reverse(f"files:{name}", kwargs={"reference": world.request.reference, "file_id": file_id}))

    assert response.status_code == 404


def test_a_pdf_is_not_served_as_a_dicom_nor_a_dicom_as_a_report(world: World) -> None:
    client = world.client("patient_owner")
    reference = world.request.reference
    assert client.get(reverse("files:dicom", kwargs={"reference": reference, "file_id": world.report.pk})) \
        .status_code == 404
    assert client.get(reverse("files:report", kwargs={"reference": reference, "file_id": world.dicom.pk})) \
        .status_code == 404


def test_the_files_are_written_to_this_tests_own_folder(world: World, private_storage: Path) -> None:
    assert Path(world.dicom.deidentified.path).is_relative_to(private_storage)
    assert Path(world.report.original.path).is_relative_to(private_storage)
