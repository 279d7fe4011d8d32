"""Property tests: for any set of answers, every score stays in its range, and partial answers follow each
instrument's missing-item rule exactly (and an incomplete form never gets a band or a risk group)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spinepath.core.outcomes import INSTRUMENT_IDS, Instrument, change, eq5d_5l_index, instrument, load_catalogue, score

INSTRUMENTS = [instrument(i) for i in INSTRUMENT_IDS]


@st.composite
def answer_sets(draw, inst: Instrument | None = None):
    """An instrument and answers for any subset of its items (absent, None or a valid code)."""
    inst = inst or draw(st.sampled_from(INSTRUMENTS))
    answers = {}
    for item in inst.items:
        choice = draw(st.sampled_from(["absent", "none", "code"]) if draw(st.booleans()) else st.just("code"))
        if choice == "none":
            answers[item.id] = None
        elif choice == "code":
            answers[item.id] = draw(st.sampled_from(item.codes_allowed))
    return inst, answers


def answered(inst, answers, item_ids=None):
    ids = item_ids if item_ids is not None else [i.id for i in inst.items]
    return sum(1 for i in ids if answers.get(i) is not None)


@given(answer_sets())
def test_every_score_and_subscale_stays_in_range(case):
    inst, answers = case
    result = score(inst, answers)
    if result.value is not None:
        assert inst.scoring.minimum is not None and inst.scoring.maximum is not None
        assert inst.scoring.minimum <= result.value <= inst.scoring.maximum
    for part in result.subscales:
        spec = inst.subscale(part.id)
        if part.value is not None:
            assert spec.minimum <= part.value <= spec.maximum
    assert result.answered == answered(inst, answers)


@given(answer_sets())
def test_an_incomplete_form_has_no_band_and_says_why(case):
    inst, answers = case
    result = score(inst, answers)
    if not result.complete:
        assert result.band is None
        assert result.reasons
    if result.value is not None and inst.scoring.minimum is not None:
        assert result.complete


@given(answer_sets(instrument("start_back")))
def test_start_back_with_any_unanswered_item_is_incomplete_and_never_a_risk_group(case):
    inst, answers = case
    result = score(inst, answers)
    if answered(inst, answers) < 9:
        assert not result.complete and result.value is None and result.band is None
    else:
        assert result.complete and result.band in {"low risk", "medium risk", "high risk"}


@given(answer_sets(instrument("odi")))
def test_odi_scores_over_answered_sections_only_from_eight_of_ten(case):
    inst, answers = case
    result = score(inst, answers)
    n = answered(inst, answers)
    assert (result.value is not None) == (n >= 8) == result.complete
    if n >= 8:
        total = sum(v for v in answers.values() if v is not None)
        assert result.value == 100 * total / (5 * n)


@given(answer_sets(instrument("zcq")))
def test_zcq_subscales_follow_the_allowed_missing_counts(case):
    inst, answers = case
    result = score(inst, answers)
    for part in result.subscales:
        spec = inst.subscale(part.id)
        missing = len(spec.items) - answered(inst, answers, spec.items)
        assert (part.value is not None) == (missing <= spec.max_missing and missing < len(spec.items))
    assert result.value is None  # never a total


@given(answer_sets(instrument("comi_back")))
def test_comi_needs_every_domain(case):
    inst, answers = case
    assert (score(inst, answers).value is not None) == (answered(inst, answers) == len(inst.items))


@given(answer_sets(instrument("promis_29")))
def test_promis_domains_need_all_four_items(case):
    inst, answers = case
    result = score(inst, answers)
    for part in result.subscales:
        spec = inst.subscale(part.id)
        assert (part.value is not None) == (answered(inst, answers, spec.items) == len(spec.items))
        assert part.t_score is None  # no tables are shipped


@given(answer_sets(instrument("rmdq")))
def test_rmdq_needs_every_statement_recorded(case):
    inst, answers = case
    result = score(inst, answers)
    assert (result.value is not None) == (answered(inst, answers) == 24)


@given(answer_sets(), answer_sets())
def test_change_never_reads_an_unknown_score_as_not_met(first, second):
    inst, baseline_answers = first
    follow_answers = second[1] if second[0].id == inst.id else baseline_answers
    baseline, follow_up = score(inst, baseline_answers), score(inst, follow_answers)
    result = change(baseline, follow_up, inst)
    for verdict in result.criteria:
        criterion = inst.criterion(verdict.criterion)
        if follow_up.value is None or (criterion.needs_baseline and baseline.value is None):
            assert verdict.met is None
    if result.improvement is not None:
        sign = 1 if inst.scoring.higher_is_better else -1
        assert result.improvement == sign * (follow_up.value - baseline.value)


VALUE_SETS = sorted(load_catalogue().value_sets)
HEALTH_STATES = st.lists(st.integers(1, 5), min_size=5, max_size=5)


@given(st.sampled_from(VALUE_SETS), HEALTH_STATES)
def test_every_eq5d_5l_index_is_at_most_1_and_only_full_health_is_worth_exactly_1(value_set, levels):
    result = eq5d_5l_index(levels, value_set)
    assert result.complete and result.value_set == value_set
    assert result.value <= 1
    assert eq5d_5l_index("11111", value_set).value == 1
    if levels != [1] * 5:
        assert result.value < 1  # every shipped set charges something for any problem


@given(st.sampled_from(VALUE_SETS), HEALTH_STATES, st.integers(0, 4))
def test_a_worse_level_on_one_dimension_never_raises_the_index(value_set, levels, dimension):
    if levels[dimension] < 5:
        worse = [*levels[:dimension], levels[dimension] + 1, *levels[dimension + 1:]]
        assert eq5d_5l_index(worse, value_set).value <= eq5d_5l_index(levels, value_set).value
