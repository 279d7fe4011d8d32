"""Education pages and the decision aid, generated from the knowledge base. Views only look things up and pick
a template: what a page says lives in the knowledge base, ``comparison.py`` and ``decision.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from spinepath.core.errors import KnowledgeError
from spinepath.core.knowledge import Condition, Procedure, Source, load_knowledge

from .citations import cited_sources
from .comparison import BENEFITS_AND_HARMS, FIRST_OPTION, compare, ordered_options
from .decision import NO_CONFLICT_SCORE, SURE_ITEMS, highest_rated, sure_score
from .forms import DecisionForm

_T = TypeVar("_T")

# What the emergency signs on the home page are read from.
_EMERGENCY_CONDITION = "cauda_equina_syndrome"

# Source kinds (models.SourceKind), strongest first, as the sources page groups them.
_SOURCE_KINDS = {
    "guideline": _("Guidelines, regulators and payer policies"),
    "trial": _("Trials, cohort studies and meta-analyses"),
    "practice": _("Practice and patient-information pages (weaker evidence)"),
    "secondary": _("Secondary summaries (weaker evidence)"),
}


def home(request: HttpRequest) -> HttpResponse:
    kb = load_knowledge()
    return render(request, "pages/home.html", {
        "options": ordered_options(kb),
        "emergency": kb.condition(_EMERGENCY_CONDITION),
    })


def conditions(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/conditions.html", {"conditions": list(load_knowledge().conditions.values())})


def condition(request: HttpRequest, condition_id: str) -> HttpResponse:
    kb = load_knowledge()
    found: Condition = _get(kb.condition, condition_id)
    return render(request, "pages/condition.html", {
        "condition": found,
        "treatments": [kb.procedure(p) for p in found.treatment_options],
        "sources": cited_sources(kb, found, also=found.sources),
    })


def procedures(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/procedures.html", {"procedures": ordered_options(load_knowledge())})


def procedure(request: HttpRequest, procedure_id: str) -> HttpResponse:
    kb = load_knowledge()
    found: Procedure = _get(kb.procedure, procedure_id)
    alternatives = list(found.alternatives)
    if found.id != FIRST_OPTION:  # non-surgical care is always listed first among the alternatives
        alternatives = [FIRST_OPTION, *(a for a in alternatives if a != FIRST_OPTION)]
    return render(request, "pages/procedure.html", {
        "procedure": found,
        "alternatives": [kb.procedure(a) for a in alternatives],
        "conditions": [kb.condition(c) for c in found.related_conditions],
        "sources": cited_sources(kb, found),
    })


def compare_options(request: HttpRequest) -> HttpResponse:
    cards = request.GET.get("view") == "cards"
    return render(request, "pages/compare.html", {
        "comparison": compare(ordered_options(load_knowledge())),
        "cards": cards,
    })


def decide(request: HttpRequest) -> HttpResponse:
    options = ordered_options(load_knowledge())
    form = DecisionForm(request.GET or None, procedures=options)
    if not (form.is_bound and "show" in request.GET and form.is_valid()):
        return render(request, "pages/decide.html", {
            "form": form,
            "options": options,
            "benefits_and_harms": compare(options, BENEFITS_AND_HARMS),
        })
    chosen = form.chosen_procedures()
    answers = form.sure_answers()
    change = request.GET.copy()
    change.pop("show", None)
    return render(request, "pages/decide_results.html", {
        "form": form,
        "chosen": chosen,
        "priorities": [(value, rating, compare(chosen, value.aspects))
                       for value, rating in highest_rated(form.ratings())],
        "benefits_and_harms": compare(chosen, BENEFITS_AND_HARMS),
        "sure_score": sure_score(answers),
        "sure_answered": any(answers.values()),
        "no_conflict_score": NO_CONFLICT_SCORE,
        "sure_help": [item for item in SURE_ITEMS if answers[item.key] != "yes"],
        "change_query": change.urlencode(),
    })


def sources(request: HttpRequest) -> HttpResponse:
    kb = load_knowledge()
    kinds: dict[str, list[Source]] = {kind: [] for kind in _SOURCE_KINDS}
    for source in kb.sources.values():
        kinds[source.kind].append(source)
    return render(request, "pages/sources.html", {
        "kinds": [(label, kinds[kind]) for kind, label in _SOURCE_KINDS.items()],
        "count": len(kb.sources),
    })


def _get(lookup: Callable[[str], _T], item_id: str) -> _T:
    """A knowledge-base entry by id; an unknown id is a page that does not exist."""
    try:
        return lookup(item_id)
    except KnowledgeError as exc:
        raise Http404(str(exc)) from exc
