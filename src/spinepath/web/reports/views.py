"""The report downloads of a finished self-check: the PDF report and the recovery-timeline chart.

Both read the check through :func:`spinepath.web.selfcheck.session.current_assessment`; without a finished
check they send the person back to the start of the self-check with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from spinepath.web.selfcheck.session import current_assessment

from .charts import timeline_svg
from .pdf import render_report_pdf, timeline_procedures


@require_safe
def report_pdf(request: HttpRequest) -> HttpResponse:
    current = current_assessment(request)
    if current is None:
        return _back_to_the_check(request)
    intake, assessment = current
    pdf = render_report_pdf(intake, assessment, generated_at=timezone.now(), language=get_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="spinepath-report.pdf"'
    response["Cache-Control"] = "private, no-store"  # it holds health answers
    return response


@require_safe
def timeline(request: HttpRequest) -> HttpResponse:
    current = current_assessment(request)
    if current is None:
        return _back_to_the_check(request)
    _, assessment = current
    response = HttpResponse(timeline_svg(timeline_procedures(assessment)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


def _back_to_the_check(request: HttpRequest) -> HttpResponseRedirect:
    messages.info(request, gettext("Finish the self-check first; your report is made from your answers."))
    try:
        start = reverse("selfcheck:start")
    except NoReverseMatch:  # the wizard mounts its first page at check/ (web/urls.py)
        start = f"/{get_language()}/check/"
    return HttpResponseRedirect(start)
