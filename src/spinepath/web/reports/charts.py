"""The recovery timeline: the knowledge base's sourced milestones as a chart (SVG, PNG) and as plain rows.

The chart and the table show the same rows, so anyone who cannot see the chart loses nothing. Figures come only
from ``Procedure.timeline`` (each one a figure published in ``clinical-evidence.md``); a procedure without one
says "no sourced timeline" instead of a bar. Weak milestones (practice pages, secondary summaries) are hatched
and named as weak in the legend, so the difference is never carried by colour alone.

Matplotlib is used without pyplot: each call builds its own :class:`~matplotlib.figure.Figure`, so nothing is
shared between requests. Text is translated when the function is called, in the active language.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
from django.utils import translation
from django.utils.translation import gettext
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from spinepath.core.knowledge import load_knowledge

__all__ = ["TimelineRow", "timeline_png", "timeline_rows", "timeline_svg"]

_INK = "#000000"
_STRONG_FILL = "#4d4d4d"  # dark grey: prints legibly in black and white
_FONT_PT = 10  # the chart is drawn at its printed size (A4 text width), so this is the size on paper
_POINT_WIDTH_WEEKS = 0.12  # a single figure (mean, median) is drawn as a short mark, not an invisible bar


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One line of the timeline table; ``milestone`` is ``None`` for a procedure without a sourced timeline."""

    procedure_id: str
    procedure: str
    milestone: str | None
    when: str
    as_published: str
    from_days: float | None
    to_days: float | None
    weak: bool
    flag: str | None
    sources: tuple[str, ...]


def timeline_rows(procedure_ids: Sequence[str]) -> list[TimelineRow]:
    """The milestones of the given procedures, in the order given, translated into the active language."""
    kb = load_knowledge()
    rows: list[TimelineRow] = []
    for procedure_id in procedure_ids:
        procedure = kb.procedure(procedure_id)
        name = gettext(procedure.short_name)
        if not procedure.timeline:
            rows.append(TimelineRow(procedure_id, name, None, "", gettext("no sourced timeline"), None, None, False,
                                    None, ()))
        for milestone in procedure.timeline:
            rows.append(TimelineRow(
                procedure_id=procedure_id,
                procedure=name,
                milestone=gettext(milestone.label),
                when=_when(milestone.from_days, milestone.to_days),
                as_published=gettext(milestone.as_published),
                from_days=milestone.from_days,
                to_days=milestone.to_days,
                weak=milestone.weak,
                flag=gettext(milestone.flag) if milestone.flag else None,
                sources=tuple(milestone.sources),
            ))
    return rows


def timeline_svg(procedure_ids: Sequence[str], language: str | None = None) -> bytes:
    """The chart as SVG with real text (searchable, readable by screen readers, translatable)."""
    figure = _figure(procedure_ids, language)
    buffer = io.BytesIO()
    # Text stays text rather than outlines; a fixed hash salt and no date make the output reproducible.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "spinepath"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def timeline_png(procedure_ids: Sequence[str], language: str | None = None, *, dpi: int = 150) -> bytes:
    figure = _figure(procedure_ids, language)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _figure(procedure_ids: Sequence[str], language: str | None) -> Figure:
    """``language=None`` draws in the active language (as a view does); a code draws in that language."""
    if language is None:
        return _draw(timeline_rows(procedure_ids))
    with translation.override(language):
        return _draw(timeline_rows(procedure_ids))


def _draw(rows: list[TimelineRow]) -> Figure:
    procedures: dict[str, list[TimelineRow]] = {}
    for row in rows:
        procedures.setdefault(row.procedure, []).append(row)

    lines = len(procedures) + len(rows)  # a heading line per procedure, then one line per milestone
    sources = sorted({source for row in rows for source in row.sources})
    footnote = textwrap.fill(gettext("Sources: %(ids)s") % {"ids": ", ".join(sources) or "—"}, 95,
                             break_on_hyphens=False)
    footnote_lines = footnote.count("\n") + 1

    # 7 inches is the text width of an A4 page with the report's margins, so the PDF shows it at 1:1.
    figure = Figure(figsize=(7.0, 1.7 + 0.3 * lines + 0.17 * footnote_lines), layout="constrained")
    FigureCanvasAgg(figure)  # the Agg canvas, explicitly: no pyplot, no global backend switch
    axes = figure.add_subplot()
    ends = [row.to_days / 7 for row in rows if row.to_days is not None]
    axes.set_xlim(0, max([*ends, 1.0]) * 1.4 + 1)  # room right of the bars for "(when) — weak"
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))

    # Milestone names are the y labels, under a bold line per procedure; the bars carry only when, and "weak".
    y = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    headings: list[int] = []
    gaps: list[int] = []
    for name, milestones in procedures.items():
        headings.append(len(ticks))
        ticks.append(y)
        labels.append(name)
        y += 1
        for row in milestones:
            ticks.append(y)
            if row.milestone is None or row.from_days is None or row.to_days is None:
                gaps.append(len(labels))
                labels.append(row.as_published)  # "no sourced timeline"
            else:
                labels.append(row.milestone)
                _bar(axes, row, y)
            y += 1
        axes.axhline(y - 0.5, color="#bbbbbb", linewidth=0.6)

    axes.set_ylim(y - 0.5, -0.6)  # first procedure at the top
    axes.set_yticks(ticks, labels, fontsize=_FONT_PT, color=_INK)
    for index, label in enumerate(axes.get_yticklabels()):
        if index in headings:
            label.set_fontweight("bold")
        elif index in gaps:
            label.set_fontstyle("italic")
    axes.tick_params(axis="y", length=0)
    axes.set_xlabel(gettext("Weeks after the operation"), fontsize=_FONT_PT, color=_INK)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(gettext("Typical recovery (from published sources)"), x=0.01, ha="left", fontsize=_FONT_PT + 2,
                    color=_INK)
    axes.legend(
        handles=[
            Patch(facecolor=_STRONG_FILL, edgecolor=_INK, label=gettext("From trials or registries")),
            Patch(facecolor="white", edgecolor=_INK, hatch="///",
                  label=gettext("Weak: from practice pages or a secondary summary")),
        ],
        loc="lower left", bbox_to_anchor=(0, 1.01), ncols=1, fontsize=_FONT_PT, frameon=False, borderaxespad=0,
    )
    # A figure-level label, so the constrained layout keeps it clear of the axis.
    figure.supxlabel(footnote, x=0.01, ha="left", fontsize=_FONT_PT, color=_INK)
    return figure


def _bar(axes: Axes, row: TimelineRow, y: float) -> None:
    assert row.from_days is not None and row.to_days is not None
    start, end = row.from_days / 7, row.to_days / 7
    width = max(end - start, _POINT_WIDTH_WEEKS)
    if end - start < _POINT_WIDTH_WEEKS:
        start = max(0.0, start - _POINT_WIDTH_WEEKS / 2)
    axes.barh(y, width, left=start, height=0.62, edgecolor=_INK, linewidth=0.8,
              facecolor="white" if row.weak else _STRONG_FILL, hatch="///" if row.weak else None)
    label = row.when
    if row.weak:
        label += " — " + gettext("weak")
    axes.text(start + width + 0.15, y, label, va="center", ha="left", fontsize=_FONT_PT, color=_INK)


def _when(from_days: float, to_days: float) -> str:
    """The span in words: days for short spans (as the sources give them), weeks for longer ones (as the axis)."""
    if to_days < 0.5:
        return gettext("same day")
    if to_days < 28:
        return gettext("%(n)s days") % {"n": _span(from_days, to_days)}
    return gettext("%(n)s weeks") % {"n": _span(from_days / 7, to_days / 7)}


def _span(start: float, end: float) -> str:
    return _number(start) if _number(start) == _number(end) else f"{_number(start)}–{_number(end)}"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
