"""One score over time as a PNG: each answered time point, the baseline as a line, and the band within which a change
is smaller than the instrument's MCID (the core's primary MCID, with its source). The page shows the same numbers
as a table next to the image (for screen readers).

The typical course after the procedure is drawn only from sourced data (the core's :func:`typical_course`: the
average change a study reports for a group of people): each figure is a hollow grey marker at the patient's
baseline plus that change, at its month, with one marker shape and legend entry per study, so it is never mistaken
for the patient's own (black, filled) line. No line joins it to the baseline: the studies say where the groups
were at that time, not the path they took, and a line would invent one. A marker that would fall off the scale is
drawn at its end. The time axis is then in months (in days otherwise) and reaches the latest figure drawn, up to
:data:`LONGEST_DRAWN_MONTHS` (5 years: the longest follow-up behind the figures but SPORT's 8 years, which would
squeeze the patient's own two years into a corner). Later figures, and all of them when there is no baseline to
place them on, are listed below the chart only (:func:`place_course` says which). Where the evidence has no figure
for a score after a procedure, the chart says so instead of inventing one.

Matplotlib without pyplot (as :mod:`spinepath.web.reports.charts`): each call builds its own Figure.
"""

from __future__ import annotations

import io
import itertools
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext, gettext_noop
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from spinepath.core.outcomes import CoursePoint, Instrument

from .recovery import Point

__all__ = ["LONGEST_DRAWN_MONTHS", "NO_TYPICAL_COURSE", "CourseMarker", "mcid_band", "place_course",
           "score_chart_png"]

_INK = "#000000"
_COURSE_GREY = "#6b6b6b"  # mid grey: apart from the patient's black line, legible in black and white
_COURSE_SHAPES = ("o", "s", "^", "D", "v", "P")  # one hollow shape per study
DAYS_PER_MONTH = 365.25 / 12
LONGEST_DRAWN_MONTHS = 60
NO_TYPICAL_COURSE = gettext_noop(
    "spinepath's evidence holds no sourced typical course of this score after this operation, so none is drawn.")
COURSE_DRAWN = gettext_noop(
    "Hollow grey markers: average changes in groups of people in studies, not a prediction for one person (see "
    "below the chart).")
COURSE_LISTED = gettext_noop("The average changes that studies report for this operation are listed below the chart.")


@dataclass(frozen=True)
class CourseMarker:
    """Where one typical-course figure goes on the chart: ``value`` (the baseline plus the mean change, kept within
    the scale: ``clipped`` says it was moved to the scale's end), or ``None`` with the reason it is not drawn:
    ``no_baseline`` (nothing to place it on), ``after_range`` (later than :data:`LONGEST_DRAWN_MONTHS`) or
    ``no_chart`` (a subscale, or a score without a chart)."""

    point: CoursePoint
    value: float | None
    clipped: bool = False
    not_drawn: Literal["no_baseline", "after_range", "no_chart"] | None = None


def place_course(instrument: Instrument, course: Sequence[CoursePoint], baseline: float | None, *,
                 charted: bool = True) -> tuple[CourseMarker, ...]:
    """The markers of ``course`` (one procedure's points for this score) on a chart whose baseline is ``baseline``.
    ``charted``: whether the score has a chart at all (a subscale's figures never do)."""
    low, high = instrument.scoring.minimum, instrument.scoring.maximum
    markers = []
    for point in course:
        if not charted or point.subscale is not None or low is None or high is None:
            markers.append(CourseMarker(point, None, not_drawn="no_chart"))
        elif baseline is None:
            markers.append(CourseMarker(point, None, not_drawn="no_baseline"))
        elif point.months > LONGEST_DRAWN_MONTHS:
            markers.append(CourseMarker(point, None, not_drawn="after_range"))
        else:
            wanted = baseline + point.mean_change
            value = min(max(wanted, low), high)
            markers.append(CourseMarker(point, value, clipped=value != wanted))
    return tuple(markers)


def mcid_band(instrument: Instrument, baseline: float | None) -> tuple[float, float] | None:
    """The values whose change from ``baseline`` is smaller than the primary MCID, as (low, high), or ``None``.

    With ``combine: any`` (e.g. NRS: 2 points or 30%), the smaller of the two thresholds is enough to reach the
    MCID, so the band is as wide as that smaller one; with ``all``, the larger. Thresholds are read from the
    criterion (the core's data), never written here."""
    if baseline is None or not instrument.primary_mcid:
        return None
    criterion = instrument.criterion(instrument.primary_mcid)
    if criterion.follow_up_at_most is not None:
        return None
    needed = [t for t in (criterion.absolute,
                          None if criterion.percent is None else abs(baseline) * criterion.percent / 100) if t]
    if not needed:
        return None
    width = min(needed) if criterion.combine == "any" else max(needed)
    return baseline - width, baseline + width


def score_chart_png(instrument: Instrument, points: Sequence[Point], procedure_name: str, *,
                    course: Sequence[CourseMarker] = (), dpi: int = 110) -> bytes:
    """The chart; ``course``: the typical course's markers, from :func:`place_course` with this chart's baseline."""
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    known = [p for p in points if p.value is not None]
    baseline = next((p.value for p in known if p.timepoint == "baseline"), None)
    drawn = [m for m in course if m.value is not None] if baseline is not None else []
    # Days suit the first weeks; when figures years ahead are drawn, the axis counts months instead.
    per_unit = DAYS_PER_MONTH if drawn else 1.0
    xs = [(p.days_after if p.days_after is not None else 0) / per_unit for p in known]
    ys = [p.value for p in known]
    low, high = instrument.scoring.minimum, instrument.scoring.maximum
    band = mcid_band(instrument, baseline)
    if band is not None:
        axes.axhspan(max(band[0], low if low is not None else band[0]), min(band[1], high if high is not None
                     else band[1]), color="#d9d9d9", label=gettext("Change smaller than the MCID"))
    if baseline is not None:
        axes.axhline(baseline, color=_INK, linestyle="--", linewidth=1, label=gettext("Before the operation"))
    if drawn and baseline is not None:
        _draw_course(axes, drawn, baseline)
    axes.plot(xs, ys, marker="o", color=_INK, linewidth=1.5, label=gettext("Your answers"), zorder=3)
    if low is not None and high is not None:
        axes.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    if drawn:
        right = max([*xs, *(m.point.months for m in drawn)])
        axes.set_xlim(min([0.0, *xs]) - 0.03 * right, right * 1.04)
        axes.xaxis.set_major_locator(MultipleLocator(12 if right > 24 else 3))
    axes.set_xlabel(gettext("Months after the operation") if drawn else gettext("Days after the operation"))
    axes.set_ylabel(f"{gettext(instrument.short_name)} ({gettext(instrument.scoring.unit)})")
    axes.set_title(f"{gettext(instrument.name)} — {procedure_name}", fontsize=10, loc="left")
    axes.grid(color="#eeeeee", linewidth=0.6)
    axes.legend(fontsize=8, loc="best")
    note = COURSE_DRAWN if drawn else COURSE_LISTED if course else NO_TYPICAL_COURSE
    figure.supxlabel(textwrap.fill(gettext(note), width=110), fontsize=7, x=0.01, ha="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _draw_course(axes: Axes, drawn: Sequence[CourseMarker], baseline: float) -> None:
    """Hollow grey markers, one shape per study. Not joined to the baseline: a line would draw a path (steady
    improvement from the operation on) that no study behind these figures reports."""
    shapes = dict(zip(dict.fromkeys(m.point.study for m in drawn), itertools.cycle(_COURSE_SHAPES), strict=False))
    labelled: set[str] = set()
    for marker in drawn:
        assert marker.value is not None
        study = marker.point.study
        axes.plot([marker.point.months], [marker.value], linestyle="none", marker=shapes[study],
                  markersize=7, markerfacecolor="none", markeredgecolor=_COURSE_GREY, markeredgewidth=1.4, zorder=2,
                  label=None if study in labelled else gettext("Typical change in %(study)s (group average)")
                  % {"study": study})
        labelled.add(study)
