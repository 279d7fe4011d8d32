"""Where the self-check keeps a person's answers: their session (no account needed).

The wizard owns the layout of ``request.session[KEY]``; everything else (results page, PDF report, charts)
reads through these two functions, so there is one place that turns answers into an intake and an assessment.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from spinepath.core import Assessment, Intake, IntakeError, assess, parse_intake

KEY = "selfcheck"


def stored_intake_document(request: HttpRequest) -> dict[str, Any] | None:
    """The ``spinepath.intake/1`` document built from the answers so far, or None if the check is not finished."""
    state = request.session.get(KEY) or {}
    document = state.get("intake")
    return document if isinstance(document, dict) and state.get("finished") else None


def current_intake(request: HttpRequest) -> Intake | None:
    document = stored_intake_document(request)
    if document is None:
        return None
    try:
        return parse_intake(document)
    except IntakeError:
        return None


def current_assessment(request: HttpRequest) -> tuple[Intake, Assessment] | None:
    intake = current_intake(request)
    return None if intake is None else (intake, assess(intake))
