"""A patient's data rights: a copy of everything held about them (:func:`export_archive`), and deleting their
account (:func:`delete_account`).

Deleting an account withdraws the open requests (hospitals see that they were withdrawn), erases the personal
content of every request (answers, assessment, note, the messages the patient wrote, uploads and imaging: rows and
files), keeps the request's shell without a patient so the hospitals' and coordinators' records still make sense,
removes the identity from the audit trail (the events themselves stay), and deletes the user. All in one
transaction; the files are deleted only after it has committed, so a failure deletes nothing.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import PurePosixPath
from typing import IO, Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.web.accounts import access
from spinepath.web.audit.models import Action, AuditEvent
from spinepath.web.audit.trail import forget_actor, record

from . import workflow
from .models import (
    OPEN_STATUSES,
    ImagingFile,
    Message,
    Notification,
    RequestStatus,
    TreatmentRequest,
    Upload,
    private_storage,
)
from .uploads import delete_unreferenced

__all__ = ["delete_account", "export_archive", "export_document"]

EXPORT_SCHEMA = "spinepath.my-data/1"


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _request_document(request_obj: TreatmentRequest) -> dict[str, Any]:
    uploads = list(request_obj.uploads.all())
    imaging = list(request_obj.imaging_files.all())
    return {
        "reference": request_obj.reference,
        "kind": request_obj.kind,
        "status": request_obj.status,
        "created_at": _when(request_obj.created_at),
        "submitted_at": _when(request_obj.submitted_at),
        "language": request_obj.language,
        "intake": request_obj.intake,
        "assessment": request_obj.assessment,
        "ruleset_version": request_obj.ruleset_version,
        "urgency": request_obj.urgency,
        "procedures": request_obj.procedures,
        "countries": request_obj.countries,
        "cities": request_obj.cities,
        "earliest_date": _when(request_obj.earliest_date),
        "latest_date": _when(request_obj.latest_date),
        "note": request_obj.note,
        "imaging_summary": request_obj.imaging_summary,
        "consents": [{
            "given_at": _when(c.given_at), "text": c.text, "text_version": c.text_version,
            "share_reports_as_is": c.share_reports_as_is, "from_ip_address": c.given_from_ip,
            "withdrawn_at": _when(c.withdrawn_at), "hospitals": [h.name for h in c.hospitals.all()],
        } for c in request_obj.consents.all()],
        "uploads": [{
            "id": str(u.pk), "file_name": u.original_name, "size_bytes": u.size, "sha256": u.sha256,
            "type": u.detected_type, "status": u.status, "accepted": u.accepted_count, "refused": u.rejected,
            "error": u.error, "received_at": _when(u.created_at), "processed_at": _when(u.processed_at),
            "in_this_archive": _upload_path(request_obj, u),
        } for u in uploads],
        "imaging_files": [{
            "id": str(f.pk), "upload": str(f.upload_id), "kind": f.kind, "modality": f.modality,
            "series_description": f.series_description, "deidentified_study_uid": f.study_uid,
            "deidentified_series_uid": f.series_uid, "deidentified_sop_uid": f.sop_uid,
            "burned_in_annotation": f.burned_in_annotation,
            "original_in_this_archive": _imaging_path(request_obj, f, "original"),
            "deidentified_in_this_archive": _imaging_path(request_obj, f, "deidentified") if f.deidentified else None,
        } for f in imaging],
        "messages": [{"at": _when(m.created_at), "from": m.author_role, "body": m.body}
                     for m in request_obj.messages.all()],
        "hospitals": [{
            "hospital": r.hospital.name, "status": r.status, "sent_at": _when(r.routed_at),
            "answers": [{
                "kind": a.kind, "at": _when(a.created_at), "procedure": a.procedure_id, "levels": a.levels,
                "anaesthesia": a.anaesthesia, "expected_stay_nights": a.expected_stay_nights,
                "cost_min": str(a.cost_min) if a.cost_min is not None else None,
                "cost_max": str(a.cost_max) if a.cost_max is not None else None, "currency": a.currency,
                "earliest_date": _when(a.earliest_date), "valid_until": _when(a.valid_until), "notes": a.notes,
                "question": a.question, "decline_reason": a.decline_reason, "accepted_at": _when(a.accepted_at),
            } for a in r.responses.all()],
        } for r in request_obj.routings.select_related("hospital")],
        "timeline": [{"at": _when(e.at), "event": e.kind, "text": workflow.event_text(e)}
                     for e in request_obj.events.filter(visible_to_patient=True)],
    }


def _safe(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in PurePosixPath(name).name).strip()
    return cleaned[:100] or "file"


def _upload_path(request_obj: TreatmentRequest, upload: Upload) -> str:
    return f"files/{request_obj.reference}/as-uploaded/{str(upload.pk)[:8]}-{_safe(upload.original_name)}"


def _imaging_path(request_obj: TreatmentRequest, imaging: ImagingFile, which: str) -> str:
    suffix = ".pdf" if imaging.kind == "pdf" else ".dcm"
    return f"files/{request_obj.reference}/{which}/{imaging.pk}{suffix}"


def export_document(user: Any) -> dict[str, Any]:
    """Everything held about ``user`` as one JSON-ready document."""
    profile = getattr(user, "profile", None)
    requests = access.visible_requests(user).prefetch_related("consents__hospitals", "messages", "events")
    return {
        "schema": EXPORT_SCHEMA,
        "exported_at": timezone.now().isoformat(),
        "account": {"email": user.email, "username": user.get_username(), "first_name": user.first_name,
                    "last_name": user.last_name, "joined_at": _when(user.date_joined),
                    "last_sign_in_at": _when(user.last_login)},
        "profile": None if profile is None else {
            "role": profile.role, "display_name": profile.display_name,
            "email_verified_at": _when(profile.email_verified_at), "preferred_language": profile.preferred_language,
        },
        "requests": [_request_document(r) for r in requests],
        "notifications": [{"at": _when(n.created_at), "text": n.text, "read_at": _when(n.read_at)}
                          for n in Notification.objects.filter(user=user)],
        "activity": [{"at": _when(e.at), "action": e.action, "object": e.object_type, "request": e.request_reference,
                      "ip_address": e.ip_address} for e in AuditEvent.objects.filter(actor_id=user.pk)],
    }


def export_archive(user: Any, *, http: HttpRequest | None = None) -> IO[bytes]:
    """A ZIP with ``my-data.json`` and the patient's files: as uploaded, their originals and the de-identified
    copies. Written to a temporary file (never the whole archive in memory); the export is audited."""
    document = export_document(user)
    storage = private_storage()
    archive_file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    with zipfile.ZipFile(archive_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my-data.json", json.dumps(document, indent=2, ensure_ascii=False))
        for request_obj in access.visible_requests(user):
            for upload in request_obj.uploads.all():
                _add(archive, storage, upload.original.name, _upload_path(request_obj, upload))
            for imaging in request_obj.imaging_files.all():
                _add(archive, storage, imaging.original.name, _imaging_path(request_obj, imaging, "original"))
                if imaging.deidentified:
                    _add(archive, storage, imaging.deidentified.name,
                         _imaging_path(request_obj, imaging, "deidentified"))
    record(http, Action.EXPORT, "account", user.pk, detail=f"requests={len(document['requests'])}")
    archive_file.seek(0)
    return archive_file


def _add(archive: zipfile.ZipFile, storage: Any, name: str, arcname: str) -> None:
    if not name or not storage.exists(name) or arcname in archive.NameToInfo:
        return
    with storage.open(name, "rb") as source, archive.open(arcname, "w") as target:
        while chunk := source.read(1024 * 1024):
            target.write(chunk)


def delete_account(user: Any, *, http: HttpRequest | None = None) -> None:
    """Withdraw, erase, forget, delete (see the module's docstring). ``http`` is used only for the time and place
    of the audit events, which lose the identity with all the others."""
    user_id = user.pk
    names: set[str] = set()
    with transaction.atomic():
        requests = list(access.visible_requests(user).select_for_update())
        for request_obj in requests:
            if request_obj.status in (RequestStatus.DRAFT, *OPEN_STATUSES):
                workflow.withdraw(request_obj, user, http=None)  # no address: it would outlive the identity
        for request_obj in requests:
            uploads = Upload.objects.filter(request=request_obj)
            imaging = ImagingFile.objects.filter(request=request_obj)
            names.update(uploads.values_list("original", flat=True))
            for column in ("original", "deidentified", "preview"):
                names.update(imaging.values_list(column, flat=True))
            imaging.delete()
            uploads.delete()
            request_obj.consents.update(given_from_ip=None)
            TreatmentRequest.objects.filter(pk=request_obj.pk).update(
                intake={}, assessment={}, note="", imaging_summary={}, patient=None,
                personal_data_erased_at=timezone.now(), updated_at=timezone.now())
            record(http, Action.DELETE, "request", request_obj.pk, request_reference=request_obj.reference,
                   detail="personal data erased", actor_id=user_id, actor_role="patient")
        Message.objects.filter(author=user).delete()
        record(http, Action.DELETE, "account", user_id, actor_id=user_id, actor_role="patient")
        forget_actor(user_id)
        # django-axes keeps failed sign-ins by username (the e-mail address) for the lockout: forget those too.
        username = user.get_username()
        AccessAttempt.objects.filter(username=username).delete()
        AccessFailureLog.objects.filter(username=username).delete()
        AccessLog.objects.filter(username=username).delete()
        user.delete()
        transaction.on_commit(lambda: delete_unreferenced(names))
