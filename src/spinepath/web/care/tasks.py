"""Background work on a patient's upload: check each file by its content, de-identify the DICOM objects, make the
previews and the study summary (:func:`process_upload`, a django-tasks task; run a worker with
``manage.py db_worker``, or ``SPINEPATH_TASKS=immediate`` to run it in the web process).

One upload is one transaction: the files are written first (content-addressed, see :mod:`.uploads`), then the
``ImagingFile`` rows, the upload's verdict, the request's study summary, the timeline event and the audit event
are saved together. If anything goes wrong the upload is marked failed with a sentence the patient can act on and
no row of it is left half-written; files written for it that no row refers to are removed at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pydicom
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from spinepath.imaging import (
    DeidentificationError,
    FileKind,
    ImagingError,
    Refusal,
    RequestDeidentifier,
    UploadItem,
    UploadLimits,
    inspect_upload,
    render_preview,
    summarize_studies,
)
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from . import workflow
from .models import ImagingFile, ImagingFileKind, TreatmentRequest, Upload, UploadStatus, private_storage
from .uploads import delete_unreferenced, store_bytes

log = logging.getLogger(__name__)

__all__ = ["REFUSAL_TEXTS", "process_upload", "rebuild_summary"]

# The imaging package gives a stable code per refusal; the sentence the patient reads is ours, in their language.
REFUSAL_TEXTS: dict[Refusal, Any] = {
    Refusal.EMPTY: _("“%(name)s” is empty (0 bytes). Please upload it again."),
    Refusal.NOT_RECOGNISED: _("“%(name)s” is not a DICOM scan file, a ZIP of scan files or a PDF report, so it was "
                              "not uploaded. Please upload the files from your imaging CD or download, or the "
                              "radiology report as a PDF."),
    Refusal.NOT_DICOM: _("“%(name)s” is named like a scan file but its content is not DICOM, so it was not uploaded. "
                         "Please upload the original files from your imaging CD or download."),
    Refusal.PICTURE: _("“%(name)s” is a photo or picture, not an original scan file, so it was not uploaded. Please "
                       "upload the DICOM files from your imaging CD or download, or the report as a PDF."),
    Refusal.OTHER_ARCHIVE: _("“%(name)s” is a compressed archive in a format we do not accept. Please send the files "
                             "as a ZIP instead."),
    Refusal.TRUNCATED: _("“%(name)s” is incomplete: it looks cut short, perhaps while copying. Please copy it from "
                         "the CD again and upload it again."),
    Refusal.DAMAGED: _("“%(name)s” is a damaged DICOM file that cannot be read. Please copy it again from the CD."),
    Refusal.DISC_INDEX: _("“%(name)s” is the CD's index file (DICOMDIR), not a scan. It is not needed and was "
                          "skipped."),
    Refusal.PDF_DAMAGED: _("“%(name)s” is an incomplete or damaged PDF. Please download or scan the report again."),
    Refusal.PDF_ENCRYPTED: _("“%(name)s” is a password-protected PDF, which the hospital could not open. Please "
                             "upload an unprotected copy."),
    Refusal.TOO_LARGE: _("“%(name)s” was not uploaded because the upload is over the size limit of %(limit)s. "
                         "Please upload the spine series only, or split them into several uploads."),
    Refusal.TOO_MANY_FILES: _("“%(name)s” holds more than %(limit)s files, more than one upload may have. Please "
                              "upload the spine series only, or split them into several ZIP files."),
    Refusal.COMPRESSION_BOMB: _("“%(name)s” expands to far more data than a scan file could hold, so it was not "
                                "opened. Please upload the original files."),
    Refusal.UNSAFE_PATH: _("“%(name)s” has a folder path that points outside the ZIP file, so it was not opened. "
                           "Please create the ZIP again from the CD's files."),
    Refusal.LINK: _("“%(name)s” is a link (shortcut) to another file, not a file. Please upload the file itself."),
    Refusal.ENCRYPTED: _("“%(name)s” is password-protected, so it could not be checked. Please make a ZIP without a "
                         "password."),
    Refusal.NESTED_ARCHIVE: _("“%(name)s” is an archive inside the ZIP file; archives inside archives are not "
                              "opened. Please unpack it and include its files directly."),
    Refusal.DAMAGED_ARCHIVE: _("“%(name)s” is a damaged or incomplete ZIP file. Please create it again and upload "
                               "it."),
    Refusal.EMPTY_ARCHIVE: _("“%(name)s” is a ZIP file with no files in it."),
    Refusal.NOT_A_FILE: _("“%(name)s” is not a readable file."),
}
_NOT_DEIDENTIFIED = _("“%(name)s” could not be de-identified safely, so it will not be shared with anyone. If it is "
                      "part of your spine scan, please upload the files again from the CD.")
_FAILED = _("This file could not be processed. Please upload it again; if it happens again, send us a message.")


def _limits() -> UploadLimits:
    return UploadLimits(max_total_bytes=int(settings.UPLOAD_MAX_BYTES))


def _refusal_text(item: UploadItem, limits: UploadLimits) -> str:
    text = REFUSAL_TEXTS.get(item.refusal) if item.refusal is not None else None
    if text is None:
        return item.message
    limit = limits.describe_total() if item.refusal is Refusal.TOO_LARGE else f"{limits.max_members:,}"
    return str(text) % {"name": item.name, "limit": limit}


@dataclass
class _Accepted:
    """What one accepted file became on disk, before its row exists."""

    kind: str
    original: str
    deidentified: str = ""
    preview: str = ""
    modality: str = ""
    study_uid: str = ""
    series_uid: str = ""
    sop_uid: str = ""
    series_description: str = ""
    burned_in: bool = False


@task()
def process_upload(upload_id: str) -> str:
    """Check, de-identify and summarise one upload. Returns its final status."""
    upload = Upload.objects.select_related("request").filter(pk=upload_id).first()
    if upload is None:  # deleted meanwhile (the patient deleted their account)
        return "gone"
    if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):  # already processed: run at most once
        return str(upload.status)
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.PROCESSING)  # the patient's page shows it
    written: list[str] = []
    language = upload.request.language or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            _process(upload, written)
        except Exception as exc:
            # Not hidden: the patient sees the upload failed, the timeline and the audit trail record it. The log
            # names the kind of error only (its text could carry a file name).
            log.error("upload %s could not be processed: %s", upload.pk, type(exc).__name__)
            delete_unreferenced(written)
            _fail(upload, exc)
            return str(UploadStatus.FAILED)
    return str(UploadStatus.DONE)


def _process(upload: Upload, written: list[str]) -> None:
    request_obj = upload.request
    limits = _limits()
    storage = private_storage()
    with storage.open(upload.original.name, "rb") as stream:
        head = stream.read(4)
        stream.seek(0)
        report = inspect_upload([(upload.original_name or "upload", stream)], limits=limits)
    deidentifier = RequestDeidentifier(bytes.fromhex(request_obj.deidentification_seed),
                                       patient_pseudonym=request_obj.reference)
    accepted: list[_Accepted] = []
    rejected: list[dict[str, str]] = [
        {"name": item.name, "error": _refusal_text(item, limits), "code": str(item.refusal or "")}
        for item in report.refused
    ]
    for item in report.accepted:
        if item.kind is FileKind.PDF:
            original = store_bytes(item.data, "originals")
            written.append(original)
            accepted.append(_Accepted(ImagingFileKind.PDF, original))
            continue
        try:
            result = deidentifier.deidentify_bytes(item.data)
        except (DeidentificationError, ImagingError):
            # Fail closed for this object only: it is never shared; the rest of the upload goes on.
            rejected.append({"name": item.name, "error": str(_NOT_DEIDENTIFIED) % {"name": item.name},
                             "code": "not_deidentified"})
            continue
        original = store_bytes(item.data, "originals")
        deidentified = store_bytes(result.to_bytes(), "deidentified", ".dcm")
        written += [original, deidentified]
        picture = render_preview(result.dataset)
        preview = ""
        if picture.available and picture.png:
            preview = store_bytes(picture.png, "previews", ".png")
            written.append(preview)
        dataset = result.dataset
        accepted.append(_Accepted(
            ImagingFileKind.DICOM, original, deidentified, preview,
            modality=str(dataset.get("Modality", "") or "")[:16],
            study_uid=str(dataset.get("StudyInstanceUID", "") or "")[:64],
            series_uid=str(dataset.get("SeriesInstanceUID", "") or "")[:64],
            sop_uid=str(dataset.get("SOPInstanceUID", "") or "")[:64],
            series_description=str(dataset.get("SeriesDescription", "") or "")[:200],
            burned_in=result.burned_in_flag,
        ))
    detected = "zip" if head[:2] == b"PK" else (str(report.items[0].kind or "") if len(report.items) == 1 else "")

    with transaction.atomic():
        request_obj = TreatmentRequest.objects.select_for_update().get(pk=request_obj.pk)  # one summary at a time
        # The same image sent twice (again, or in two ZIPs) is accepted but kept once: same seed, same new UID.
        seen = set(request_obj.imaging_files.exclude(sop_uid="").values_list("sop_uid", flat=True))
        for spec in accepted:
            if spec.kind == ImagingFileKind.DICOM and spec.sop_uid:
                if spec.sop_uid in seen:
                    continue
                seen.add(spec.sop_uid)
            ImagingFile.objects.create(
                upload=upload, request=request_obj, kind=spec.kind, original=spec.original,
                deidentified=spec.deidentified, preview=spec.preview, modality=spec.modality,
                study_uid=spec.study_uid, series_uid=spec.series_uid, sop_uid=spec.sop_uid,
                series_description=spec.series_description, burned_in_annotation=spec.burned_in)
        Upload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.DONE, accepted_count=len(accepted), rejected=rejected, detected_type=detected,
            error="", processed_at=timezone.now())
        request_obj.imaging_summary = rebuild_summary(request_obj)
        request_obj.save(update_fields=["imaging_summary", "updated_at"])
        workflow.add_event(request_obj, "upload_processed", "system", accepted=len(accepted), rejected=len(rejected))
        record(None, Action.CHANGE, "upload", upload.pk, request_reference=request_obj.reference,
               detail=f"processed accepted={len(accepted)} refused={len(rejected)}", actor_role="system")


def _fail(upload: Upload, exc: Exception) -> None:
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.FAILED, error=str(_FAILED)[:300],
                                                   processed_at=timezone.now())
        workflow.add_event(upload.request, "upload_failed", "system")
        record(None, Action.CHANGE, "upload", upload.pk, request_reference=upload.request.reference,
               detail=f"failed: {type(exc).__name__}", actor_role="system")


def rebuild_summary(request_obj: TreatmentRequest) -> dict[str, Any]:
    """The study summary of every de-identified DICOM object of the request (modality, body part, series, slice
    counts), plus how many PDF reports there are and how many images may carry burned-in text."""
    storage = private_storage()
    files = list(request_obj.imaging_files.all())
    datasets = []
    for imaging in files:
        if imaging.kind != ImagingFileKind.DICOM or not imaging.deidentified:
            continue
        # Large values (the pixels) are read only if needed: the summary counts frames from the header.
        datasets.append(pydicom.dcmread(storage.path(imaging.deidentified.name), defer_size=1024))
    studies = [study.as_dict() for study in summarize_studies(datasets, previews=False)]
    return {
        "studies": studies,
        "study_count": len(studies),
        "series_count": sum(s["series_count"] for s in studies),
        "instance_count": sum(s["total_instances"] for s in studies),
        "image_count": sum(series["image_count"] for s in studies for series in s["series"]),
        "report_count": sum(1 for f in files if f.kind == ImagingFileKind.PDF),
        "burned_in_count": sum(1 for f in files if f.burned_in_annotation),
    }

