"""Patient-uploaded imaging: check the upload, de-identify the DICOM objects, summarise the study.

Framework-free (no Django): the web layer stores the upload, then calls these three steps, typically from a
background task. Nothing here writes to disk; originals are never modified.

1. **Check the upload, by content** — :func:`inspect_upload(sources, limits=UploadLimits())
   <spinepath.imaging.uploads.inspect_upload>` takes paths or binary streams (or ``(name, stream)`` pairs) and
   returns an :class:`UploadReport` with one :class:`UploadItem` per file (per member for a ZIP):
   ``accepted``, ``kind`` (:class:`FileKind` DICOM or PDF), ``refusal`` (a stable :class:`Refusal` code to
   translate), ``message`` (an English sentence for the patient, naming the file), ``size_bytes`` and, when
   accepted, ``data``. One bad file never spoils the others. :class:`UploadLimits` sets the total size (200 MB),
   ZIP member count (2,000) and compression ratio (100:1).

2. **De-identify** — one :class:`RequestDeidentifier(seed) <spinepath.imaging.deidentify.RequestDeidentifier>` per
   request, with a secret from :func:`new_request_seed` stored with the request (it is what keeps UIDs and the date
   shift consistent across the request's files, and later uploads to the same request). For each accepted DICOM
   item: ``result = deidentifier.deidentify_bytes(item.data)`` (or ``.deidentify(dataset)``) returns a
   :class:`DeidentifiedResult` with ``dataset``, ``burned_in_flag`` (a reviewer must check the pixels before
   release), ``notes`` (sentences for the reviewer) and ``to_bytes()`` (the DICOM file to store). It follows
   DICOM PS3.15 Annex E (Basic Profile + Modified Dates + Clean Descriptors, via ``dicognito``) and raises
   :class:`DeidentificationError` — fail closed, never release — when its own verification finds anything left.
   PDF reports are accepted by step 1 but not de-identified: a person must review them.

3. **Summarise** — :func:`summarize_studies(datasets) <spinepath.imaging.summary.summarize_studies>` returns a
   :class:`StudySummary` per study: ``description``, ``modalities``, ``body_parts``, ``series_count``,
   ``total_instances`` and per series (:class:`SeriesSummary`) description, modality, body part, instance and
   image (slice) counts and a :class:`Preview` (``png`` bytes ≤ 512 px, or ``unavailable_reason``).
   ``StudySummary.as_dict()`` is JSON-ready.

Errors (:mod:`spinepath.imaging.errors`)::

    ImagingError
    ├── NotDicomError            load_dicom / deidentify_bytes on bytes that are not a complete DICOM object
    └── DeidentificationError    verification failed; its message names attributes, never values

Demo: ``python -m spinepath.imaging DIR_OR_ZIP [...]`` prints the verdicts and the study summary.
"""

from spinepath.imaging._dicomfile import load_dicom
from spinepath.imaging.deidentify import DeidentifiedResult, RequestDeidentifier, new_request_seed
from spinepath.imaging.errors import DeidentificationError, ImagingError, NotDicomError
from spinepath.imaging.summary import Preview, SeriesSummary, StudySummary, render_preview, summarize_studies
from spinepath.imaging.uploads import FileKind, Refusal, UploadItem, UploadLimits, UploadReport, inspect_upload

__all__ = [
    "DeidentificationError",
    "DeidentifiedResult",
    "FileKind",
    "ImagingError",
    "NotDicomError",
    "Preview",
    "Refusal",
    "RequestDeidentifier",
    "SeriesSummary",
    "StudySummary",
    "UploadItem",
    "UploadLimits",
    "UploadReport",
    "inspect_upload",
    "load_dicom",
    "new_request_seed",
    "render_preview",
    "summarize_studies",
]
