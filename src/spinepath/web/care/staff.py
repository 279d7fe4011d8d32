"""What the coordinator console, the hospital review pages, the file views and the requests API share: fetching a
request through :mod:`spinepath.web.accounts.access`, with a refusal written to the audit trail.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from spinepath.web.accounts import access
from spinepath.web.accounts.access import Do
from spinepath.web.audit.models import Action
from spinepath.web.audit.trail import record

from .models import TreatmentRequest

__all__ = ["get_request"]


def get_request(http: HttpRequest, reference: str, action: Do = Do.VIEW) -> TreatmentRequest:
    """The request if ``http.user`` may do ``action`` on it (404 if they may not see it, 403 if they may see it but
    not do that); a refusal is written to the audit trail before it is raised."""
    try:
        return access.get_request_or_404(http.user, reference, action)
    except (Http404, PermissionDenied):
        record(http, Action.DENIED, "request", "", request_reference=reference[:20], detail=f"action={action}")
        raise
