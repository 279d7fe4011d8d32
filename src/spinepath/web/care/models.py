"""A patient's request for an examination or a treatment plan, and everything that hangs off it: consent, uploaded
imaging (originals visible to the patient only, de-identified copies for reviewers), routing to hospitals, the
hospitals' responses (plan / more information / decline), messages, the request's timeline and notifications.

Who may see or do what with these objects is decided in one place, :mod:`spinepath.web.accounts.access`; every
view goes through it. Every view or change is recorded with :func:`spinepath.web.audit.trail.record`.

Files live in private storage (``settings.PRIVATE_STORAGE``, never under a public URL); they are served only by
views that check access. Records are written in one transaction with their files moved into place first, so a
crash leaves at worst an orphan file (removed by ``manage.py sweep_orphan_files``), never a row without its file.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spinepath.web.hospitals.models import PROCEDURE_CHOICES


def private_storage():  # type: ignore[no-untyped-def]
    return storages["private"]


def _new_reference() -> str:
    # Human-friendly, unguessable enough to read over the phone; never used as an access check.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "SP-" + "".join(secrets.choice(alphabet) for _ in range(7))


def _new_seed() -> str:
    return secrets.token_hex(32)


class RequestKind(models.TextChoices):
    EXAMINATION = "examination", _("An examination")
    TREATMENT_PLAN = "treatment_plan", _("A treatment plan")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ROUTED = "routed", _("With hospitals")
    PLANS_RECEIVED = "plans_received", _("Plans received")
    ACCEPTED = "accepted", _("Plan accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.ROUTED, RequestStatus.PLANS_RECEIVED)


class TreatmentRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, default=_new_reference, editable=False)
    # SET_NULL: when a patient deletes their account the request stays (withdrawn, personal content erased) so
    # hospitals see it was withdrawn and the audit trail keeps its reference.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="treatment_requests"
    )
    organisation = models.ForeignKey(
        "spinepath_hospitals.Organisation", on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(_("what you would like"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.DRAFT,
                              db_index=True)

    # The self-assessment this request was made from, frozen: the spinepath.intake/1 and spinepath.assessment/1
    # documents, with the urgency copied out for filtering and highlighting.
    intake = models.JSONField(default=dict)
    assessment = models.JSONField(default=dict)
    ruleset_version = models.CharField(max_length=20, blank=True)
    urgency = models.CharField(max_length=20, blank=True, db_index=True)

    procedures = models.JSONField(_("procedures of interest"), default=list)  # knowledge-base procedure ids
    countries = models.JSONField(_("preferred countries"), default=list)  # ISO 3166-1 alpha-2 codes
    cities = models.JSONField(_("preferred cities"), default=list)
    earliest_date = models.DateField(_("earliest date"), null=True, blank=True)
    latest_date = models.DateField(_("latest date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    language = models.CharField(max_length=10, blank=True)

    # Secret per request: seeds de-identification, so UIDs and date shifts are consistent within the request and
    # unrelated across requests. Never shown.
    deidentification_seed = models.CharField(max_length=64, default=_new_seed, editable=False)
    # Study summary of the de-identified imaging (modality, body part, series, slice counts), rebuilt after uploads.
    imaging_summary = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="request_dates_in_order",
                condition=models.Q(earliest_date__isnull=True)
                | models.Q(latest_date__isnull=True)
                | models.Q(earliest_date__lte=models.F("latest_date")),
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_urgent(self) -> bool:
        return self.urgency in ("emergency", "urgent")


class Consent(models.Model):
    """The patient's explicit consent to share the request with the named hospitals: the exact text they agreed to,
    its version, when and from where. A new consent replaces (withdraws) the previous one."""

    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="consents")
    hospitals = models.ManyToManyField("spinepath_hospitals.Hospital", related_name="consents")
    text = models.TextField()
    text_version = models.CharField(max_length=20)
    share_reports_as_is = models.BooleanField(default=False)  # PDF reports cannot be de-identified automatically
    given_at = models.DateTimeField(auto_now_add=True)
    given_from_ip = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]


class UploadStatus(models.TextChoices):
    RECEIVED = "received", _("Received, waiting to be processed")
    PROCESSING = "processing", _("Being checked and de-identified")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Could not be processed")


# Still to be processed: a task is queued for the upload, or a worker is processing it.
WAITING_STATUSES = (UploadStatus.RECEIVED, UploadStatus.PROCESSING)


def upload_stale_after() -> datetime.timedelta:
    """How long an upload may wait (received, or being processed) before its worker is taken to have died
    (``settings.UPLOAD_STALE_AFTER_MINUTES``; see :func:`spinepath.web.care.tasks.recover_stale_uploads`)."""
    return datetime.timedelta(minutes=int(settings.UPLOAD_STALE_AFTER_MINUTES))


class UploadQuerySet(models.QuerySet["Upload"]):
    def stale(self, now: datetime.datetime) -> UploadQuerySet:
        """Uploads still waiting longer than :func:`upload_stale_after` after their latest attempt began."""
        return (self.filter(status__in=WAITING_STATUSES)
                .alias(waiting_since=Coalesce("last_attempt_at", "created_at"))
                .filter(waiting_since__lt=now - upload_stale_after()))


class Upload(models.Model):
    """One file the patient sent (a DICOM file, a zip of a study, or a PDF report), as received."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="uploads")
    original_name = models.CharField(max_length=255)  # may contain a name: shown to the patient only
    original = models.FileField(storage=private_storage, upload_to="originals/%Y/%m/", max_length=300)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    detected_type = models.CharField(max_length=20, blank=True)  # dicom / zip / pdf, by content
    status = models.CharField(max_length=20, choices=UploadStatus.choices, default=UploadStatus.RECEIVED)
    task_id = models.CharField(max_length=64, blank=True)
    accepted_count = models.PositiveIntegerField(default=0)
    # [{"name": member or file name, "error": patient-readable reason}] for every part that was refused.
    rejected = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # How many times the processing task has been queued for it: the first when it was received, then once more
    # each time recover_stale_uploads finds it stuck (a worker killed, out of memory, a restart).
    attempts = models.PositiveSmallIntegerField(default=1)
    # When the latest attempt was queued again or began to run; empty until then (the first began at created_at).
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def is_stale(self, now: datetime.datetime) -> bool:
        """Still waiting longer than it should (the same test as ``Upload.objects.stale``)."""
        waiting_since = self.last_attempt_at or self.created_at
        return self.status in WAITING_STATUSES and waiting_since < now - upload_stale_after()

    @property
    def taking_longer_than_usual(self) -> bool:
        """For the patient's page, which says so while it waits (it is being retried, or will be soon)."""
        return self.is_stale(timezone.now())


class ImagingFileKind(models.TextChoices):
    DICOM = "dicom", _("DICOM image")
    PDF = "pdf", _("Radiology report (PDF)")


class ImagingFile(models.Model):
    """One accepted object from an upload. ``original`` is the patient's own file (never shown to anyone else);
    ``deidentified`` is what reviewers see (DICOM only; PDF reports are shared only when the patient agreed to
    share them as they are)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="files")
    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="imaging_files")
    kind = models.CharField(max_length=10, choices=ImagingFileKind.choices)
    original = models.FileField(storage=private_storage, upload_to="originals/%Y/%m/", max_length=300)
    deidentified = models.FileField(storage=private_storage, upload_to="deidentified/%Y/%m/", max_length=300,
                                    blank=True)
    preview = models.FileField(storage=private_storage, upload_to="previews/%Y/%m/", max_length=300, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    study_uid = models.CharField(max_length=64, blank=True)  # de-identified UIDs only
    series_uid = models.CharField(max_length=64, blank=True)
    sop_uid = models.CharField(max_length=64, blank=True)
    series_description = models.CharField(max_length=200, blank=True)
    burned_in_annotation = models.BooleanField(default=False)  # reviewers are warned: text may be in the pixels
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series_uid", "created_at"]


class RoutingStatus(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for the hospital")
    INFO_REQUESTED = "info_requested", _("Hospital asked for more information")
    PLAN_SENT = "plan_sent", _("Plan sent")
    DECLINED = "declined", _("Declined")
    ACCEPTED = "accepted", _("Plan accepted")
    CLOSED = "closed", _("Closed")


class Routing(models.Model):
    """The request sent to one hospital (a coordinator routes to one or more hospitals the patient consented to)."""

    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="routings")
    hospital = models.ForeignKey("spinepath_hospitals.Hospital", on_delete=models.PROTECT, related_name="routings")
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+")
    routed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=RoutingStatus.choices, default=RoutingStatus.AWAITING)

    class Meta:
        ordering = ["routed_at"]
        constraints = [models.UniqueConstraint(fields=["request", "hospital"], name="route_once_per_hospital")]


class ResponseKind(models.TextChoices):
    PLAN = "plan", _("Treatment plan")
    MORE_INFORMATION = "more_information", _("Request for more information")
    DECLINE = "decline", _("Decline")


class Anaesthesia(models.TextChoices):
    LOCAL = "local", _("Local anaesthesia")
    LOCAL_SEDATION = "local_sedation", _("Local anaesthesia with sedation")
    REGIONAL = "regional", _("Regional (spinal/epidural) anaesthesia")
    GENERAL = "general", _("General anaesthesia")


class HospitalResponse(models.Model):
    """A surgeon's answer to a routed request: a treatment plan, a request for more information, or a decline."""

    routing = models.ForeignKey(Routing, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=ResponseKind.choices)
    # Plan fields (required when kind == plan; enforced by the form and by a constraint)
    procedure_id = models.CharField(_("procedure"), max_length=40, choices=PROCEDURE_CHOICES, blank=True)
    levels = models.JSONField(_("levels"), default=list, blank=True)  # e.g. ["L4-L5"]
    anaesthesia = models.CharField(_("anaesthesia"), max_length=20, choices=Anaesthesia.choices, blank=True)
    expected_stay_nights = models.PositiveSmallIntegerField(_("expected stay (nights)"), null=True, blank=True)
    cost_min = models.DecimalField(_("estimated cost from"), max_digits=12, decimal_places=2, null=True, blank=True)
    cost_max = models.DecimalField(_("estimated cost to"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, blank=True)
    earliest_date = models.DateField(_("earliest date"), null=True, blank=True)
    valid_until = models.DateField(_("plan valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    # More-information and decline
    question = models.TextField(_("what we need"), blank=True, max_length=2000)
    decline_reason = models.TextField(_("reason"), blank=True, max_length=2000)

    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="plan_is_complete",
                condition=~models.Q(kind="plan")
                | (
                    ~models.Q(procedure_id="")
                    & ~models.Q(anaesthesia="")
                    & models.Q(expected_stay_nights__isnull=False)
                    & models.Q(cost_min__isnull=False)
                    & models.Q(cost_max__isnull=False)
                    & models.Q(cost_min__lte=models.F("cost_max"))
                    & ~models.Q(currency="")
                    & models.Q(earliest_date__isnull=False)
                    & models.Q(valid_until__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="decline_has_reason", condition=~models.Q(kind="decline") | ~models.Q(decline_reason="")
            ),
            models.CheckConstraint(
                name="more_information_has_question",
                condition=~models.Q(kind="more_information") | ~models.Q(question=""),
            ),
        ]


class Message(models.Model):
    """A message on a request between the patient and the coordinator (or a hospital, through the coordinator)."""

    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    author_role = models.CharField(max_length=20)
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class RequestEvent(models.Model):
    """The request's timeline as the people working on it see it (the audit trail is the complete record)."""

    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor_role = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=40)  # one of spinepath.web.care.workflow.EVENT_TEXTS
    # Values for the kind's translatable text (e.g. {"hospitals": "..."}); no clinical content or patient names.
    params = models.JSONField(default=dict, blank=True)
    visible_to_patient = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "id"]


class Notification(models.Model):
    """An in-app notification (the same news also goes by e-mail, see spinepath.web.care.notify)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    request = models.ForeignKey(TreatmentRequest, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
