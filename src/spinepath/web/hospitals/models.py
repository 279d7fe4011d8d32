"""The partner-hospital directory (admin-managed): organisations that coordinate requests, the hospitals they
route to, each hospital's accreditations (with expiry), procedures offered and languages spoken.

Surgeons and coordinators are linked to a hospital / organisation through their account profile
(:mod:`spinepath.web.accounts.models`), which is what object-level access is decided on.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spinepath.core.assessment import PROCEDURE_IDS

PROCEDURE_CHOICES = [(procedure_id, procedure_id) for procedure_id in PROCEDURE_IDS]

# The admin warns this many days before an accreditation runs out, so it can be renewed or taken off the page.
EXPIRY_WARNING_DAYS = 60


class AccreditationStatus(models.TextChoices):
    CURRENT = "current", _("Current")
    EXPIRING = "expiring", _("Current, expiring soon")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")


class Organisation(models.Model):
    """A care-coordination organisation: receives patients' requests and routes them to its partner hospitals."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Hospital(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="hospitals")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=100)
    country_code = models.CharField(_("country code (ISO 3166-1 alpha-2)"), max_length=2)
    website = models.URLField(_("website"), blank=True)
    # Languages spoken with patients, as BCP 47 codes ("en", "tr", "hi", "ar"), comma-separated in the admin.
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("accepting requests"), default=True)

    class Meta:
        ordering = ["country", "city", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def procedure_ids(self) -> list[str]:
        return [offered.procedure_id for offered in self.procedures.all()]

    def current_accreditations(self, on: datetime.date | None = None) -> list[Accreditation]:
        today = on or timezone.localdate()
        return [accreditation for accreditation in self.accreditations.all() if accreditation.valid_on(today)]


class Accreditation(models.Model):
    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="accreditations")
    body = models.CharField(_("accrediting body"), max_length=100, help_text=_("e.g. JCI, NABH"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ["body"]

    def __str__(self) -> str:
        return f"{self.body} (until {self.expires_on:%Y-%m-%d})"

    def valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and day <= self.expires_on

    def status_on(self, day: datetime.date, *, warn_days: int = EXPIRY_WARNING_DAYS) -> AccreditationStatus:
        """What the accreditation is on ``day``: an expired one is never current, whatever else it says."""
        if day > self.expires_on:
            return AccreditationStatus.EXPIRED
        if self.valid_from is not None and day < self.valid_from:
            return AccreditationStatus.NOT_YET_VALID
        if (self.expires_on - day).days <= warn_days:
            return AccreditationStatus.EXPIRING
        return AccreditationStatus.CURRENT


class HospitalProcedure(models.Model):
    """A procedure (knowledge-base id) a hospital offers. A row, not a JSON list, so the directory can be filtered
    by procedure on SQLite and PostgreSQL alike."""

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="procedures")
    procedure_id = models.CharField(_("procedure"), max_length=40, choices=PROCEDURE_CHOICES)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "procedure_id"], name="hospital_procedure_once")]
        ordering = ["procedure_id"]

    def __str__(self) -> str:
        return self.procedure_id
