"""The audit trail: every view or change of a request, its files and plans (who, role, what, when, from where).

Append-only: a saved event can never be changed or deleted through the ORM (``save`` of an existing row, queryset
``update``/``delete`` and ``delete`` all raise), and on PostgreSQL a trigger refuses UPDATE and DELETE as well
(migration 0002). The one sanctioned change is :func:`spinepath.web.audit.trail.forget_actor`, used when a
patient deletes their account: the events stay, the identity (user id, IP address) is removed.

Events never hold personal data beyond the actor's user id and IP address: objects are referred to by type and
id, and the request by its reference, never by names or clinical content.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit event."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("audit events are append-only")


class Action(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    CHANGE = "change", _("changed")
    DOWNLOAD = "download", _("downloaded")
    EXPORT = "export", _("exported")
    DELETE = "delete", _("deleted")
    DENIED = "denied", _("was refused")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("failed to sign in")
    LOGOUT = "logout", _("signed out")


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A plain id, not a foreign key: deleting a user must not delete or rewrite their trail.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=40)  # "request", "imaging_file", "plan", "account", ...
    object_id = models.CharField(max_length=64, blank=True)
    request_reference = models.CharField(max_length=20, blank=True, db_index=True)
    detail = models.CharField(max_length=200, blank=True)  # what changed, never clinical content or names
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    identity_removed = models.BooleanField(default=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_role or 'anonymous'} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_forget_actor", False):
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only")
