"""The audit trail for administrators: a paged, filtered list of events and its export as CSV or JSON. Exporting
is itself recorded. Only admins may see any of it (with two-step verification); anyone else signed in is refused,
and the refusal recorded."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from spinepath.web.accounts.decorators import role_required
from spinepath.web.accounts.models import Role

from . import export
from .forms import AuditFilterForm
from .models import Action
from .trail import record

EVENTS_PER_PAGE = 50

View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """Admins only, with a session confirmed by their authenticator code (``role_required``); a signed-in user of
    another role gets a 403 page, and the refusal is recorded."""
    checked = role_required(Role.ADMIN)(view)

    @wraps(view)
    def recording_refusals(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = checked(request, *args, **kwargs)
        if response.status_code == 403:
            record(request, Action.DENIED, "audit_trail")
        return response

    return recording_refusals


@admin_only
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page = Paginator(form.events(), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/events.html", {
        "form": form,
        "page": page,
        "query": query.urlencode(),
    })


_FORMATS = {
    "csv": ("text/csv; charset=utf-8", export.as_csv),
    "json": ("application/json", export.as_json),
}


@admin_only
def event_export(request: HttpRequest, file_format: str) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/events.html", {"form": form, "page": None, "query": ""}, status=400)
    content_type, write = _FORMATS[file_format]
    # Recorded before the first row goes out: an interrupted download was still an export.
    record(request, Action.EXPORT, "audit_trail", detail=f"{file_format}; {form.description()}".strip("; "))
    response = StreamingHttpResponse(write(form.events()), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.{file_format}"'
    response["Cache-Control"] = "no-store"
    return response
