"""The follow-up schedule after a spine operation, as pure functions of the procedure date and "today".

Time points and default windows are data (``data/schedule.yaml``): before the operation (at most 2 months
before), 2 and 6 weeks, 3 and 12 months, 2 years. Months are calendar months (3 months after 30 November is
28 or 29 February). Each time point has a target date and a window around it::

    opens = target - window.before        closes = target + window.after

and a status on a given day, from the dates on which questionnaires were completed:

- ``completed``: a submission falls inside the window (a submission outside every window counts for none);
- ``upcoming``: before the window opens;
- ``due``: from the day the window opens to the target date;
- ``overdue``: after the target date, while the window is still open;
- ``missed``: the window has closed without a submission.

The clock is an argument: nothing here calls ``date.today()``.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .models import Evidence, Identifier, Text

__all__ = [
    "FollowUp",
    "Offset",
    "TimepointSpec",
    "TimepointStatus",
    "Window",
    "add_offset",
    "follow_up_schedule",
    "schedule_status",
]

TimepointStatus = Literal["upcoming", "due", "overdue", "missed", "completed"]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Offset(_Model):
    """A span of calendar months plus days (both non-negative)."""

    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)


class Window(_Model):
    before: Offset
    after: Offset


class TimepointSpec(_Model):
    """A time point: ``target`` after the procedure date, its default ``window``, whether the post-operative
    safety screen is asked then, and which instruments are suggested (a deployment chooses what it offers)."""

    id: Identifier
    label: Text
    target: Offset
    window: Window
    safety_screen: bool
    instruments: list[Identifier]
    evidence: Evidence


class FollowUp(BaseModel):
    """One time point of one patient's schedule, with its dates and status on ``as_of``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timepoint: str
    label: str
    target: date
    opens: date
    closes: date
    status: TimepointStatus
    completed_on: date | None
    safety_screen: bool
    instruments: tuple[str, ...]

    @model_validator(mode="after")
    def _ordered(self) -> FollowUp:
        if not self.opens <= self.target <= self.closes:
            raise ValueError(f"{self.timepoint}: the window must contain the target date")
        return self


def add_offset(day: date, offset: Offset, *, sign: int = 1) -> date:
    """``day`` plus (or, with ``sign=-1``, minus) calendar months then days; the day of the month is clamped
    to the month's length (31 January + 1 month = 28/29 February)."""
    month_index = day.year * 12 + (day.month - 1) + sign * offset.months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    moved = date(year, month + 1, min(day.day, last))
    return moved + timedelta(days=sign * offset.days)


def follow_up_schedule(
    procedure_date: date,
    *,
    as_of: date,
    completed_on: Iterable[date] = (),
    windows: Mapping[str, Window] | None = None,
    timepoints: Sequence[TimepointSpec] | None = None,
) -> tuple[FollowUp, ...]:
    """Every time point of the schedule for an operation on ``procedure_date``, with its status on ``as_of``.

    ``completed_on``: the dates questionnaires were completed. ``windows`` overrides the default window of
    named time points (e.g. ``{"month_3": Window(...)}``). Raises ``ValueError`` for an unknown time point
    name or for windows that overlap (a submission must belong to one time point at most)."""
    if timepoints is None:
        from .catalogue import load_catalogue  # here: the catalogue imports this module

        timepoints = load_catalogue().schedule
    overrides = dict(windows or {})
    unknown = sorted(set(overrides) - {t.id for t in timepoints})
    if unknown:
        raise ValueError(f"unknown time point(s) {unknown}; known: {[t.id for t in timepoints]}")
    submissions = sorted(set(completed_on))

    spans: list[tuple[TimepointSpec, date, date, date]] = []
    for spec in timepoints:
        window = overrides.get(spec.id, spec.window)
        target = add_offset(procedure_date, spec.target)
        spans.append((spec, target, add_offset(target, window.before, sign=-1), add_offset(target, window.after)))
    for (first, _, _, first_closes), (second, _, second_opens, _) in itertools.pairwise(spans):
        if second_opens <= first_closes:
            raise ValueError(
                f"the windows of {first.id!r} (closes {first_closes}) and {second.id!r} (opens {second_opens}) "
                "overlap; narrow one of them"
            )

    result = []
    for spec, target, opens, closes in spans:
        done = next((d for d in submissions if opens <= d <= closes), None)
        result.append(
            FollowUp(
                timepoint=spec.id, label=spec.label, target=target, opens=opens, closes=closes,
                status=_status(as_of, opens, target, closes, done), completed_on=done,
                safety_screen=spec.safety_screen, instruments=tuple(spec.instruments),
            )
        )
    return tuple(result)


def schedule_status(schedule: Sequence[FollowUp]) -> dict[str, TimepointStatus]:
    """Time point id → status, for a quick look-up."""
    return {f.timepoint: f.status for f in schedule}


def _status(as_of: date, opens: date, target: date, closes: date, done: date | None) -> TimepointStatus:
    if done is not None:
        return "completed"
    if as_of < opens:
        return "upcoming"
    if as_of <= target:
        return "due"
    if as_of <= closes:
        return "overdue"
    return "missed"
