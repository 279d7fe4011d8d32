"""The web app's "today" for recovery tracking, in one place.

The outcomes core never reads the clock (its schedule takes ``as_of``); the web side asks :func:`today` and passes
the answer in. Tests move time forward by patching this one function (``monkeypatch.setattr(clock, "today",
...)``), never by sleeping; callers must therefore write ``clock.today()``, not ``from .clock import today``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

__all__ = ["today"]


def today() -> datetime.date:
    """The current date in the site's time zone."""
    return timezone.localdate()
