"""Edges: band boundaries, invalid answers refused for every instrument, and the core's purity."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.core.outcomes import INSTRUMENT_IDS, AnswerError, instrument, score, score_nrs
from spinepath.core.outcomes.scoring import band_for


@pytest.mark.parametrize(
    ("value", "band"),
    [(0, "minimal disability"), (20, "minimal disability"), (20.5, "moderate disability"),
     (40, "moderate disability"), (80, "crippled (the owner's word)"), (80.5, "bed-bound or exaggerating symptoms"),
     (100, "bed-bound or exaggerating symptoms")],
)
def test_an_odi_boundary_value_belongs_to_the_lower_band(value, band):
    assert band_for(instrument("odi").bands, value) == band


@pytest.mark.parametrize(("pain", "band"), [(0, "no pain"), (1, "mild"), (5, "mild"), (6, "moderate"),
                                            (7, "moderate"), (8, "severe"), (10, "severe")])
def test_nrs_bands(pain, band):
    assert score_nrs({"pain": pain}).band == band


@given(st.sampled_from(INSTRUMENT_IDS), st.data())
def test_a_code_an_item_does_not_offer_is_always_refused_by_item(instrument_id, data):
    inst = instrument(instrument_id)
    item = data.draw(st.sampled_from(inst.items))
    bad = data.draw(st.integers(-50, 200).filter(lambda c: c not in item.codes_allowed))
    with pytest.raises(AnswerError) as caught:
        score(inst, {item.id: bad})
    assert [p.pointer for p in caught.value.problems] == [f"/{item.id}"]


@pytest.mark.parametrize("value", [True, "3", 2.0, [1, 2]])
def test_booleans_strings_floats_and_several_marks_are_not_answers(value):
    with pytest.raises(AnswerError):
        score("zcq", {"average_pain": value})


def test_an_unknown_item_is_refused_with_a_did_you_mean():
    with pytest.raises(AnswerError, match="did you mean 'pain'"):
        score_nrs({"pian": 3})


def test_the_outcomes_core_imports_no_adapter_or_framework():
    code = (
        "import sys, spinepath.core.outcomes as o; o.load_catalogue();"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'ninja', 'typer', 'rich', 'psycopg', 'fhir')"
        " or m.startswith(('spinepath.web', 'spinepath.fhir', 'spinepath.cli'))];"
        "print(','.join(sorted(bad)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
