"""Scores in plain words: the band, the change from the baseline against the instrument's MCID, why a form is
incomplete, what a STarT Back risk group means for care without surgery, and the typical course after the procedure
(what studies report for groups of people, with the source of each figure). Every number and label comes from the
core's data (with its sources); this module only puts them into sentences, in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import Change, CoursePoint, Instrument, Reason, format_value, load_catalogue, word_reason
from spinepath.core.outcomes.models import Item, Subscale

from .charts import LONGEST_DRAWN_MONTHS, CourseMarker
from .forms import wording_is_translatable

__all__ = ["CourseLine", "CourseSource", "ScoreMeaning", "TypicalCourse", "explain", "reason_sentence",
           "start_back_meaning", "typical_course"]

# The sources behind the STarT Back explanation: Keele's scoring and statement, and NICE NG59 (knowledge base).
START_BACK_SOURCES = ("keele-sbst-scoring", "keele-sbst", "nice-ng59")


@dataclass(frozen=True)
class ScoreMeaning:
    instrument: str
    name: str
    value: str  # as displayed, or "—"
    complete: bool
    band: str | None
    sentences: tuple[str, ...]
    sources: tuple[str, ...]


def explain(instrument: Instrument, stored_score: dict[str, Any], change: Change | None = None) -> ScoreMeaning:
    value = stored_score.get("value")
    complete = bool(stored_score.get("complete"))
    band = stored_score.get("band")
    sentences: list[str] = []
    sources: list[str] = list(instrument.scoring.evidence.sources)
    if not complete:
        sentences.append(_("Incomplete: no score is given until every question it needs is answered."))
        sentences += [reason_sentence(instrument, r) for r in stored_score.get("reasons", ())]
    elif value is not None:
        better = _("higher is better") if instrument.scoring.higher_is_better else _("lower is better")
        sentences.append(_("Your score is %(value)s on a scale of %(minimum)s to %(maximum)s (%(better)s).") % {
            "value": format_value(value, instrument), "minimum": _number(instrument.scoring.minimum),
            "maximum": _number(instrument.scoring.maximum), "better": better})
        if band:
            sentences.append(_("That is in the band “%(band)s”.") % {"band": _(band)})
            sources += [s for b in instrument.bands if b.label == band for s in b.evidence.sources]
    if change is not None and change.improvement is not None:
        amount = format_value(abs(change.improvement), instrument)
        if change.improvement > 0:
            sentences.append(_("Compared with before the operation, that is %(amount)s better.") % {"amount": amount})
        elif change.improvement < 0:
            sentences.append(_("Compared with before the operation, that is %(amount)s worse.") % {"amount": amount})
        else:
            sentences.append(_("That is the same as before the operation."))
        if instrument.primary_mcid:
            criterion = instrument.criterion(instrument.primary_mcid)
            sources += criterion.evidence.sources
            if change.mcid_reached is True:
                sentences.append(_("This reaches the smallest change people usually notice as important (%(name)s).")
                                 % {"name": _(criterion.name)})
            elif change.mcid_reached is False:
                sentences.append(_("This does not yet reach the smallest change people usually notice as important "
                                   "(%(name)s).") % {"name": _(criterion.name)})
    # Names, bands and criteria are catalogue data, translated here (manage.py extract_kb_messages lists them).
    return ScoreMeaning(instrument=instrument.id, name=_(instrument.name),
                        value=format_value(value, instrument) if value is not None and complete else "—",
                        complete=complete, band=_(band) if complete and band else None, sentences=tuple(sentences),
                        sources=tuple(dict.fromkeys(sources)))


def reason_sentence(instrument: Instrument, stored_reason: Any) -> str:
    """Why a form is incomplete, in the page's language: the core's template through the catalogue (``manage.py
    extract_kb_messages`` lists the templates), naming the items as the form does (the topics of spinepath's own
    and generic questions are translated; a validated questionnaire's stay as its wording is shown). A reason stored
    as plain English by an older version is shown as it was stored."""
    translate = wording_is_translatable(instrument)

    def item_label(item: Item) -> str:
        return f"{item.number} {_(item.topic) if translate else item.topic}"

    def subscale_label(subscale: Subscale) -> str:
        return _(subscale.name) if translate else subscale.name

    return word_reason(Reason.read(stored_reason), instrument, translate=_, item_label=item_label,
                       subscale_label=subscale_label)


def start_back_meaning(band: str | None) -> tuple[str, ...]:
    """What the risk group means for care without surgery, in the words the sources support (and no further)."""
    if band is None:
        return (_("No risk group: STarT Back needs every question answered. An incomplete form is never read as "
                  "low risk."),)
    return (
        _("Your STarT Back risk group: %(band)s. The tool sorts people with low back pain into low, medium or high "
          "risk of pain that lasts and limits daily life (Keele's scoring, from Hill et al. 2008).") % {"band": band},
        _("What it means for care without surgery: Keele designed the tool for health professionals to use “with "
          "appropriate treatment packages for each of the stratified groups”, and NICE suggests using a risk tool "
          "such as STarT Back at the first contact. Show your group to your doctor or physiotherapist and ask which "
          "care without surgery suits it."),
        _("spinepath's evidence does not say which package suits each group, so spinepath does not choose one for "
          "you. STarT Back is a screen for low back pain in primary care, not a measure of recovery after "
          "surgery."),
    )


@dataclass(frozen=True)
class CourseSource:
    """A cited source: ``url`` links to the source itself, and ``on_sources_page`` says whether the site's sources
    page has an entry for ``id`` (the knowledge base's sources)."""

    id: str
    title: str
    url: str | None
    on_sources_page: bool


@dataclass(frozen=True)
class CourseLine:
    """One typical-course figure in words, with its sources."""

    text: str
    sources: tuple[CourseSource, ...]


@dataclass(frozen=True)
class TypicalCourse:
    """The caption under a chart: how the figures are drawn (``intro``), each figure in words, and what they are
    not (``notes``)."""

    intro: str | None
    lines: tuple[CourseLine, ...]
    notes: tuple[str, ...]


def typical_course(instrument: Instrument, markers: tuple[CourseMarker, ...], *,
                   for_patient: bool) -> TypicalCourse | None:
    """The typical course of one score after the procedure, in words, or ``None`` when the evidence has none (the
    page then says that no sourced course exists). ``markers``: from :func:`charts.place_course`, so the caption
    says what the chart shows. ``for_patient``: the patient reads "not a prediction for you", the staff "for this
    patient"."""
    if not markers:
        return None
    lines = []
    for marker in markers:
        text = _course_sentence(instrument, marker.point)
        if marker.not_drawn == "after_range":
            text += " " + _("Not on the chart, which stops %(count)d years after the operation.") % {
                "count": LONGEST_DRAWN_MONTHS // 12}
        elif marker.clipped:
            text += " " + _("On the chart it is drawn at the end of the scale.")
        lines.append(CourseLine(text=text, sources=tuple(_source(s) for s in marker.point.evidence.sources)))
    drawn = any(m.value is not None for m in markers)
    intro = None
    if drawn:
        intro = _("Hollow grey markers on the chart: the average change that studies of this operation report for "
                  "groups of people, placed at the score before the operation plus that change. They show where the "
                  "groups were at that time, not the path they took to get there.")
    elif any(m.not_drawn == "no_baseline" for m in markers):
        intro = _("Without a score from before the operation, these averages cannot be placed on the chart.")
    honest = (_("These are averages of groups of people in studies, not a prediction for you: people vary widely, "
                "and many do better or worse than the average.") if for_patient else
              _("These are averages of groups of people in studies, not a prediction for this patient: people vary "
                "widely, and many do better or worse than the average."))
    return TypicalCourse(intro=intro, lines=tuple(lines), notes=(honest,))


def _course_sentence(instrument: Instrument, point: CoursePoint) -> str:
    if point.months % 12 == 0 and point.months >= 24:
        years = point.months // 12
        when = ngettext("%(count)d year after treatment", "%(count)d years after treatment", years) % {"count": years}
    else:
        when = ngettext("%(count)d month after treatment", "%(count)d months after treatment",
                        point.months) % {"count": point.months}
    study = point.study
    higher_is_better = instrument.scoring.higher_is_better
    if point.subscale is not None:
        subscale = instrument.subscale(point.subscale)
        higher_is_better = subscale.higher_is_better
        name = _(subscale.name) if wording_is_translatable(instrument) else subscale.name
        study = _("%(study)s (%(measure)s)") % {"study": study, "measure": name}
    people = "" if point.n is None else " " + ngettext("(%(n)d person)", "(%(n)d people)", point.n) % {"n": point.n}
    improvement = point.mean_change if higher_is_better else -point.mean_change
    values = {"study": study, "when": when, "group": _(point.group), "people": people,
              "amount": f"{abs(improvement):.1f}"}
    if improvement > 0:
        return _("%(study)s, %(when)s: %(group)s%(people)s, on average %(amount)s points better than before "
                 "treatment.") % values
    if improvement < 0:
        return _("%(study)s, %(when)s: %(group)s%(people)s, on average %(amount)s points worse than before "
                 "treatment.") % values
    return _("%(study)s, %(when)s: %(group)s%(people)s, on average the same as before treatment.") % values


def _source(source_id: str) -> CourseSource:
    """The knowledge base's source (its title translated; on the sources page), or the outcome catalogue's."""
    knowledge = load_knowledge()
    if source_id in knowledge.sources:
        source = knowledge.source(source_id)
        return CourseSource(id=source_id, title=_(source.title), url=source.url, on_sources_page=True)
    own = load_catalogue().sources[source_id]
    return CourseSource(id=source_id, title=own.title, url=own.url, on_sources_page=False)


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
