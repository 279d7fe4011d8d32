"""Audit events in the Django admin: read-only (no add, change or delete, no bulk actions), as the trail is
append-only. The fuller view with exports is the audit app's own page (audit:events)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_id", "actor_role", "action", "object_type", "object_id", "request_reference",
                    "ip_address", "identity_removed"]
    list_filter = ["action", "actor_role", "object_type", "identity_removed"]
    search_fields = ["request_reference", "object_id"]
    date_hierarchy = "at"
    actions = None
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
