"""Receiving a patient's imaging: DICOM files, a ZIP of a study, or a PDF radiology report, several per form post.

How a file travels, and why in this order:

1. Django streams it to a temporary file from the first byte (``settings.FILE_UPLOAD_HANDLERS``); in front of that
   handler :class:`LimitingUploadHandler` skips any file over ``settings.UPLOAD_MAX_BYTES`` and every file past the
   per-post total, and remembers them so each gets its own message. A body whose Content-Length is already over
   the total is refused before it is read (:func:`too_large_to_read`).
2. :func:`receive` writes each file into private storage under a **content-addressed** name (its SHA-256; never the
   patient's file name), through a temporary name and an atomic rename, so a crash never leaves half a file under a
   real name. Then the :class:`~spinepath.web.care.models.Upload` row is created in one transaction, and the
   background task (:mod:`spinepath.web.care.tasks`) is enqueued only once that transaction has committed.
   A crash in between leaves at worst an unreferenced file, which ``manage.py sweep_orphan_files`` removes.
3. The task judges each file by its **content** (:func:`spinepath.imaging.inspect_upload`) and de-identifies it.

Content-addressing means one stored file may be referenced by several rows (the same scan sent twice); files are
therefore only ever deleted when no row refers to them any more (:func:`delete_unreferenced`).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from . import workflow
from .models import ImagingFile, TreatmentRequest, Upload, private_storage

__all__ = [
    "FIELD",
    "LimitingUploadHandler",
    "Refused",
    "delete_unreferenced",
    "install_limits",
    "receive",
    "referenced_names",
    "request_max_bytes",
    "store_bytes",
    "store_stream",
    "too_large_to_read",
]

FIELD = "files"  # the form field the files come in
_CHUNK = 1024 * 1024
_TMP = "tmp"  # private storage folder for files being written (sweep_orphan_files removes stale ones)


def request_max_bytes() -> int:
    """All files of one form post together (a whole study is usually sent as several files or one ZIP)."""
    return int(getattr(settings, "UPLOAD_REQUEST_MAX_BYTES", 5 * settings.UPLOAD_MAX_BYTES))


@dataclass(frozen=True)
class Refused:
    """A file that was not accepted, with the sentence the patient sees."""

    name: str
    error: str


# ---- 1. limits while the body is read -----------------------------------------------------------------------------


def too_large_to_read(request: HttpRequest) -> str | None:
    """A message when the declared body size is already over the per-post limit (nothing has been read yet)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    # The body also holds the form's other fields and the multipart boundaries: allow for them.
    if declared > request_max_bytes() + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return gettext(
            "These files are %(size)s together, more than the %(limit)s one upload may have. Nothing was uploaded. "
            "Please send the spine series only, or upload the files in several goes."
        ) % {"size": filesizeformat(declared), "limit": filesizeformat(request_max_bytes())}
    return None


class LimitingUploadHandler(FileUploadHandler):
    """First in the chain of upload handlers: passes data through, but skips a file as soon as it is over the per-file
    limit, and every file once the post's total is reached. Skipped files are listed in :attr:`refused`.

    (It must not have a ``file`` attribute: Django closes the ``file`` of every handler when one skips.)
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.per_file = int(settings.UPLOAD_MAX_BYTES)
        self.total = request_max_bytes()
        self.kept_bytes = 0  # bytes of files received so far, skipped ones not counted
        self.current_bytes = 0
        self.refused: list[Refused] = []

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.current_bytes = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        size = start + len(raw_data)
        if size > self.per_file:
            self._skip(gettext("“%(name)s” is larger than %(limit)s, the most one file may be, so it was not "
                               "uploaded. Please upload the spine series only, or split the files into several "
                               "ZIP files.") % {"name": self.file_name, "limit": filesizeformat(self.per_file)})
        if self.kept_bytes + size > self.total:
            self._skip(gettext("“%(name)s” was not uploaded: together the files are over %(limit)s, the most one "
                               "upload may have. Please upload it again on its own.")
                       % {"name": self.file_name, "limit": filesizeformat(self.total)})
        self.current_bytes = size
        return raw_data

    def file_complete(self, file_size: int) -> None:
        self.kept_bytes += file_size
        self.current_bytes = 0
        return None

    def _skip(self, message: str) -> None:
        self.refused.append(Refused(str(self.file_name or ""), message))
        self.current_bytes = 0
        raise SkipFile(message)


def install_limits(request: HttpRequest) -> LimitingUploadHandler:
    """Put the limiting handler in front of the configured ones. Must run before ``request.POST``/``FILES`` is read
    (so the view is csrf_exempt outside and csrf_protect inside, as Django's documentation describes)."""
    limiter = LimitingUploadHandler(request)
    request.upload_handlers.insert(0, limiter)
    return limiter


# ---- 2. storing, then the row, then the task ------------------------------------------------------------------------


def _location() -> Path:
    return Path(private_storage().location)


def _content_name(folder: str, digest: str, suffix: str) -> str:
    return f"{folder}/{digest[:2]}/{digest}{suffix}"


def _write_atomically(chunks: Iterable[bytes], folder: str, suffix: str) -> tuple[str, int, str]:
    """Write ``chunks`` to private storage under ``folder/<sha256><suffix>``: into a temporary file first, then an
    atomic rename, so a crash never leaves a partial file under a real name. Returns (name, size, sha256)."""
    root = _location()
    tmp_dir = root / _TMP
    tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp_path = tmp_dir / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        name = _content_name(folder, digest.hexdigest(), suffix)
        final = root / name
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(tmp_path, final)  # the same content may already be there: replacing it changes nothing
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return name, size, digest.hexdigest()


def _read_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def store_stream(stream: IO[bytes], folder: str, suffix: str = "") -> tuple[str, int, str]:
    """Store a file-like object in private storage, content-addressed. Returns (name, size, sha256)."""
    if hasattr(stream, "seek"):
        stream.seek(0)
    return _write_atomically(_read_chunks(stream), folder, suffix)


def store_bytes(data: bytes, folder: str, suffix: str = "") -> str:
    """Store bytes in private storage, content-addressed. Returns the storage name."""
    return _write_atomically([data], folder, suffix)[0]


def receive(request_obj: TreatmentRequest, files: Iterable[UploadedFile], http: HttpRequest) -> list[Upload]:
    """Store each received file and record it; the de-identification task is enqueued after the commit."""
    from .tasks import process_upload  # the task module imports this one

    stored = []
    for uploaded in files:
        name, size, sha256 = store_stream(uploaded, "originals")
        stored.append((uploaded.name or "", name, size, sha256))
    if not stored:
        return []
    with transaction.atomic():
        uploads = [
            Upload.objects.create(request=request_obj, original_name=original_name[:255], original=name, size=size,
                                  sha256=sha256)
            for original_name, name, size, sha256 in stored
        ]
        workflow.add_event(request_obj, "upload_received", "patient", count=len(uploads))
        for upload in uploads:
            record(http, Action.CREATE, "upload", upload.pk, request_reference=request_obj.reference,
                   detail=f"size={upload.size}")
        for upload in uploads:
            transaction.on_commit(_enqueue(process_upload, str(upload.pk)))
    return uploads


def _enqueue(task: Any, upload_id: str):  # type: ignore[no-untyped-def]
    def enqueue() -> None:
        result = task.enqueue(upload_id)
        # The immediate backend has already run the task; a queued one is looked up by the worker.
        Upload.objects.filter(pk=upload_id, task_id="").update(task_id=str(result.id)[:64])

    return enqueue


# ---- files no row refers to ---------------------------------------------------------------------------------------


def referenced_names() -> set[str]:
    """Every private-storage name some row refers to."""
    names: set[str] = set(Upload.objects.values_list("original", flat=True))
    for column in ("original", "deidentified", "preview"):
        names.update(ImagingFile.objects.values_list(column, flat=True))
    names.discard("")
    return names


def _is_referenced(name: str) -> bool:
    return (Upload.objects.filter(original=name).exists()
            or ImagingFile.objects.filter(Q(original=name) | Q(deidentified=name) | Q(preview=name)).exists())


def delete_unreferenced(names: Iterable[str]) -> int:
    """Delete those of ``names`` that no row refers to any more (a stored file may be shared). Returns how many."""
    storage = private_storage()
    deleted = 0
    for name in sorted(set(names) - {""}):
        if not _is_referenced(name) and storage.exists(name):
            storage.delete(name)
            deleted += 1
    return deleted
