"""The follow-up schedule as a table: target dates, windows and the status of each time point on a given day."""

from __future__ import annotations

from datetime import date

import pytest

from spinepath.core.outcomes import Offset, Window, add_offset, follow_up_schedule

OPERATION = date(2025, 1, 31)


def test_targets_and_windows_of_the_default_schedule():
    schedule = follow_up_schedule(OPERATION, as_of=OPERATION)
    got = [(f.timepoint, f.opens, f.target, f.closes) for f in schedule]
    assert got == [
        ("pre_op", date(2024, 11, 30), date(2025, 1, 31), date(2025, 1, 31)),   # 2 months before (clamped)
        ("week_2", date(2025, 2, 11), date(2025, 2, 14), date(2025, 2, 21)),
        ("week_6", date(2025, 3, 7), date(2025, 3, 14), date(2025, 3, 28)),
        ("month_3", date(2025, 4, 16), date(2025, 4, 30), date(2025, 5, 30)),   # 31 Jan + 3 months = 30 Apr
        ("month_12", date(2025, 12, 31), date(2026, 1, 31), date(2026, 3, 31)),
        ("month_24", date(2026, 12, 31), date(2027, 1, 31), date(2027, 4, 30)),
    ]


@pytest.mark.parametrize(
    ("as_of", "completed", "expected"),
    [
        pytest.param(date(2024, 11, 1), [], "upcoming", id="before-the-window-opens-upcoming"),
        pytest.param(date(2025, 2, 11), [], "due", id="window-open-before-target-due"),
        pytest.param(date(2025, 2, 14), [], "due", id="on-the-target-day-due"),
        pytest.param(date(2025, 2, 15), [], "overdue", id="after-target-window-open-overdue"),
        pytest.param(date(2025, 2, 21), [], "overdue", id="last-day-of-window-overdue"),
        pytest.param(date(2025, 2, 22), [], "missed", id="window-closed-missed"),
        pytest.param(date(2025, 2, 22), [date(2025, 2, 20)], "completed", id="submitted-in-window-completed"),
        pytest.param(date(2025, 3, 1), [date(2025, 2, 22)], "missed", id="late-submission-counts-for-no-window"),
    ],
)
def test_status_of_the_2_week_time_point(as_of, completed, expected):
    schedule = follow_up_schedule(OPERATION, as_of=as_of, completed_on=completed)
    assert {f.timepoint: f.status for f in schedule}["week_2"] == expected


def test_a_pre_operative_questionnaire_counts_only_within_2_months_before():
    schedule = follow_up_schedule(OPERATION, as_of=date(2025, 2, 1), completed_on=[date(2024, 11, 1)])
    assert schedule[0].status == "missed"
    schedule = follow_up_schedule(OPERATION, as_of=date(2025, 2, 1), completed_on=[date(2024, 12, 15)])
    assert (schedule[0].status, schedule[0].completed_on) == ("completed", date(2024, 12, 15))


def test_windows_are_configurable_and_may_not_overlap():
    wide = {"month_3": Window(before=Offset(months=1), after=Offset(months=2))}
    schedule = follow_up_schedule(OPERATION, as_of=OPERATION, windows=wide)
    month_3 = next(f for f in schedule if f.timepoint == "month_3")
    assert (month_3.opens, month_3.closes) == (date(2025, 3, 30), date(2025, 6, 30))
    with pytest.raises(ValueError, match="overlap"):
        follow_up_schedule(OPERATION, as_of=OPERATION, windows={"week_6": Window(before=Offset(days=30),
                                                                                 after=Offset())})
    with pytest.raises(ValueError, match="unknown time point"):
        follow_up_schedule(OPERATION, as_of=OPERATION, windows={"month_6": wide["month_3"]})


def test_safety_screen_is_asked_in_the_first_three_months():
    schedule = follow_up_schedule(OPERATION, as_of=OPERATION)
    assert [f.timepoint for f in schedule if f.safety_screen] == ["week_2", "week_6", "month_3"]


@pytest.mark.parametrize(
    ("day", "offset", "sign", "expected"),
    [
        (date(2024, 1, 31), Offset(months=1), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), Offset(months=1), -1, date(2024, 2, 29)),
        (date(2024, 12, 15), Offset(months=2, days=3), 1, date(2025, 2, 18)),
        (date(2025, 1, 1), Offset(days=1), -1, date(2024, 12, 31)),
    ],
)
def test_calendar_arithmetic(day, offset, sign, expected):
    assert add_offset(day, offset, sign=sign) == expected
