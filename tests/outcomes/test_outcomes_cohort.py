"""Cohort figures checked against a table computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from spinepath.core.outcomes import CohortRecord, cohort_csv, cohort_table, instrument, wilson_interval

# ODI (lower is better), criterion ostelo_mic: improvement >= 10 points OR >= 30% of baseline.
RECORDS = [
    #            patient procedure            hospital   baseline 3 m   12 m
    CohortRecord(patient="p1", procedure="microdiscectomy", hospital="Ankara", baseline=50, month_3=30, month_12=20),
    CohortRecord(patient="p2", procedure="microdiscectomy", hospital="Ankara", baseline=40, month_3=35, month_12=28),
    CohortRecord(patient="p3", procedure="microdiscectomy", hospital="Ankara", baseline=60, month_3=44, month_12=None),
    CohortRecord(patient="p4", procedure="microdiscectomy", hospital="Ankara", baseline=None, month_3=20, month_12=20),
    CohortRecord(patient="p5", procedure="microdiscectomy", hospital="Bursa", baseline=30, month_3=22, month_12=20),
    CohortRecord(patient="p6", procedure="microdiscectomy", hospital="Bursa", baseline=20, month_3=14, month_12=24),
    CohortRecord(patient="p7", procedure="mis_decompression", hospital="Ankara", baseline=44, month_3=40, month_12=40),
    CohortRecord(patient="p8", procedure="mis_decompression", hospital="Ankara", baseline=0, month_3=0, month_12=10),
]
# Verdicts by hand (R reached, N not reached, U unknown):
#   p1: 3 m 50→30 = 20 pts R;           12 m 50→20 = 30 pts R
#   p2: 3 m 40→35 = 5 pts, 12.5% N;     12 m 40→28 = 12 pts R
#   p3: 3 m 60→44 = 16 pts R;           12 m missing U
#   p4: no baseline: U at both
#   p5: 3 m 30→22 = 8 pts, 26.7% N;     12 m 30→20 = 10 pts R (exactly 10 counts)
#   p6: 3 m 20→14 = 6 pts, 30.0% R (exactly 30% counts); 12 m 20→24 worse N
#   p7: 3 m 44→40 = 4 pts, 9.1% N;      12 m the same N
#   p8: baseline 0: 0 points and a percentage of 0 is undefined → U at both (never counted as a failure)
#
# Wilson 95%, z = 1.959964, z² = 3.841459:  centre = (p + z²/2n)/(1 + z²/n),
#   half = z/(1 + z²/n) · √(p(1−p)/n + z²/4n²)
#   3/5: centre (0.6 + 0.384146)/1.768292 = 0.556552; half 1.108393·√(0.048 + 0.038415) = 0.325827
#        → 0.2307 to 0.8824
#   3/4: centre (0.75 + 0.480182)/1.960365 = 0.627527; half 0.999803·√(0.046875 + 0.060023) = 0.326885
#        → 0.3006 to 0.9544
#   2/3: centre (0.666667 + 0.640243)/2.280486 = 0.573084; half 0.859452·√(0.074074 + 0.106707) = 0.365425
#        → 0.2077 to 0.9385
#   2/2: centre (1 + 0.960365)/2.920730 = 0.671193; half 0.671046·√(0 + 0.240091) = 0.328807 → 0.3424 to 1
#   1/2: centre (0.5 + 0.960365)/2.920730 = 0.5; half 0.671046·√(0.125 + 0.240091) = 0.405466
#        → 0.0945 to 0.9055
#   0/1: centre (0 + 1.920730)/4.841459 = 0.396726; half (z²/2)/4.841459 = 0.396726 → 0 to 0.7935
EXPECTED = [
    # procedure          hospital         time      patients reached not  unknown share   low     high
    ("microdiscectomy", "all hospitals", "month_3", 6, 3, 2, 1, 0.6, 0.2307, 0.8824),
    ("microdiscectomy", "all hospitals", "month_12", 6, 3, 1, 2, 0.75, 0.3006, 0.9544),
    ("microdiscectomy", "Ankara", "month_3", 4, 2, 1, 1, 2 / 3, 0.2077, 0.9385),
    ("microdiscectomy", "Ankara", "month_12", 4, 2, 0, 2, 1.0, 0.3424, 1.0),
    ("microdiscectomy", "Bursa", "month_3", 2, 1, 1, 0, 0.5, 0.0945, 0.9055),
    ("microdiscectomy", "Bursa", "month_12", 2, 1, 1, 0, 0.5, 0.0945, 0.9055),
    ("mis_decompression", "all hospitals", "month_3", 2, 0, 1, 1, 0.0, 0.0, 0.7935),
    ("mis_decompression", "all hospitals", "month_12", 2, 0, 1, 1, 0.0, 0.0, 0.7935),
    ("mis_decompression", "Ankara", "month_3", 2, 0, 1, 1, 0.0, 0.0, 0.7935),
    ("mis_decompression", "Ankara", "month_12", 2, 0, 1, 1, 0.0, 0.0, 0.7935),
]


def test_cohort_table_matches_the_hand_computed_table():
    rows = cohort_table(RECORDS, instrument("odi"), "ostelo_mic")
    got = [(r.procedure, r.hospital, r.timepoint, r.patients, r.reached, r.not_reached, r.unknown) for r in rows]
    assert got == [row[:7] for row in EXPECTED]
    for row, (*_, share, low, high) in zip(rows, EXPECTED, strict=True):
        assert row.share == pytest.approx(share)
        assert row.ci_low == pytest.approx(low, abs=5e-5)
        assert row.ci_high == pytest.approx(high, abs=5e-5)


def test_cohort_csv_renders_the_same_figures():
    text = cohort_csv(cohort_table(RECORDS, instrument("odi"), "ostelo_mic"))
    lines = text.splitlines()
    assert lines[0] == ("procedure,hospital,timepoint,instrument,criterion,patients,reached,not_reached,unknown,"
                        "share,ci95_low,ci95_high")
    assert lines[1] == "microdiscectomy,all hospitals,month_3,odi,ostelo_mic,6,3,2,1,0.600,0.231,0.882"
    assert lines[4] == "microdiscectomy,Ankara,month_12,odi,ostelo_mic,4,2,0,2,1.000,0.342,1.000"
    assert len(lines) == 1 + len(EXPECTED)


def test_a_group_with_nobody_judged_has_no_share_and_blank_cells():
    records = [CohortRecord(patient="x", procedure="mild", hospital="İzmir", baseline=None, month_3=None)]
    (row, _) = cohort_table(records, instrument("odi"), "mild_responder", totals=False)
    assert (row.share, row.ci_low, row.ci_high, row.unknown) == (None, None, None, 1)
    assert cohort_csv([row]).splitlines()[1].endswith(",0,0,1,,,")


def test_follow_up_only_success_needs_no_baseline():
    records = [CohortRecord(patient=f"p{i}", procedure="mis_tlif", hospital="A", baseline=None, month_12=code)
               for i, code in enumerate([1, 2, 3, 7])]
    rows = cohort_table(records, instrument("global_perceived_effect"), "success", timepoints=["month_12"],
                        totals=False)
    assert (rows[0].reached, rows[0].not_reached, rows[0].unknown) == (2, 2, 0)


def test_spreadsheet_formulas_in_names_are_neutralised():
    records = [CohortRecord(patient="p", procedure="mild", hospital="=HYPERLINK(1)", baseline=50, month_3=30)]
    text = cohort_csv(cohort_table(records, instrument("odi"), "ostelo_mic", timepoints=["month_3"], totals=False))
    assert ",'=HYPERLINK(1)," in text


def test_a_subscale_criterion_needs_its_subscale():
    with pytest.raises(ValueError, match="applies to symptom_severity"):
        cohort_table([], instrument("zcq"), "symptom_severity_xstop")
    assert cohort_table([], instrument("zcq"), "symptom_severity_xstop", subscale="symptom_severity") == ()


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 1), (0, 7), (7, 7), (3, 10), (50, 100)])
def test_wilson_interval_stays_in_0_1_and_contains_the_share(x, n):
    low, high = wilson_interval(x, n)
    assert 0 <= low <= x / n <= high <= 1
    assert high - low > 0


def test_wilson_interval_of_nothing_is_none():
    assert wilson_interval(0, 0) is None
