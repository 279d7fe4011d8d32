"""Template filters for the accounts pages."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def minutes(duration: datetime.timedelta | None) -> int:
    """A duration in whole minutes, rounded up (the lockout page says how long signing in is paused)."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)
