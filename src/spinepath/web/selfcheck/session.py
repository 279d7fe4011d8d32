"""Where the self-check keeps a person's answers: their session (no account needed).

The wizard owns the layout of ``request.session[KEY]`` (described below); everything else (results page, PDF
report, charts) reads through the first three functions, so there is one place that turns answers into an intake
and an assessment.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from spinepath.core import Assessment, Intake, IntakeError, assess, parse_intake

from .answers import build_intake

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


# ---- the wizard's own state ----------------------------------------------------------------------------------------
# request.session[KEY] = {
#     "answers":  {step slug: that step's cleaned answers, JSON-safe (see answers.py)},
#     "intake":   the spinepath.intake/1 document built from all the answers so far,
#     "finished": True once every step has been answered and the intake is valid,
#     "drafts":   {step slug: what was typed on a step left with Back while it had errors (form data)},
#     "acknowledged": ids of the emergency red flags the person has already been shown,
# }


def load_state(request: HttpRequest) -> dict[str, Any]:
    """The wizard's state, with every key present (a copy: change it, then :func:`save_state`)."""
    state = request.session.get(KEY) or {}
    return {
        "answers": dict(state.get("answers") or {}),
        "intake": state.get("intake"),
        "finished": bool(state.get("finished")),
        "drafts": dict(state.get("drafts") or {}),
        "acknowledged": list(state.get("acknowledged") or []),
    }


def save_state(request: HttpRequest, state: dict[str, Any]) -> None:
    request.session[KEY] = state


def clear_state(request: HttpRequest) -> None:
    request.session.pop(KEY, None)


def partial_assessment(answers: dict[str, Any]) -> Assessment | None:
    """The engine's view of the answers so far (unanswered steps are unknown), to tell a person at once when an
    answer means an emergency. None if the answers do not make a valid intake yet."""
    try:
        return assess(parse_intake(build_intake(answers)))
    except IntakeError:
        return None
