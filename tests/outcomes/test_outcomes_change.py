"""Change from baseline: direction, MCID and success definitions as sourced, and unknown never read as 'not met'."""

from __future__ import annotations

import pytest

from spinepath.core.outcomes import change, instrument, score

ODI = ("pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping", "sex_life",
       "social_life", "travelling")


def odi_score(total_of_ten: int):
    """An ODI of 2 × total_of_ten points: spread over the ten sections."""
    codes = [min(5, max(0, total_of_ten - 5 * i)) for i in range(10)]
    return score("odi", dict(zip(ODI, codes, strict=True)))


@pytest.mark.parametrize(
    ("before", "after", "criterion", "met"),
    [
        pytest.param(25, 20, "ostelo_mic", True, id="odi-50-to-40-10-points-meets-ostelo"),
        pytest.param(25, 21, "ostelo_mic", False, id="odi-50-to-42-8-points-16pct-not-met"),
        pytest.param(10, 7, "ostelo_mic", True, id="odi-20-to-14-30pct-meets-ostelo-by-percentage"),
        pytest.param(10, 8, "ostelo_mic", False, id="odi-20-to-16-4-points-20pct-not-met"),
        pytest.param(25, 15, "ldh_success", True, id="odi-50-to-30-20-points-ldh-success"),
        pytest.param(25, 16, "ldh_success", False, id="odi-50-to-32-18-points-not-ldh-success"),
        pytest.param(25, 18, "lss_success", False, id="odi-50-to-36-28pct-not-lss-success"),
        pytest.param(20, 14, "lss_success", True, id="odi-40-to-28-30pct-lss-success"),
        pytest.param(20, 25, "ostelo_mic", False, id="odi-worse-never-meets"),
    ],
)
def test_odi_criteria(before, after, criterion, met):
    result = change(odi_score(before), odi_score(after), instrument("odi"))
    assert result.met(criterion) is met


def test_lower_is_better_turns_the_sign_and_higher_is_better_keeps_it():
    odi = change(odi_score(25), odi_score(20), instrument("odi"))
    assert (odi.difference, odi.improvement) == (-10.0, 10.0)
    walking = change(score("walking_tolerance", {"minutes": 5}), score("walking_tolerance", {"minutes": 20}),
                     instrument("walking_tolerance"))
    assert (walking.difference, walking.improvement, walking.percent_improvement) == (15, 15, 300)
    assert walking.mcid_reached is None and walking.criteria == ()  # no MCID is sourced


def test_a_missing_score_gives_unknown_never_not_met():
    inst = instrument("odi")
    incomplete = score("odi", {"pain_intensity": 5})
    result = change(incomplete, odi_score(5), inst)
    assert result.mcid_reached is None
    assert all(r.met is None for r in result.criteria)
    assert "No baseline" in result.criteria[0].reason


def test_a_zero_baseline_cannot_show_a_percentage_and_does_not_count_as_failure():
    result = change(score("nrs_back_pain", {"pain": 0}), score("nrs_back_pain", {"pain": 0}),
                    instrument("nrs_back_pain"))
    assert result.percent_improvement is None
    assert result.mcid_reached is None  # 0 points (not met) OR a percentage of 0 (undefined) → unknown


def test_zcq_subscale_change_uses_the_subscales_mcid():
    inst = instrument("zcq")
    ss = ("average_pain", "pain_frequency", "back_pain", "leg_pain", "numbness", "weakness", "balance_problems")
    before = score(inst, dict.fromkeys(ss, 3))
    after = score(inst, dict.fromkeys(ss, 3) | {"average_pain": 1})  # mean 3 → 19/7: a fall of 2/7 = 0.286
    result = change(before, after, inst, subscale="symptom_severity")
    assert result.improvement == pytest.approx(2 / 7)
    assert result.met("symptom_severity_xstop") is False  # < 0.42
    assert result.met("symptom_severity_nonsurgical") is True  # >= 0.21
    assert result.mcid_reached is False  # the first MCID listed for the subscale (X-STOP series)


def test_a_t_score_threshold_is_unknown_without_t_scores():
    inst = instrument("promis_29")
    pf = {f"physical_function_{n}": 2 for n in range(1, 5)}
    result = change(score(inst, pf), score(inst, pf | {"physical_function_1": 5}), inst,
                    subscale="physical_function")
    assert result.improvement == 3  # raw sums 8 → 11, higher is better
    assert result.met("physical_function_mis_tlif") is None
    assert "T-score" in result.criteria[0].reason


def test_scores_of_another_instrument_are_refused():
    with pytest.raises(ValueError, match="cannot be compared"):
        change(score("nrs_back_pain", {"pain": 5}), score("nrs_back_pain", {"pain": 3}), instrument("nrs_leg_pain"))
