"""The small world of the staff-side tests (the fixtures in conftest.py build it): two organisations, their
hospitals, a patient's request routed to one hospital, and a user for every role the access matrix asks about.

    organisation A: hospital "routed" (gets the request), "other" (consented, not routed), "spare" (consented,
                    not routed; where a coordinator may still send it), "no-procedure" (consented, offers only
                    MILD), "no-consent" (offers the procedure, the patient did not consent to it)
    organisation B: hospital "elsewhere"

The request is made the way the patient's pages make it (workflow.give_consent, workflow.submit) and routed the
way a coordinator does (workflow.route), with de-identified imaging files written to a temporary private storage.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from PIL import Image
from pydicom.data import get_testdata_file

from spinepath.web.accounts.models import Role
from spinepath.web.care.models import (
    ImagingFile,
    ImagingFileKind,
    TreatmentRequest,
    Upload,
    UploadStatus,
)
from spinepath.web.hospitals.models import Hospital, HospitalProcedure, Organisation

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "examples" / "intake"
ROLES = ("anonymous", "patient_owner", "other_patient", "coordinator", "other_coordinator", "surgeon_routed",
         "surgeon_other", "admin")
# A one-page PDF, as small as a valid one gets.
PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
             b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n"
             b"%%EOF\n")


def example_intake(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(next(EXAMPLES.glob(f"{name}*.json")).read_text(encoding="utf-8"))
    return document


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (16, 16), color=128).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class World:
    organisation: Organisation
    other_organisation: Organisation
    hospitals: dict[str, Hospital]
    users: dict[str, Any]
    request: TreatmentRequest
    dicom: ImagingFile
    report: ImagingFile
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def refresh(self) -> TreatmentRequest:
        self.request.refresh_from_db()
        return self.request


def make_hospital(organisation: Organisation, slug: str, procedures: tuple[str, ...],
                  city: str = "Istanbul") -> Hospital:
    hospital = Hospital.objects.create(organisation=organisation, name=f"{slug.title()} Hospital", slug=slug,
                                       city=city, country="Turkey", country_code="TR", languages=["en"])
    HospitalProcedure.objects.bulk_create(HospitalProcedure(hospital=hospital, procedure_id=p) for p in procedures)
    return hospital


def make_user(username: str, role: str, **profile: Any) -> Any:
    user_model = get_user_model()
    if role == Role.ADMIN:
        user = user_model.objects.create_superuser(username=username, email=f"{username}@example.org",
                                                   password=None)
    else:
        user = user_model.objects.create_user(username=username, email=f"{username}@example.org", password=None)
    user.profile.role = role
    for name, value in profile.items():
        setattr(user.profile, name, value)
    user.profile.save()
    return user


def add_imaging(request_obj: TreatmentRequest) -> tuple[ImagingFile, ImagingFile]:
    """One de-identified DICOM file with a preview, and one PDF report, as the imaging pipeline leaves them."""
    dicom_bytes = Path(str(get_testdata_file("CT_small.dcm"))).read_bytes()
    upload = Upload(request=request_obj, original_name="Jane Doe MRI.dcm", size=len(dicom_bytes),
                    sha256=hashlib.sha256(dicom_bytes).hexdigest(), detected_type="dicom", status=UploadStatus.DONE)
    upload.original.save("original.dcm", ContentFile(dicom_bytes), save=False)
    upload.save()
    dicom = ImagingFile(upload=upload, request=request_obj, kind=ImagingFileKind.DICOM, modality="CT",
                        study_uid="2.25.1", series_uid="2.25.2", sop_uid="2.25.3", series_description="AXIAL",
                        burned_in_annotation=True)
    dicom.original.save("original.dcm", ContentFile(b"ORIGINAL-" + dicom_bytes), save=False)
    dicom.deidentified.save("deid.dcm", ContentFile(dicom_bytes), save=False)
    dicom.preview.save("preview.png", ContentFile(png_bytes()), save=False)
    dicom.save()
    report_upload = Upload(request=request_obj, original_name="report.pdf", size=len(PDF_BYTES),
                           sha256=hashlib.sha256(PDF_BYTES).hexdigest(), detected_type="pdf",
                           status=UploadStatus.DONE)
    report_upload.original.save("report.pdf", ContentFile(PDF_BYTES), save=False)
    report_upload.save()
    report = ImagingFile(upload=report_upload, request=request_obj, kind=ImagingFileKind.PDF)
    report.original.save("report.pdf", ContentFile(PDF_BYTES), save=False)
    report.save()
    return dicom, report
