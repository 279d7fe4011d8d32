"""Recovery tracking: questionnaires a patient answered (scored by :mod:`spinepath.core.outcomes`), the operation
their follow-up schedule counts from, the reminders already sent, and safety alerts raised by their answers.

Scores are computed by the core when a submission is saved and stored with it (``score``), so a later change of
the packaged scoring is visible as a different stored result, never a silent rewrite. Who may see what is decided
by :mod:`spinepath.web.accounts.access` through the submission's treatment request (or, without one, by ownership).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from spinepath.web.hospitals.models import PROCEDURE_CHOICES

# The instrument id under which the post-operative safety screen's answers are stored (not a core instrument).
SAFETY_INSTRUMENT = "post_op_safety"


class TimePoint(models.TextChoices):
    """``baseline`` is the schedule's ``pre_op`` time point (answered before the operation, e.g. with the
    self-check); the others are the core schedule's ids (``data/schedule.yaml``)."""

    BASELINE = "baseline", _("Before the operation (baseline)")
    WEEK_2 = "week_2", _("2 weeks after")
    WEEK_6 = "week_6", _("6 weeks after")
    MONTH_3 = "month_3", _("3 months after")
    MONTH_12 = "month_12", _("12 months after")
    MONTH_24 = "month_24", _("2 years after")


def schedule_id(timepoint: str) -> str:
    """The core schedule's id for a stored time point."""
    return "pre_op" if timepoint == TimePoint.BASELINE else timepoint


def stored_timepoint(schedule_timepoint: str) -> str:
    return TimePoint.BASELINE if schedule_timepoint == "pre_op" else schedule_timepoint


class Source(models.TextChoices):
    WEB = "web", _("Answered on the website")
    FHIR = "fhir", _("Imported (FHIR QuestionnaireResponse)")


class QuestionnaireSubmission(models.Model):
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questionnaires")
    request = models.ForeignKey("spinepath_care.TreatmentRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="questionnaires")
    instrument_id = models.CharField(max_length=40)
    timepoint = models.CharField(max_length=20, choices=TimePoint.choices)
    answers = models.JSONField(default=dict)  # item id -> answer code (the core's Answers)
    score = models.JSONField(default=dict)  # spinepath.core.outcomes.Score (or SafetyResult), as computed
    submitted_at = models.DateTimeField()
    submitted_on = models.DateField()  # the site's date of submission: what the schedule counts
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["patient", "instrument_id", "timepoint"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} @ {self.timepoint} #{self.pk}"

    @property
    def value(self) -> float | None:
        value = self.score.get("value")
        return float(value) if value is not None else None

    @property
    def complete(self) -> bool:
        return bool(self.score.get("complete"))


class RecordedBy(models.TextChoices):
    PATIENT = "patient", _("Patient")
    SURGEON = "surgeon", _("Hospital surgeon")
    COORDINATOR = "coordinator", _("Coordinator")


class ProcedureRecord(models.Model):
    """The operation the follow-up schedule counts from: which procedure, where and when (one per request)."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="procedures")
    request = models.OneToOneField("spinepath_care.TreatmentRequest", on_delete=models.CASCADE,
                                   related_name="procedure_record")
    procedure_id = models.CharField(_("procedure"), max_length=40, choices=PROCEDURE_CHOICES)
    hospital = models.ForeignKey("spinepath_hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="procedure_records")
    procedure_date = models.DateField(_("date of the operation"))
    recorded_by = models.CharField(max_length=20, choices=RecordedBy.choices)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-procedure_date", "id"]

    def __str__(self) -> str:
        return f"{self.procedure_id} on {self.procedure_date}"


class ReminderSent(models.Model):
    """A reminder already sent: one per operation, time point and kind ("due", then "overdue"), so the daily task
    never reminds twice."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(ProcedureRecord, on_delete=models.CASCADE, related_name="reminders")
    timepoint = models.CharField(max_length=20, choices=TimePoint.choices)
    kind = models.CharField(max_length=20)
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "procedure", "timepoint", "kind"],
                                               name="remind_once_per_timepoint_and_kind")]


class AlertLevel(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")


class SafetyAlert(models.Model):
    """Answers to the post-operative safety questions that need care now; the coordinator acknowledges it."""

    submission = models.OneToOneField(QuestionnaireSubmission, on_delete=models.CASCADE, related_name="alert")
    level = models.CharField(max_length=20, choices=AlertLevel.choices)
    reasons = models.JSONField(default=list)  # [{"rule", "title", "sources"}] from the core's safety screen
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-created_at"]
