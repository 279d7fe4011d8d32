"""Cohort statistics: the share of patients reaching an MCID or a success definition at 3 and 12 months, per
procedure and hospital, with counts and a 95% confidence interval; and its CSV rendering (a string, no file).

Counting: a record counts as *reached* or *not reached* only when the criterion can be judged (both scores
known, or the follow-up alone for a follow-up rating); otherwise it is *unknown* (missing score, or a
percentage of a zero baseline) and is left out of the share's denominator, and shown, never counted as a
failure.

Why the Wilson score interval: per-hospital and per-procedure groups are small, and shares are often near 0 or 1.
The textbook Wald interval (p ± z·√(p(1−p)/n)) then collapses to zero width at 0/n and n/n and can leave
[0, 1]; Wilson's interval stays inside [0, 1], is never empty at the extremes, and keeps close to its nominal
coverage for small n (recommended for small samples by Brown, Cai & DasGupta, Statistical Science 2001).
Formula, with z = 1.96 for 95%::

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z / (1 + z²/n) · √( p(1−p)/n + z²/4n² )
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from statistics import NormalDist
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .change import criterion_met
from .models import Instrument

__all__ = ["ALL_HOSPITALS", "CohortRecord", "CohortRow", "cohort_csv", "cohort_table", "wilson_interval"]

Timepoint = Literal["month_3", "month_12"]
TIMEPOINTS: tuple[Timepoint, ...] = ("month_3", "month_12")
ALL_HOSPITALS = "all hospitals"
CSV_COLUMNS = (
    "procedure", "hospital", "timepoint", "instrument", "criterion", "patients", "reached", "not_reached",
    "unknown", "share", "ci95_low", "ci95_high",
)


class CohortRecord(BaseModel):
    """One patient's operation: scores (the instrument's value, or the subscale's) before and at 3 / 12 months."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patient: str
    procedure: str
    hospital: str
    baseline: float | None
    month_3: float | None = None
    month_12: float | None = None


class CohortRow(BaseModel):
    """One line of the cohort table. ``share`` = reached / (reached + not_reached); ``None`` with no judged
    patient. ``hospital`` is :data:`ALL_HOSPITALS` on a procedure's total line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    procedure: str
    hospital: str
    timepoint: Timepoint
    instrument: str
    criterion: str
    patients: int
    reached: int
    not_reached: int
    unknown: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval for ``successes`` out of ``n`` (``None`` when ``n`` is 0)."""
    if n == 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes ({successes}) must lie between 0 and n ({n})")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def cohort_table(
    records: Iterable[CohortRecord],
    instrument: Instrument,
    criterion: str,
    *,
    subscale: str | None = None,
    timepoints: Sequence[Timepoint] = TIMEPOINTS,
    totals: bool = True,
    confidence: float = 0.95,
) -> tuple[CohortRow, ...]:
    """Rows per procedure (sorted) and hospital (sorted), for each time point; with ``totals``, each
    procedure's line over all hospitals comes first."""
    chosen = instrument.criterion(criterion)
    if chosen.subscale != subscale:
        raise ValueError(
            f"criterion {criterion!r} applies to {chosen.subscale or 'the total'}, not {subscale or 'the total'}"
        )
    higher_is_better = (
        instrument.subscale(subscale).higher_is_better if subscale else instrument.scoring.higher_is_better
    )
    rows_in = list(records)
    groups: list[tuple[str, str, list[CohortRecord]]] = []
    for procedure in sorted({r.procedure for r in rows_in}):
        of_procedure = [r for r in rows_in if r.procedure == procedure]
        if totals:
            groups.append((procedure, ALL_HOSPITALS, of_procedure))
        for hospital in sorted({r.hospital for r in of_procedure}):
            groups.append((procedure, hospital, [r for r in of_procedure if r.hospital == hospital]))

    table = []
    for procedure, hospital, members in groups:
        for timepoint in timepoints:
            verdicts = [
                criterion_met(chosen, r.baseline, getattr(r, timepoint), higher_is_better=higher_is_better)
                for r in members
            ]
            reached = sum(1 for v in verdicts if v is True)
            not_reached = sum(1 for v in verdicts if v is False)
            judged = reached + not_reached
            interval = wilson_interval(reached, judged, confidence=confidence)
            table.append(CohortRow(
                procedure=procedure, hospital=hospital, timepoint=timepoint, instrument=instrument.id,
                criterion=criterion, patients=len(members), reached=reached, not_reached=not_reached,
                unknown=len(members) - judged, share=reached / judged if judged else None,
                ci_low=interval[0] if interval else None, ci_high=interval[1] if interval else None,
            ))
    return tuple(table)


def cohort_csv(rows: Iterable[CohortRow], *, decimals: int = 3) -> str:
    """The table as CSV text (header line first; shares and limits as proportions, ``decimals`` places;
    blank where undefined). Text cells that a spreadsheet would run as a formula are prefixed with ``'``."""
    if decimals < 0:
        raise ValueError("decimals must be 0 or more")
    places = decimals
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([
            _cell(row.procedure), _cell(row.hospital), row.timepoint, row.instrument, row.criterion, row.patients,
            row.reached, row.not_reached, row.unknown,
            *("" if v is None else f"{v:.{places}f}" for v in (row.share, row.ci_low, row.ci_high)),
        ])
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
