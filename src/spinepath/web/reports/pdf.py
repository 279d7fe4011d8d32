"""The printable report of one self-check: HTML from a template, made into a PDF by WeasyPrint.

:func:`render_report_html` and :func:`render_report_pdf` are pure (no request, no clock: the time it was made is
an argument), so a batch job can call them as the view does. Everything a person reads goes through gettext in
``language``; the medicine comes from the assessment and the knowledge base, never from here.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.core import Assessment, Intake, ProcedureAssessment
from spinepath.core.assessment import NextStep, Status, Urgency, status_label
from spinepath.core.knowledge import Fact, KnowledgeBase, Risk, load_knowledge
from spinepath.web.i18n_text import translate_engine_text

from .answers import answer_rows, question_for_pointer
from .charts import timeline_rows, timeline_svg

__all__ = ["render_report_html", "render_report_pdf", "timeline_procedures"]

URGENCY_WORDS: dict[Urgency, Promise] = {
    "emergency": _("EMERGENCY"),
    "urgent": _("URGENT"),
    "routine": _("ROUTINE"),
}
NEXT_STEP_WORDS: dict[NextStep, Promise] = {
    "emergency_department": _("Go to an emergency department now"),
    "urgent_specialist_review": _("An urgent review by a spine specialist"),
    "conservative_care": _("Conservative care (treatment without surgery)"),
    "imaging": _("A scan (MRI) of the lower back"),
    "specialist_consultation": _("An appointment with a spine specialist"),
}
STATUS_WORDS: dict[Status, Promise] = {
    "candidate": _("Candidate"),
    "possible": _("Possible"),
    "not_candidate": _("Not a candidate"),
    "insufficient_information": _("Not enough information"),
}
# The perioperative facts a report shows, in this order (the knowledge base's field names).
_FACT_FIELDS: dict[str, Promise] = {
    "anaesthesia": _("Anaesthesia"),
    "typical_duration": _("How long it takes"),
    "setting_and_stay": _("Setting and hospital stay"),
    "return_to_activity": _("Return to activity"),
    "return_to_work": _("Return to work"),
}
# Statuses for which a procedure is still an option worth reading about (facts are shown for these).
_STILL_AN_OPTION: frozenset[Status] = frozenset({"candidate", "possible", "insufficient_information"})
_TIMELINE_STATUSES: frozenset[Status] = frozenset({"candidate", "possible"})


def timeline_procedures(assessment: Assessment) -> list[str]:
    """The procedures the recovery chart shows: those that may or might be suitable. Conservative care is left
    out: it is not an operation, so it has no recovery after one (and the knowledge base has no timeline for it)."""
    kb = load_knowledge()
    return [
        p.procedure for p in assessment.procedures
        if p.status in _TIMELINE_STATUSES and (p.procedure != "conservative_care" or kb.procedure(p.procedure).timeline)
    ]


def render_report_html(intake: Intake, assessment: Assessment, *, generated_at: datetime, language: str) -> str:
    """The report as a self-contained HTML document (styles and chart inline), in ``language``."""
    with translation.override(language):
        return render_to_string("reports/report.html", _context(intake, assessment, generated_at, language))


def render_report_pdf(intake: Intake, assessment: Assessment, *, generated_at: datetime, language: str) -> bytes:
    """The report as an A4 PDF."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the report needs

    html = render_report_html(intake, assessment, generated_at=generated_at, language=language)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return pdf


@dataclass(frozen=True, slots=True)
class _Cited:
    text: str
    sources: tuple[str, ...]
    flag: str | None


@dataclass(frozen=True, slots=True)
class _ProcedureSection:
    name: str
    status: str
    status_label: str
    levels: str
    reasons: list[_Cited]
    missing: list[str]
    facts: list[tuple[str, _Cited | None]]
    risks: list[tuple[str, _Cited]]
    show_facts: bool


def _context(intake: Intake, assessment: Assessment, generated_at: datetime, language: str) -> dict[str, Any]:
    kb = load_knowledge()
    procedures = [_procedure_section(result, kb) for result in assessment.procedures]
    chart_ids = timeline_procedures(assessment)
    rows = timeline_rows(chart_ids)
    red_flags = [_Cited(f"{gettext(f.title)}: {gettext(f.explanation)}", (f.source,), None)
                 for f in assessment.red_flags]
    risk_factors = [_Cited(translate_engine_text(r.text), (r.source,), None) for r in assessment.risk_factors]

    cited: list[Iterable[str]] = [c.sources for c in red_flags + risk_factors]
    for section in procedures:
        cited += [c.sources for c in section.reasons]
        cited += [c.sources for _, c in section.facts if c is not None]
        cited += [c.sources for _, c in section.risks]
    cited += [row.sources for row in rows]
    source_ids = sorted({sid for group in cited for sid in group})

    return {
        "language": language,
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M %Z"),  # ISO-like: unambiguous in every language
        "created_iso": generated_at.isoformat(),
        "ruleset_version": assessment.ruleset_version,
        "urgency": assessment.urgency,
        "urgency_word": URGENCY_WORDS[assessment.urgency],
        "advice": gettext(assessment.advice),
        "red_flags": red_flags,
        "next_step": NEXT_STEP_WORDS[assessment.next_step],
        "safety_net": gettext(assessment.safety_net) if assessment.safety_net else None,
        "disclaimer": gettext(assessment.disclaimer),
        "procedures": procedures,
        "risk_factors": risk_factors,
        "missing_information": list(dict.fromkeys(question_for_pointer(p) for p in assessment.missing_information)),
        "timeline_chart": _svg_data_uri(timeline_svg(chart_ids)) if chart_ids else None,
        "timeline_rows": rows,
        "answers": answer_rows(intake),
        "sources": [kb.source(sid) for sid in source_ids],
        "page_counter": _css_content(gettext("Page %(page)s of %(pages)s"), page="counter(page)",
                                     pages="counter(pages)"),
    }


def _procedure_section(result: ProcedureAssessment, kb: KnowledgeBase) -> _ProcedureSection:
    procedure = kb.procedure(result.procedure)
    facts = [(str(label), _cited(getattr(procedure, field))) for field, label in _FACT_FIELDS.items()]
    risks = [(gettext(r.name), c) for r in procedure.risks if (c := _cited(r)) is not None]
    return _ProcedureSection(
        name=gettext(procedure.short_name),
        status=str(STATUS_WORDS[result.status]),
        status_label=gettext(status_label(result.procedure, result.status)),
        levels=", ".join(result.levels) or "—",
        reasons=[_Cited(translate_engine_text(r.text), (r.source,), None) for r in result.reasons],
        missing=list(dict.fromkeys(question_for_pointer(p) for p in result.missing)),
        facts=facts,
        risks=risks,
        # Conservative care has no operation, so it has no anaesthesia, stay or return-to-work facts to show.
        show_facts=result.status in _STILL_AN_OPTION and (any(c for _, c in facts) or bool(risks)),
    )


def _cited(item: Fact | Risk | None) -> _Cited | None:
    if item is None:
        return None
    text = gettext(item.text) if isinstance(item, Fact) else gettext(item.rate)
    return _Cited(text, tuple(item.sources), gettext(item.flag) if item.flag else None)


def _svg_data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _css_content(template: str, **counters: str) -> SafeString:
    """A CSS ``content`` value from a translated "%(name)s" template, e.g. ``"Page " counter(page) " of " ...``."""
    parts: list[str] = []
    rest = template
    while rest:
        positions = [(rest.find(f"%({name})s"), name) for name in counters if f"%({name})s" in rest]
        if not positions:
            parts.append(_css_string(rest))
            break
        index, name = min(positions)
        if index:
            parts.append(_css_string(rest[:index]))
        parts.append(counters[name])
        rest = rest[index + len(f"%({name})s"):]
    return mark_safe(" ".join(parts))  # safe: each literal is escaped as a CSS string


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'
