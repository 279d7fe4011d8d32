"""One score over time as a PNG: each answered time point, the baseline as a line, and the band within which a change
is smaller than the instrument's MCID (the core's primary MCID, with its source). The typical course after the
procedure is drawn only from sourced data; spinepath's evidence has none for these scores, so the chart says so
instead of inventing one. The page shows the same numbers as a table next to the image (for screen readers).

Matplotlib without pyplot (as :mod:`spinepath.web.reports.charts`): each call builds its own Figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils.translation import gettext, gettext_noop
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spinepath.core.outcomes import Instrument

from .recovery import Point

__all__ = ["NO_TYPICAL_COURSE", "mcid_band", "score_chart_png"]

_INK = "#000000"
NO_TYPICAL_COURSE = gettext_noop(
    "spinepath's evidence holds no sourced typical course of this score after this operation, so none is drawn.")


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


def score_chart_png(instrument: Instrument, points: Sequence[Point], procedure_name: str, *, dpi: int = 110) -> bytes:
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    known = [p for p in points if p.value is not None]
    baseline = next((p.value for p in known if p.timepoint == "baseline"), None)
    xs = [p.days_after if p.days_after is not None else 0 for p in known]
    ys = [p.value for p in known]
    low, high = instrument.scoring.minimum, instrument.scoring.maximum
    band = mcid_band(instrument, baseline)
    if band is not None:
        axes.axhspan(max(band[0], low if low is not None else band[0]), min(band[1], high if high is not None
                     else band[1]), color="#d9d9d9", label=gettext("Change smaller than the MCID"))
    if baseline is not None:
        axes.axhline(baseline, color=_INK, linestyle="--", linewidth=1, label=gettext("Before the operation"))
    axes.plot(xs, ys, marker="o", color=_INK, linewidth=1.5, label=gettext("Your answers"))
    if low is not None and high is not None:
        axes.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    axes.set_xlabel(gettext("Days after the operation"))
    axes.set_ylabel(f"{gettext(instrument.short_name)} ({gettext(instrument.scoring.unit)})")
    axes.set_title(f"{gettext(instrument.name)} — {procedure_name}", fontsize=10, loc="left")
    axes.grid(color="#eeeeee", linewidth=0.6)
    axes.legend(fontsize=8, loc="best")
    figure.supxlabel(gettext(NO_TYPICAL_COURSE), fontsize=7, x=0.01, ha="left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
