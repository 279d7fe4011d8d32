"""Background work on a patient's upload: check each file by its content, de-identify the DICOM objects, make the
previews and the study summary (:func:`process_upload`, a django-tasks task; run a worker with
``manage.py db_worker``, or ``SPINEPATH_TASKS=immediate`` to run it in the web process).

One upload is one transaction: the files are written first (content-addressed, see :mod:`.uploads`), then the
``ImagingFile`` rows, the upload's verdict, the request's study summary, the timeline event and the audit event
are saved together. If anything goes wrong the upload is marked failed with a sentence the patient can act on and
no row of it is left half-written; files written for it that no row refers to are removed at once.

A worker that dies in the middle (killed, out of memory, a restart) leaves the upload "processing" with no row
written, and maybe some files. :func:`recover_stale_uploads` (``manage.py recover_stale_uploads``, from cron)
queues such an upload again and, after ``settings.UPLOAD_MAX_ATTEMPTS`` attempts, marks it failed. Running the task
again is safe: it writes the same content-addressed files again, and the upload's status is claimed with
conditional updates, at the start and at the commit, so only one run records rows, however many were queued.
Locks are taken in one order, the request before the upload, so that two runs cannot deadlock.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

import pydicom
from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

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
from .models import (
    WAITING_STATUSES,
    ImagingFile,
    ImagingFileKind,
    TreatmentRequest,
    Upload,
    UploadStatus,
    private_storage,
)
from .uploads import delete_unreferenced, store_bytes

log = logging.getLogger(__name__)

__all__ = ["REFUSAL_TEXTS", "Recovery", "process_upload", "rebuild_summary", "recover_stale_uploads"]

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
_GAVE_UP = _("We could not finish checking this upload. Please upload the files again; nothing you sent was shared.")


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
    # Only an upload still waiting is processed (the same task may be queued more than once, see
    # recover_stale_uploads); the patient's page shows it is being processed.
    if not Upload.objects.filter(pk=upload.pk, status__in=WAITING_STATUSES).update(
            status=UploadStatus.PROCESSING, last_attempt_at=timezone.now()):
        return _status_of(upload)
    written: list[str] = []
    language = upload.request.language or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            recorded = _process(upload, written)
        except Exception as exc:
            # Not hidden: the patient sees the upload failed, the timeline and the audit trail record it. The log
            # names the kind of error only (its text could carry a file name).
            log.error("upload %s could not be processed: %s", upload.pk, type(exc).__name__)
            delete_unreferenced(written)
            _mark_failed(upload, str(_FAILED), f"failed: {type(exc).__name__}")
            return _status_of(upload)
    if not recorded:  # another run of this task finished it first, or recover_stale_uploads gave up on it
        delete_unreferenced(written)
        return _status_of(upload)
    return str(UploadStatus.DONE)


def _status_of(upload: Upload) -> str:
    return str(Upload.objects.filter(pk=upload.pk).values_list("status", flat=True).first() or "gone")


def _process(upload: Upload, written: list[str]) -> bool:
    """Process the upload and record the result; False, with nothing recorded, if it was no longer waiting."""
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
        # The verdict first: it locks the upload, and a second run of this task waits here, then finds it done.
        if not Upload.objects.filter(pk=upload.pk, status__in=WAITING_STATUSES).update(
                status=UploadStatus.DONE, accepted_count=len(accepted), rejected=rejected, detected_type=detected,
                error="", processed_at=timezone.now()):
            return False
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
        request_obj.imaging_summary = rebuild_summary(request_obj)
        request_obj.save(update_fields=["imaging_summary", "updated_at"])
        workflow.add_event(request_obj, "upload_processed", "system", accepted=len(accepted), rejected=len(rejected))
        record(None, Action.CHANGE, "upload", upload.pk, request_reference=request_obj.reference,
               detail=f"processed accepted={len(accepted)} refused={len(rejected)}", actor_role="system")
    return True


def _mark_failed(upload: Upload, error: str, detail: str, *, still: QuerySet[Upload] | None = None) -> bool:
    """Mark the upload failed with ``error`` (the patient's sentence, already in their language), with its timeline
    and audit events, if it is still waiting (and in ``still``, when given). Returns whether it was marked."""
    waiting = (Upload.objects.all() if still is None else still).filter(pk=upload.pk, status__in=WAITING_STATUSES)
    with transaction.atomic():
        TreatmentRequest.objects.select_for_update().filter(pk=upload.request_id).first()  # request, then upload
        if not waiting.update(status=UploadStatus.FAILED, error=error[:300], processed_at=timezone.now()):
            return False
        workflow.add_event(upload.request, "upload_failed", "system")
        record(None, Action.CHANGE, "upload", upload.pk, request_reference=upload.request.reference,
               detail=detail, actor_role="system")
    return True


# ---- uploads whose worker died ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover_stale_uploads` did (or, in a dry run, would do)."""

    requeued: int = 0
    failed: int = 0
    waiting_for_worker: int = 0  # still in the queue, never taken by a worker: left as they are


def recover_stale_uploads(*, now: datetime.datetime, dry_run: bool = False) -> Recovery:
    """Queue the processing task again for every upload still waiting ``settings.UPLOAD_STALE_AFTER_MINUTES`` after
    its latest attempt began; one that has had ``settings.UPLOAD_MAX_ATTEMPTS`` attempts is marked failed instead,
    asking the patient to upload it again (as when processing fails).

    An upload whose task is still in the queue, never taken by a worker, is left as it is: no worker died in the
    middle of it; the workers are stopped or behind. Queuing it again would only lengthen the queue, and failing it
    would ask the patient to upload again because of an outage of ours. The sweep logs how many wait, for the
    operators (``manage.py db_worker`` should be running).

    Each upload is claimed by a conditional update on the attempt count it was read with, so two sweeps running at
    once cannot queue the same upload twice: the second one's update waits for the first one's commit, then
    matches no row.
    """
    max_attempts = int(settings.UPLOAD_MAX_ATTEMPTS)
    stale = list(Upload.objects.stale(now).select_related("request").order_by("created_at"))
    queued = {upload.pk for upload in stale if _still_queued(upload)}
    stale = [upload for upload in stale if upload.pk not in queued]
    if queued:
        log.warning("%s upload(s) have waited over %s minutes for a worker: is manage.py db_worker running?",
                    len(queued), settings.UPLOAD_STALE_AFTER_MINUTES)
    if dry_run:
        return Recovery(requeued=sum(1 for upload in stale if upload.attempts < max_attempts),
                        failed=sum(1 for upload in stale if upload.attempts >= max_attempts),
                        waiting_for_worker=len(queued))
    requeued = failed = 0
    for upload in stale:
        if upload.attempts < max_attempts:
            requeued += _queue_again(upload, now, max_attempts)
        else:
            failed += _give_up(upload, now)
    return Recovery(requeued=requeued, failed=failed, waiting_for_worker=len(queued))


def _still_queued(upload: Upload) -> bool:
    """Whether the upload's latest task is in the queue, not yet taken by a worker. False when that cannot be known
    (no task recorded: the enqueue was lost; a backend that keeps no results): the sweep then acts as for a
    dead worker, since waiting would wait forever."""
    if not upload.task_id:
        return False
    try:
        return process_upload.get_result(upload.task_id).status == TaskResultStatus.READY
    except (TaskResultDoesNotExist, NotImplementedError):
        return False


def _unchanged(upload: Upload, now: datetime.datetime) -> QuerySet[Upload]:
    """The upload, if it is still stale and no other sweep has acted on it since it was read."""
    return Upload.objects.stale(now).filter(pk=upload.pk, attempts=upload.attempts)


def _queue_again(upload: Upload, now: datetime.datetime, max_attempts: int) -> bool:
    with transaction.atomic():
        if not _unchanged(upload, now).update(status=UploadStatus.RECEIVED, attempts=F("attempts") + 1,
                                              last_attempt_at=now):
            return False
        # After the commit, as when it was received. A crash before the task is queued costs one attempt: the
        # upload is stale again after the limit, and the next sweep queues it.
        transaction.on_commit(lambda: _enqueue_again(str(upload.pk)))
    log.warning("upload %s queued again, attempt %s of %s", upload.pk, upload.attempts + 1, max_attempts)
    return True


def _give_up(upload: Upload, now: datetime.datetime) -> bool:
    with translation.override(upload.request.language or settings.LANGUAGE_CODE):
        error = str(_GAVE_UP)
    if not _mark_failed(upload, error, f"failed: not finished after {upload.attempts} attempts",
                        still=_unchanged(upload, now)):
        return False
    log.error("upload %s not finished after %s attempts: marked failed", upload.pk, upload.attempts)
    return True


def _enqueue_again(upload_id: str) -> None:
    result = process_upload.enqueue(upload_id)
    Upload.objects.filter(pk=upload_id).update(task_id=str(result.id)[:64])


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

