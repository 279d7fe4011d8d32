"""The account part of the site header: for a signed-in user, the pages of their role, their unread notifications
and their account; ``None`` for a visitor (the header then offers Sign in and Create an account)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .access import role_of
from .views import reverse_or_none, role_places


def account_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"account_nav": None}
    return {"account_nav": {
        "role": role_of(user),
        "places": role_places(role_of(user)),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "notifications_url": reverse_or_none("care:notifications") or reverse("accounts:home"),
    }}
