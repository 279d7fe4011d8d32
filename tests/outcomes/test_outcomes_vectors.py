"""Every published or derived test vector of ../shared/spec/instruments-evidence.md, one row each, named by the
section it comes from (§1f ODI, §2e NRS and VAS, §3e ZCQ, §4e STarT Back, §5e COMI, §6b PROMIS tables, §7d EQ-5D-5L
value sets, §8 RMDQ).

Licensed instruments are scored from their packaged structure: no item text is needed to score them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from spinepath.core.outcomes import (
    AnswerError,
    change,
    eq5d_5l_index,
    instrument,
    load_catalogue,
    score,
    score_comi_back,
    score_eq5d_5l,
    score_nrs,
    score_odi,
    score_promis_29,
    score_rmdq,
    score_start_back,
    score_vas,
    score_zcq,
    with_item_texts,
)
from spinepath.core.outcomes.texts import validate_item_texts

EVIDENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "instruments-evidence.md"
ODI_SECTIONS = ("pain_intensity", "personal_care", "lifting", "walking", "sitting", "standing", "sleeping",
                "sex_life", "social_life", "travelling")


def odi(*codes: int | None) -> dict[str, int | None]:
    return dict(zip(ODI_SECTIONS, codes, strict=True))


# ---- §1f ODI ---------------------------------------------------------------------------------------------------

ODI_VECTORS = [
    pytest.param(odi(2, 2, 2, 2, 2, 2, 1, 1, 1, 1), 32.0, id="1f-O1-ten-answered-sum-16-is-32"),
    # O2: the form prints "35.5" (a truncation); the exact value 16/45 x 100 is kept.
    pytest.param(odi(2, 2, 2, 2, 2, 2, 1, 1, 2, None), 1600 / 45, id="1f-O2-nine-answered-sum-16-is-35.56"),
    pytest.param(odi(2, 1, 2, 1, 2, 2, 1, 2, 3, 2), 36.0, id="1f-O3-pacio-example-1-is-36"),
    pytest.param(odi(1, 1, 2, 1, 2, 2, 1, 2, 2, 2), 32.0, id="1f-O4-pacio-example-2-is-32"),
    pytest.param(odi(2, 1, 2, 1, 2, 2, 1, 2, 2, 2), 34.0, id="1f-O5-pacio-example-3-is-34"),
    *[pytest.param(odi(*[k] * 10), 20.0 * k, id=f"1f-O6-all-{k}-is-{20 * k}") for k in range(6)],
    pytest.param(odi(None, None, 1, 1, 1, 1, 1, 1, 1, 1), 20.0, id="1f-O7-pain-and-care-missing-8-of-40-is-20"),
]


@pytest.mark.parametrize(("answers", "expected"), ODI_VECTORS)
def test_odi_vectors(answers, expected):
    result = score_odi(answers)
    assert result.complete
    assert result.value == pytest.approx(expected, abs=1e-12)


def test_odi_O2_displays_as_35_6_not_the_truncated_35_5():
    result = score_odi(odi(2, 2, 2, 2, 2, 2, 1, 1, 2, None))
    from spinepath.core.outcomes import format_value

    assert format_value(result.value, instrument("odi")) == "35.6"
    assert "travelling" in result.notes[0].lower()


def test_odi_O8_first_three_missing_is_40_under_the_owners_rule_but_incomplete_under_spinepaths_minimum():
    answers = odi(None, None, None, 2, 2, 2, 2, 2, 2, 2)  # 14/35 = 40 (qhs test data)
    assert score_odi(answers, min_answered=1).value == pytest.approx(40.0)
    default = score_odi(answers)
    assert default.value is None and not default.complete and default.band is None
    (reason,) = default.reasons
    assert "7 of 10" in reason.text and "at least 8" in reason.text
    assert (reason.code, reason.counts) == ("odi_too_few_sections", {"answered": 7, "total": 10, "needed": 8})
    assert reason.items == ("pain_intensity", "personal_care", "lifting")


def test_odi_O9_two_boxes_ticked_in_one_section_takes_the_higher():
    two_marks = odi(2, 1, 2, 1, 2, 2, 1, 2, 2, 2) | {"social_life": [2, 3]}
    assert score_odi(two_marks).value == pytest.approx(36.0)  # as O3, where social life is 3


# ---- §2e NRS ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", ["nrs_back_pain", "nrs_leg_pain"])
def test_nrs_2e_seven_is_seven(instrument_id):
    assert score_nrs({"pain": 7}, instrument=instrument_id).value == 7


def test_nrs_2e_change_8_to_5_meets_the_ostelo_mic_by_points_and_by_percentage():
    inst = instrument("nrs_back_pain")
    result = change(score_nrs({"pain": 8}), score_nrs({"pain": 5}), inst)
    assert result.difference == -3 and result.improvement == 3
    assert result.percent_improvement == pytest.approx(37.5)
    assert result.mcid_reached is True
    assert "37.5% vs 30%" in result.criteria[0].reason


def test_vas_2e_a_mark_at_63_mm_is_63():
    result = score_vas({"pain": 63})
    assert (result.value, result.complete, result.instrument) == (63, True, "vas_pain")


def test_vas_2c_its_mic_is_ostelos_15_mm_or_30_percent_and_a_missing_mark_is_no_score():
    # §2e gives no VAS change vector, so none is made up here: the criterion itself is checked against §2c.
    criterion = instrument("vas_pain").criterion("ostelo_mic")
    assert (criterion.absolute, criterion.percent, criterion.combine) == (15, 30, "any")
    assert criterion.evidence.sources == ["ostelo-2008"]
    missing = score_vas({"pain": None})
    assert missing.value is None and not missing.complete
    assert missing.reasons[0].code == "single_item_unanswered"


# ---- §3e ZCQ ---------------------------------------------------------------------------------------------------

SS = ("average_pain", "pain_frequency", "back_pain", "leg_pain", "numbness", "weakness", "balance_problems")
PF = ("walking_distance", "walk_for_pleasure", "grocery_shopping", "walking_at_home", "bedroom_to_bathroom")
SAT = ("overall_result", "pain_relief", "ability_to_walk", "ability_to_work", "leg_strength", "balance")


def zcq(ss=(3, 2, 4, 3, 2, 3, 1), pf=(2, 2, 3, 1, 1), sat=None):
    answers = dict(zip(SS, ss, strict=True)) | dict(zip(PF, pf, strict=True))
    return answers | (dict(zip(SAT, sat, strict=True)) if sat else {})


@pytest.mark.parametrize(
    ("ss", "expected"),
    [
        pytest.param((3, 2, 4, 3, 2, 3, 1), 18 / 7, id="3e-ss-all-answered-is-2.5714"),
        pytest.param((3, 2, 4, 3, 2, None, None), 2.8, id="3e-ss-two-missing-is-14/5"),
        pytest.param((3, 2, 4, 3, None, None, None), None, id="3e-ss-three-missing-no-score"),
    ],
)
def test_zcq_symptom_severity_vectors(ss, expected):
    part = score_zcq(zcq(ss=ss)).subscale("symptom_severity")
    if expected is None:
        assert part.value is None and not part.complete
    else:
        assert part.value == pytest.approx(expected, abs=1e-12)
        assert part.complete


@pytest.mark.parametrize("code", [2, 4], ids=["3e-balance-2-invalid", "3e-balance-4-invalid"])
def test_zcq_balance_item_2_or_4_is_invalid_input(code):
    with pytest.raises(AnswerError) as caught:
        score_zcq(zcq(ss=(3, 2, 4, 3, 2, 3, code)))
    assert caught.value.problems[0].pointer == "/balance_problems"
    assert "allowed: 1, 3, 5" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("pf", "expected"),
    [
        pytest.param((2, 2, 3, 1, 1), 1.8, id="3e-pf-all-answered-is-1.8"),
        pytest.param((2, 2, 3, 1, None), 2.0, id="3e-pf-one-missing-is-mean-of-four"),
        pytest.param((2, 2, 3, None, None), None, id="3e-pf-two-missing-no-score"),
    ],
)
def test_zcq_physical_function_vectors(pf, expected):
    part = score_zcq(zcq(pf=pf)).subscale("physical_function")
    assert part.value == (pytest.approx(expected) if expected is not None else None)


def test_zcq_3e_satisfaction_1_5_is_a_satisfied_responder():
    inst = instrument("zcq")
    follow_up = score_zcq(zcq(sat=(1, 2, 2, 1, 2, 1)))
    assert follow_up.subscale("satisfaction").value == pytest.approx(1.5)
    result = change(None, follow_up, inst, subscale="satisfaction")
    assert result.met("satisfied_responder") is True  # <= 2.5 (Minetama 2024)


# ---- §4e STarT Back --------------------------------------------------------------------------------------------

SBST_ITEMS = ("leg_pain", "shoulder_or_neck_pain", "walked_short_distances", "dressed_slowly",
              "not_safe_to_be_active", "worrying_thoughts", "never_get_better", "not_enjoyed_things")
BOTHER = {"not at all": 0, "slightly": 1, "moderately": 2, "very much": 3, "extremely": 4}


@pytest.mark.parametrize(
    ("items", "bother", "total", "distress", "group"),
    [
        pytest.param((1, 0, 1, 0, 0, 0, 0, 0), "moderately", 2, 0, "low", id="4e-row1-low"),
        pytest.param((1, 1, 1, 0, 0, 0, 0, 0), "extremely", 4, 1, "medium", id="4e-row2-medium"),
        pytest.param((1, 1, 1, 1, 0, 0, 0, 0), "slightly", 4, 0, "medium", id="4e-row3-medium"),
        pytest.param((0, 0, 0, 0, 1, 1, 1, 1), "not at all", 4, 4, "high", id="4e-row4-high"),
        pytest.param((0, 0, 0, 0, 1, 1, 1, 0), "very much", 4, 4, "high", id="4e-row5-high"),
        pytest.param((1, 1, 1, 0, 1, 1, 1, 0), "moderately", 6, 3, "medium", id="4e-row6-medium"),
        pytest.param((0, 0, 0, 0, 1, 1, 1, 0), "moderately", 3, 3, "low", id="4e-row7-low"),
        pytest.param((1, 1, 1, 1, 1, 1, 1, 1), "extremely", 9, 5, "high", id="4e-row8-all-high"),
    ],
)
def test_start_back_vectors(items, bother, total, distress, group):
    result = score_start_back(dict(zip(SBST_ITEMS, items, strict=True)) | {"bothersomeness": BOTHER[bother]})
    assert (result.value, result.subscale("distress").value, result.band) == (total, distress, f"{group} risk")


# ---- §5e COMI --------------------------------------------------------------------------------------------------

COMI5 = {0: 1, 2.5: 2, 5: 3, 7.5: 4, 10: 5}  # domain points → answer code of a 5-point item


def comi(back, leg, function, wellbeing, qol, social, work):
    return {"back_pain": back, "leg_pain": leg, "function": COMI5[function], "symptom_wellbeing": COMI5[wellbeing],
            "quality_of_life": COMI5[qol], "social_disability": COMI5[social], "work_disability": COMI5[work]}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # Domains pain 7, function 2.5, well-being 7.5, QoL 10, disability 2.5 → 5.9 (awell-score test).
        pytest.param(comi(7, 3, 2.5, 7.5, 10, 2.5, 2.5), 5.9, id="5e-awell-domains-is-5.9"),
        pytest.param(comi(0, 0, 0, 0, 0, 0, 0), 0.0, id="5e-all-minimum-is-0"),
        pytest.param(comi(5, 5, 5, 5, 5, 5, 5), 5.0, id="5e-all-middle-is-5"),
        pytest.param(comi(10, 10, 10, 10, 10, 10, 10), 10.0, id="5e-all-maximum-is-10"),
    ],
)
def test_comi_vectors(answers, expected):
    assert score_comi_back(answers).value == pytest.approx(expected, abs=1e-12)


def test_comi_5e_derived_back_3_leg_8_is_pain_8_and_social_2_5_work_0_is_disability_1_25():
    result = score_comi_back(comi(3, 8, 0, 0, 0, 2.5, 0))
    assert result.subscale("pain").value == 8
    assert result.subscale("disability").value == 1.25


# ---- §6b PROMIS-29 lookup tables (deployer-supplied; read from the evidence file, never shipped) -------------


def _evidence_promis_tables() -> dict[str, list[float]]:
    names = {"Physical Function 4a": "physical_function", "Anxiety 4a": "anxiety", "Depression 4a": "depression",
             "Fatigue 4a": "fatigue", "Sleep Disturbance 4a": "sleep_disturbance", "Social Roles 4a": "social_roles",
             "Pain Interference 4a": "pain_interference"}
    tables = {}
    for line in EVIDENCE.read_text(encoding="utf-8").splitlines():
        label, _, numbers = line.strip().removeprefix("- ").partition(": ")
        if label in names and numbers[:1].isdigit():
            tables[names[label]] = [float(n) for n in numbers.split(", ")]
    return tables


@pytest.fixture(scope="module")
def promis_with_tables():
    inst = instrument("promis_29")
    items = {item.id: ({"text": f"item {item.id}", "options": ["a", "b", "c", "d", "e"]} if item.kind == "choice"
                       else {"text": "pain"}) for item in inst.items}
    texts = validate_item_texts({
        "format": "spinepath.item-texts/1", "instrument": "promis_29", "version": "2.1",
        "source": "test fixture (placeholder wording)", "items": items, "t_score_tables": _evidence_promis_tables(),
    })
    return with_item_texts(inst, texts)


@pytest.mark.parametrize(
    ("domain", "raw", "t_score"),
    [
        pytest.param("physical_function", 4, 22.5, id="6b-pf-raw-4-is-22.5"),
        pytest.param("physical_function", 20, 57.0, id="6b-pf-raw-20-is-57.0"),
        pytest.param("anxiety", 4, 40.3, id="6b-anxiety-raw-4-is-40.3"),
        pytest.param("depression", 20, 79.4, id="6b-depression-raw-20-is-79.4"),
        pytest.param("fatigue", 12, 57.0, id="6b-fatigue-raw-12-is-57.0"),
        pytest.param("sleep_disturbance", 4, 32.0, id="6b-sleep-raw-4-is-32.0"),
        pytest.param("social_roles", 20, 64.2, id="6b-social-raw-20-is-64.2"),
        pytest.param("pain_interference", 20, 75.6, id="6b-pain-interference-raw-20-is-75.6"),
    ],
)
def test_promis_t_scores_from_supplied_tables(promis_with_tables, domain, raw, t_score):
    codes = [5, 5, 5, 5] if raw == 20 else [1, 1, 1, 1] if raw == 4 else [3, 3, 3, 3]
    answers = {f"{domain}_{n}": code for n, code in enumerate(codes, 1)}
    part = score_promis_29(answers, instrument=promis_with_tables).subscale(domain)
    assert (part.value, part.t_score) == (raw, t_score)


def test_promis_without_tables_reports_raw_sums_only_with_a_note():
    result = score_promis_29({f"physical_function_{n}": 5 for n in range(1, 5)})
    part = result.subscale("physical_function")
    assert part.value == 20 and part.t_score is None
    assert any("not T-scores" in note for note in result.notes)


def test_the_evidence_tables_were_all_read():
    tables = _evidence_promis_tables()
    assert len(tables) == 7 and all(len(t) == 17 for t in tables.values())


# ---- §7d EQ-5D-5L (fragla/eq5d tests/testthat/test-eq5d5l.R, as the evidence tabulates them) -------------------

EQ5D_VALUE_SETS = {"England": "england_2018", "USA": "usa_2019", "Germany": "germany_2018",
                   "Netherlands": "netherlands_2016", "Spain": "spain_2018"}

EQ5D_VECTORS = [
    # §7d table: state → England (Devlin 2018) and USA (Pickard 2019); "—" cells are not vectors.
    *[pytest.param(state, "england_2018", value, id=f"7d-england-{state}-is-{value}") for state, value in [
        ("11111", 1), ("11112", 0.922), ("11121", 0.937), ("11211", 0.950), ("12111", 0.950), ("21111", 0.942),
        ("23245", 0.247), ("55555", -0.285)]],
    *[pytest.param(state, "usa_2019", value, id=f"7d-usa-{state}-is-{value}") for state, value in [
        ("11111", 1), ("11112", 0.943), ("11121", 0.940), ("11211", 0.932), ("12111", 0.911), ("21111", 0.904),
        ("21354", 0.090), ("55555", -0.573)]],
    # §7d "Also": Germany, Netherlands, Spain (same file).
    pytest.param("12345", "germany_2018", 0.141, id="7d-germany-12345-is-0.141"),
    pytest.param("55555", "germany_2018", -0.661, id="7d-germany-55555-is--0.661"),
    pytest.param("55555", "netherlands_2016", -0.446, id="7d-netherlands-55555-is--0.446"),
    pytest.param("55555", "spain_2018", -0.416, id="7d-spain-55555-is--0.416"),
]

# The same fragla/eq5d test file's other vectors for the sets shipped (beyond the evidence's table): each level-2
# decrement, and the Netherlands constant (paid once by every state but 11111).
EQ5D_MORE_VECTORS = [
    *[pytest.param(state, "germany_2018", value, id=f"fragla-germany-{state}-is-{value}") for state, value in [
        ("11111", 1), ("21111", 0.974), ("12111", 0.950), ("11211", 0.964), ("11121", 0.943), ("11112", 0.970)]],
    *[pytest.param(state, "netherlands_2016", value, id=f"fragla-netherlands-{state}-is-{value}")
      for state, value in [("11111", 1), ("21111", 0.918), ("55511", 0.390), ("44444", -0.289)]],
    *[pytest.param(state, "spain_2018", value, id=f"fragla-spain-{state}-is-{value}") for state, value in [
        ("11111", 1), ("21111", 0.916), ("12111", 0.95), ("11211", 0.956), ("11121", 0.922), ("11112", 0.919)]],
    # Every USA coefficient above level 2, against the published table of all 3,125 values (eq5dsuite US.csv).
    *[pytest.param(state, "usa_2019", value, id=f"eq5dsuite-usa-{state}-is-{value}") for state, value in [
        ("11113", 0.877), ("11114", 0.701), ("11115", 0.679), ("11131", 0.902), ("11141", 0.682), ("11151", 0.586),
        ("11311", 0.899), ("11411", 0.745), ("11511", 0.745), ("13111", 0.893), ("14111", 0.780), ("15111", 0.739),
        ("31111", 0.878), ("41211", 0.695), ("51111", 0.678)]],
]


@pytest.mark.parametrize(("state", "value_set", "expected"), EQ5D_VECTORS + EQ5D_MORE_VECTORS)
def test_eq5d_5l_index_vectors(state, value_set, expected):
    result = eq5d_5l_index(state, value_set)
    assert result.complete and result.value_set == value_set
    assert result.value == pytest.approx(expected, abs=1e-12)


def _evidence_eq5d_vectors() -> set[tuple[str, str, float]]:
    """(state, value set, index) for every number in §7d: the table's cells and the 'Also:' line."""
    section = EVIDENCE.read_text(encoding="utf-8").split("### 7d.")[1].split("\n---")[0]
    found = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].isdigit():
            for name, cell in zip(("England", "USA"), cells[1:], strict=True):
                if cell != "—":
                    found.add((cells[0], EQ5D_VALUE_SETS[name], float(cell.replace("−", "-"))))
        if line.startswith("Also:"):  # "Also: Germany 12345 → 0.141, 55555 → −0.661; Netherlands 55555 → ..."
            country = ""
            for match in re.finditer(r"([A-Z][a-z]+)|(\d{5}) → ([−-]?[\d.]+)", line.removeprefix("Also:")):
                if match[1]:
                    country = match[1]
                elif country in EQ5D_VALUE_SETS:
                    found.add((match[2], EQ5D_VALUE_SETS[country], float(match[3].replace("−", "-"))))
    return found


def test_every_eq5d_vector_of_the_evidence_is_in_the_table_above():
    tested = {(p.values[0], p.values[1], float(p.values[2])) for p in EQ5D_VECTORS}
    in_evidence = _evidence_eq5d_vectors()
    assert len(in_evidence) == 20
    assert in_evidence == tested


def test_eq5d_5l_a_missing_dimension_gives_no_index_and_says_which():
    result = eq5d_5l_index([2, 3, None, 4, 5], "england_2018")
    assert (result.value, result.complete, result.value_set) == (None, False, "england_2018")
    (reason,) = result.reasons
    assert (reason.code, reason.items) == ("eq5d_dimension_missing", ("usual_activities",))
    assert reason.text.startswith("Not answered: UA Usual activities.")
    assert score_eq5d_5l({"mobility": 1}, value_set="usa_2019").answered == 1


def test_eq5d_5l_without_a_value_set_is_a_health_state_with_no_index():
    levels = dict(zip([i.id for i in instrument("eq5d_5l").items], (2, 1, 3, 5, 4), strict=True))
    described = score("eq5d_5l", levels)
    assert described.complete and described.value is None and described.value_set is None
    assert "Health state 21354. No index" in described.notes[0]
    assert score("eq5d_5l", levels, value_set="usa_2019").value == pytest.approx(0.090)
    with pytest.raises(ValueError, match="only the EQ-5D-5L index takes one"):
        score("nrs_back_pain", {"pain": 3}, value_set="usa_2019")


@pytest.mark.parametrize("state", ["2135", "213546", "21364", "2a354"])
def test_eq5d_5l_a_malformed_health_state_is_refused(state):
    with pytest.raises(AnswerError):
        eq5d_5l_index(state, "england_2018")


def test_eq5d_5l_an_unknown_value_set_is_an_error_with_a_did_you_mean():
    with pytest.raises(KeyError, match="did you mean 'england_2018'"):
        eq5d_5l_index("11111", "england_2019")
    assert set(load_catalogue().value_sets) == set(EQ5D_VALUE_SETS.values())


# ---- §8 RMDQ ---------------------------------------------------------------------------------------------------


def rmdq(ticked: int) -> dict[str, int]:
    return {f"statement_{i}": int(i <= ticked) for i in range(1, 25)}


def test_rmdq_8_seven_ticked_is_seven():
    assert score_rmdq(rmdq(7)).value == 7


def test_rmdq_8_twelve_to_two_is_a_ten_point_83_percent_improvement_meeting_the_mic():
    result = change(score_rmdq(rmdq(12)), score_rmdq(rmdq(2)), instrument("rmdq"))
    assert result.improvement == 10
    assert math.floor(result.percent_improvement) == 83
    assert result.mcid_reached is True
