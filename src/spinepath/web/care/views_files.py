"""The de-identified imaging of a request, served from private storage to whoever may see the request: previews
(PNG/JPEG), single de-identified DICOM files and the whole de-identified study as a zip, and PDF reports only to
those allowed to see reports (``Do.VIEW_REPORTS``: the patient, or reviewers when the patient agreed to share them
as they are). Original DICOM files are never served here; the patient's pages serve those to the patient.

Every file is fetched through :mod:`spinepath.web.accounts.access`, sent with ``Cache-Control: private,
no-store`` (no shared or browser cache keeps a copy), and written to the audit trail.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
import zipfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from spinepath.web.accounts.access import Do
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from .models import ImagingFile, ImagingFileKind, TreatmentRequest
from .staff import get_request

__all__ = ["dicom", "preview", "report", "study"]

_ZIP_SPOOL_BYTES = 32 * 1024 * 1024  # a study up to this size is zipped in memory, a larger one on disk


def _private(response: FileResponse) -> FileResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _imaging_file(request_obj: TreatmentRequest, file_id: Any, kind: str) -> ImagingFile:
    found = request_obj.imaging_files.filter(pk=file_id, kind=kind).first()
    if found is None:
        raise Http404("No such file")
    return found


@require_GET
@login_required
def preview(request: HttpRequest, reference: str, file_id: Any) -> FileResponse:
    """A small image of one de-identified DICOM file (made from the de-identified pixels)."""
    request_obj = get_request(request, reference, Do.VIEW)
    imaging_file = _imaging_file(request_obj, file_id, ImagingFileKind.DICOM)
    if not imaging_file.preview:
        raise Http404("No preview")
    content_type = mimetypes.guess_type(imaging_file.preview.name)[0] or "image/png"
    response = FileResponse(imaging_file.preview.open("rb"), content_type=content_type)
    record(request, Action.VIEW, "imaging_file", imaging_file.pk, request_reference=request_obj.reference,
           detail="preview")
    return _private(response)


@require_GET
@login_required
def dicom(request: HttpRequest, reference: str, file_id: Any) -> FileResponse:
    """One de-identified DICOM file, as a download."""
    request_obj = get_request(request, reference, Do.VIEW)
    imaging_file = _imaging_file(request_obj, file_id, ImagingFileKind.DICOM)
    if not imaging_file.deidentified:
        raise Http404("Not de-identified yet")
    response = FileResponse(imaging_file.deidentified.open("rb"), as_attachment=True,
                            filename=f"{request_obj.reference}-{imaging_file.pk}.dcm",
                            content_type="application/dicom")
    record(request, Action.DOWNLOAD, "imaging_file", imaging_file.pk, request_reference=request_obj.reference,
           detail="deidentified")
    return _private(response)


@require_GET
@login_required
def study(request: HttpRequest, reference: str) -> FileResponse:
    """Every de-identified DICOM file of the request in one zip, a folder per series. Member names are made up
    here (series number, image number): the patient's file names may carry their name and are never used."""
    request_obj = get_request(request, reference, Do.VIEW)
    files = list(request_obj.imaging_files.filter(kind=ImagingFileKind.DICOM).exclude(deidentified="")
                 .order_by("series_uid", "created_at"))
    if not files:
        raise Http404("No de-identified images")
    spool = tempfile.SpooledTemporaryFile(max_size=_ZIP_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    series_numbers: dict[str, int] = {}
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, imaging_file in enumerate(files, start=1):
            series = series_numbers.setdefault(imaging_file.series_uid, len(series_numbers) + 1)
            folder = f"series-{series:03d}-{imaging_file.modality or 'unknown'}"
            with imaging_file.deidentified.open("rb") as source, \
                    archive.open(f"{request_obj.reference}/{folder}/{number:05d}.dcm", "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=f"{request_obj.reference}-deidentified.zip",
                            content_type="application/zip")
    for imaging_file in files:
        record(request, Action.DOWNLOAD, "imaging_file", imaging_file.pk, request_reference=request_obj.reference,
               detail="deidentified study zip")
    return _private(response)


@require_GET
@login_required
def report(request: HttpRequest, reference: str, file_id: Any) -> FileResponse:
    """A PDF radiology report, as the patient sent it (a PDF cannot be de-identified automatically): only to those
    who may see reports."""
    request_obj = get_request(request, reference, Do.VIEW_REPORTS)
    imaging_file = _imaging_file(request_obj, file_id, ImagingFileKind.PDF)
    stored = imaging_file.deidentified or imaging_file.original
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=f"{request_obj.reference}-report.pdf",
                            content_type="application/pdf")
    record(request, Action.DOWNLOAD, "imaging_file", imaging_file.pk, request_reference=request_obj.reference,
           detail="report")
    return _private(response)
