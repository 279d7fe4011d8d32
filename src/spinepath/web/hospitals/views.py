"""The public partner-hospital directory: a filterable list and a page per hospital. Only active hospitals are
shown; an inactive one is "not found"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from . import directory
from .forms import DirectoryFilterForm


def hospital_list(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters()
    return render(request, "hospitals/list.html", {
        "form": form,
        "hospitals": list(directory.hospitals_offering(**filters)) if valid else [],
        "filters": filters,
        "filtered": any(filters.values()),
    })


def hospital_detail(request: HttpRequest, slug: str) -> HttpResponse:
    hospital = get_object_or_404(directory.partner_hospitals(), slug=slug)
    return render(request, "hospitals/detail.html", {
        "hospital": hospital,
        "accreditations": directory.accreditations_shown(hospital, timezone.localdate()),
    })
