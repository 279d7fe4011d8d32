"""Why a score is incomplete, as data: every reason has a stable code, names its items by id and carries its numbers,
so that an adapter can word it in the reader's language; the English sentence is kept beside it, and a reason stored
as plain English by an older version still reads back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.core.outcomes import (
    INSTRUMENT_IDS,
    REASON_TEXTS,
    Reason,
    Score,
    instrument,
    score,
    score_comi_back,
    score_start_back,
    score_zcq,
    word_reason,
)
from spinepath.core.outcomes.reasons import IN_SUBSCALE

INSTRUMENTS = [instrument(i) for i in INSTRUMENT_IDS]


@st.composite
def partial_forms(draw):
    inst = draw(st.sampled_from(INSTRUMENTS))
    answers = {item.id: draw(st.sampled_from(item.codes_allowed)) for item in inst.items if draw(st.booleans())}
    return inst, answers


@given(partial_forms())
def test_every_reason_has_a_template_and_its_text_is_that_template_in_english(case):
    inst, answers = case
    result = score(inst, answers)
    for reason in (*result.reasons, *(r for part in result.subscales for r in part.reasons)):
        assert reason.code in REASON_TEXTS
        assert reason.text == word_reason(reason, inst)
        assert set(reason.items) <= {item.id for item in inst.items}
        assert "%(" not in reason.text


def test_a_start_back_reason_names_the_unanswered_item_and_counts():
    answers = dict.fromkeys(("leg_pain", "shoulder_or_neck_pain", "walked_short_distances", "dressed_slowly",
                             "not_safe_to_be_active", "worrying_thoughts", "never_get_better",
                             "not_enjoyed_things"), 1)
    (reason,) = score_start_back(answers).reasons
    assert (reason.code, reason.items, reason.counts) == ("start_back_incomplete", ("bothersomeness",),
                                                          {"missing": 1, "total": 9})
    assert reason.text.startswith("Incomplete: 1 of 9 items not answered (9 Bothersomeness).")


def test_a_subscale_reason_listed_for_the_whole_form_names_its_subscale():
    answers = {"average_pain": 3, "pain_frequency": 2, "back_pain": 4, "leg_pain": 3,
               "walking_distance": 2, "walk_for_pleasure": 2, "grocery_shopping": 3, "walking_at_home": 1,
               "bedroom_to_bathroom": 1}
    (reason,) = score_zcq(answers).reasons
    assert (reason.code, reason.subscale, reason.counts) == ("too_many_missing", "symptom_severity",
                                                             {"missing": 3, "total": 7, "allowed": 2})
    assert reason.text == ("Symptom severity: 3 of 7 items missing (at most 2 allowed): V Numbness or tingling, "
                           "VI Weakness, VII Balance problems.")


def test_comis_missing_domains_are_named_by_subscale():
    (reason,) = score_comi_back({"back_pain": 3, "leg_pain": 4, "function": 1}).reasons
    assert reason.code == "comi_domains_missing"
    assert reason.subscales == ("symptom_wellbeing", "quality_of_life", "disability")


def test_a_reason_is_worded_with_the_translation_and_the_labels_an_adapter_gives():
    catalogue = {REASON_TEXTS["too_many_missing"]: "%(total)s maddeden %(missing)s tanesi eksik (en çok %(allowed)s): "
                                                   "%(items)s.",
                 IN_SUBSCALE: "%(subscale)s — %(reason)s"}
    (reason,) = score_zcq({"average_pain": 3, "walking_distance": 2, "walk_for_pleasure": 2, "grocery_shopping": 3,
                           "walking_at_home": 1, "bedroom_to_bathroom": 1}).reasons
    worded = word_reason(reason, instrument("zcq"), translate=lambda text: catalogue.get(text, text),
                         item_label=lambda item: item.id.upper(), subscale_label=lambda part: part.id)
    assert worded.startswith("symptom_severity — 7 maddeden 6 tanesi eksik (en çok 2): PAIN_FREQUENCY, BACK_PAIN")


@pytest.mark.parametrize("stored", [
    pytest.param("Not answered: Back pain intensity. A single-item scale has no score without its answer.",
                 id="plain-english-from-an-older-version"),
    pytest.param({"code": "single_item_unanswered", "items": ["pain"], "text": "Not answered: 1 Back pain intensity. "
                  "A single-item scale has no score without its answer."}, id="as-stored-now"),
])
def test_a_stored_score_reads_back_whatever_version_stored_its_reasons(stored):
    data = score("nrs_back_pain", {}).model_dump(mode="json") | {"reasons": [stored]}
    (reason,) = Score.model_validate(data).reasons
    assert isinstance(reason, Reason) and str(reason).startswith("Not answered: ")
    assert word_reason(reason, instrument("nrs_back_pain")) == reason.text


def test_a_score_round_trips_through_json_with_its_reasons():
    result = score_start_back({"leg_pain": 1})
    assert Score.model_validate_json(result.model_dump_json()) == result
