"""The self-check: start page, five steps, an emergency page the moment an answer needs one, and the results.

Views only move a person between steps and keep their answers (:mod:`.session`); the questions are in
:mod:`.steps` and :mod:`.forms`, the intake is built in :mod:`.answers`, and every clinical judgement, the
emergency included, is the engine's (``spinepath.core.assess``).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from spinepath.core import IntakeError, parse_intake

from . import session
from .answers import STEP_SLUGS, build_intake, locate
from .results import results_context
from .steps import PAGES, StepPage

_RESULTS = "results"


def _step_url(slug: str) -> str:
    return reverse("selfcheck:results") if slug == _RESULTS else reverse("selfcheck:step", args=[slug])


def _first_unanswered(answers: dict[str, Any]) -> str | None:
    return next((slug for slug in STEP_SLUGS if slug not in answers), None)


def _after(slug: str) -> str:
    index = STEP_SLUGS.index(slug)
    return STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else _RESULTS


def _before(slug: str) -> str | None:
    index = STEP_SLUGS.index(slug)
    return STEP_SLUGS[index - 1] if index > 0 else None


def start(request: HttpRequest) -> HttpResponse:
    state = session.load_state(request)
    answers = state["answers"]
    resume = _first_unanswered(answers) if answers else None
    return render(request, "selfcheck/start.html", {
        "started": bool(answers), "finished": state["finished"],
        "resume_url": _step_url(resume) if resume else None,
        "first_url": _step_url(STEP_SLUGS[0]), "steps": [PAGES[slug] for slug in STEP_SLUGS],
    })


@require_POST
def restart(request: HttpRequest) -> HttpResponse:
    session.clear_state(request)
    return redirect("selfcheck:start")


@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, slug: str) -> HttpResponse:
    page_class = PAGES.get(slug)
    if page_class is None:
        raise Http404
    state = session.load_state(request)
    answers = state["answers"]
    # The steps are answered in order: the warning signs always come first.
    first_gap = _first_unanswered(answers)
    if first_gap is not None and STEP_SLUGS.index(first_gap) < STEP_SLUGS.index(slug):
        return redirect("selfcheck:step", first_gap)

    if request.method == "GET":
        draft = state["drafts"].get(slug)
        page = page_class(answers, data=MultiValueDict(draft)) if draft else page_class(answers)
        if draft:
            page.is_valid()  # show what was wrong when the person left with Back
        return _render_step(request, page, state)

    page = page_class(answers, data=request.POST)
    action = request.POST.get("action", "next")
    if action.startswith("add-") and action[4:] in page.formsets:
        page = page.with_another_row(action[4:])
        return _render_step(request, page, state)

    valid = page.is_valid() and _engine_accepts(page, answers)
    if valid:
        _save(state, slug, page.answers())
    elif page.has_changed():
        # Kept until the page is saved, so that nothing typed is lost if the person leaves it (Back, a link).
        _keep_draft(state, slug, request)
    session.save_state(request, state)

    if action == "back":
        destination = _before(slug) or ""
    elif action == "results" and state["finished"]:
        destination = _RESULTS
    else:
        destination = _after(slug)
        if destination == _RESULTS and not state["finished"]:
            destination = _first_unanswered(state["answers"]) or _RESULTS

    # An answer that means an emergency is said at once, before anything else: even if other answers on the
    # page still have a problem (what was typed is kept as a draft and shown again afterwards).
    trial = {**state["answers"], slug: page.answers() if valid else page.partial_answers()}
    if _new_emergency(trial, state["acknowledged"]):
        return redirect(reverse("selfcheck:emergency") + f"?then={destination if valid else slug}")

    if action == "back":
        return redirect(_step_url(destination)) if destination else redirect("selfcheck:start")
    if not valid:
        return _render_step(request, page, state)
    return redirect(_step_url(destination))


def _new_emergency(answers: dict[str, Any], acknowledged: list[str]) -> bool:
    """The engine says emergency for a reason the person has not been shown yet."""
    assessment = session.partial_assessment(answers)
    if assessment is None or assessment.urgency != "emergency":
        return False
    return not {flag.id for flag in assessment.red_flags} <= set(acknowledged)


def _keep_draft(state: dict[str, Any], slug: str, request: HttpRequest) -> None:
    state["drafts"][slug] = {key: request.POST.getlist(key) for key in request.POST
                             if key not in ("csrfmiddlewaretoken", "action")}


def _save(state: dict[str, Any], slug: str, step_answers: dict[str, Any]) -> None:
    state["answers"][slug] = step_answers
    state["drafts"].pop(slug, None)
    state["intake"] = build_intake(state["answers"])
    try:
        parse_intake(state["intake"])
    except IntakeError:
        state["finished"] = False
        return
    state["finished"] = _first_unanswered(state["answers"]) is None


def _engine_accepts(page: StepPage, answers: dict[str, Any]) -> bool:
    """The final word on validity is the intake contract's: anything it refuses is shown on its question."""
    trial = {**answers, page.slug: page.answers()}
    try:
        parse_intake(build_intake(trial))
    except IntakeError as exc:
        for problem in exc.problems:
            step_slug, field_name = locate(problem.pointer, trial)
            message = gettext(re.sub(r" \(got .*\)$", "", problem.message))  # the person sees their own value
            page.add_problem(field_name if step_slug == page.slug else None, message)
        return False
    return True


def _answers_so_far(state: dict[str, Any]) -> dict[str, Any]:
    """The saved answers, plus the valid part of any page left with a problem (for the emergency check only)."""
    answers = dict(state["answers"])
    for slug, draft in state["drafts"].items():
        page = PAGES[slug](state["answers"], data=MultiValueDict(draft))
        answers[slug] = page.answers() if page.is_valid() else page.partial_answers()
    return answers


def _render_step(request: HttpRequest, page: StepPage, state: dict[str, Any]) -> HttpResponse:
    assessment = session.partial_assessment(_answers_so_far(state))
    previous = _before(page.slug)
    return render(request, "selfcheck/step.html", {
        "page": page,
        "sections": page.sections(),
        "errors": page.error_summary() if page.data is not None and page.new_row is None else [],
        "step_number": page.number(),
        "step_count": len(STEP_SLUGS),
        "steps": [PAGES[slug] for slug in STEP_SLUGS],
        "back_url": _step_url(previous) if previous else reverse("selfcheck:start"),
        "finished": state["finished"],
        "emergency_advice": gettext(assessment.advice)
        if assessment is not None and assessment.urgency == "emergency" else None,
    })


def emergency(request: HttpRequest) -> HttpResponse:
    state = session.load_state(request)
    then = request.GET.get("then", "")
    if then not in (*STEP_SLUGS, _RESULTS):
        then = _first_unanswered(state["answers"]) or _RESULTS
    assessment = session.partial_assessment(_answers_so_far(state))
    if assessment is None or assessment.urgency != "emergency":
        return redirect(_step_url(then))
    state["acknowledged"] = sorted({*state["acknowledged"], *(f.id for f in assessment.red_flags)})
    session.save_state(request, state)
    return render(request, "selfcheck/emergency.html", {
        "advice": gettext(assessment.advice),
        "red_flags": [{"title": gettext(f.title), "explanation": gettext(f.explanation)}
                      for f in assessment.red_flags],
        "continue_url": _step_url(then),
    })


def results(request: HttpRequest) -> HttpResponse:
    current = session.current_assessment(request)
    if current is None:
        return redirect("selfcheck:start")
    _, assessment = current
    state = session.load_state(request)
    return render(request, "selfcheck/results.html", {
        **results_context(assessment, state["answers"]),
        "steps": [PAGES[slug] for slug in STEP_SLUGS],
    })
