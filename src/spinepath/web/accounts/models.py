"""Who someone is in spinepath: their role, and the organisation or hospital the role is tied to.

Django's own ``auth.User`` holds the login (the e-mail address is the username). Each user has exactly one
:class:`Profile`; what they may see and do is decided from it, in one place: :mod:`spinepath.web.accounts.access`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    COORDINATOR = "coordinator", _("Coordinator")
    SURGEON = "surgeon", _("Hospital surgeon")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.SURGEON, Role.ADMIN})


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PATIENT)
    # A coordinator sees every request of their organisation; a surgeon only requests routed to their hospital.
    organisation = models.ForeignKey(
        "spinepath_hospitals.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    hospital = models.ForeignKey(
        "spinepath_hospitals.Hospital", on_delete=models.PROTECT, null=True, blank=True, related_name="surgeons"
    )
    display_name = models.CharField(_("name shown to others"), max_length=120, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="surgeon_has_hospital",
                condition=~models.Q(role="surgeon") | models.Q(hospital__isnull=False),
            ),
            models.CheckConstraint(
                name="coordinator_has_organisation",
                condition=~models.Q(role="coordinator") | models.Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.user_id}"

    def clean(self) -> None:
        if self.role == Role.SURGEON and self.hospital_id is None:
            raise ValidationError({"hospital": _("A surgeon must belong to a hospital.")})
        if self.role == Role.COORDINATOR and self.organisation_id is None:
            raise ValidationError({"organisation": _("A coordinator must belong to an organisation.")})

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def shown_name(self) -> str:
        """What other users see: the chosen display name, else the role (never the e-mail address)."""
        return self.display_name or str(self.get_role_display())
