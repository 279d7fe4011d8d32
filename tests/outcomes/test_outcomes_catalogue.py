"""The packaged catalogue: what it ships (and never ships), how it is checked when loaded (value sets included), what
a deployment offers (and what is scored only), and the deployer's item-text files."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml

from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import (
    INSTRUMENT_IDS,
    ItemTextError,
    OutcomeDataError,
    instrument,
    load_catalogue,
    load_item_texts,
    offered_instruments,
    score,
)
from spinepath.core.outcomes.catalogue import SCORING_METHODS, validate
from spinepath.core.outcomes.scoring import SCORERS

DATA = resources.files("spinepath.core.outcomes").joinpath("data")
LICENSED = ("odi", "zcq", "comi_back", "promis_29", "rmdq", "eq5d_5l")
SHIPPED = ("nrs_back_pain", "nrs_leg_pain", "walking_tolerance", "global_perceived_effect", "satisfaction",
           "start_back")
SCORING_ONLY = ("vas_pain", "eq5d_5l")


def raw_data() -> dict:
    raw = {name: yaml.safe_load(DATA.joinpath(f"{name}.yaml").read_text("utf-8"))
           for name in ("sources", "value_sets", "safety", "schedule", "typical_course")}
    raw["instruments"] = {
        entry.name.removesuffix(".yaml"): yaml.safe_load(entry.read_text("utf-8"))
        for entry in DATA.joinpath("instruments").iterdir() if entry.name.endswith(".yaml")
    }
    return raw


def test_the_catalogue_loads_every_instrument_in_order():
    assert tuple(load_catalogue().instruments) == INSTRUMENT_IDS


def test_every_scoring_method_has_exactly_one_function():
    assert set(SCORERS) == SCORING_METHODS
    assert {inst.scoring.method for inst in load_catalogue().instruments.values()} <= SCORING_METHODS


# ---- never ship licensed item text ----------------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_no_licensed_item_text_is_shipped(instrument_id):
    """Scan the packaged file itself (not only the parsed model): no wording fields for licensed instruments."""
    raw = yaml.safe_load(DATA.joinpath("instruments", f"{instrument_id}.yaml").read_text("utf-8"))
    assert raw["licence"]["item_text_shipped"] is False
    assert "instructions" not in raw and "t_score_tables" not in raw and "item_text_supplied_by" not in raw
    for item in raw["items"]:
        assert "text" not in item, f"{instrument_id}/{item['id']} ships item text"
        assert "anchors" not in item, f"{instrument_id}/{item['id']} ships anchor wording"
        for option in item.get("options", []):
            assert "label" not in option, f"{instrument_id}/{item['id']} ships answer wording"
    parsed = instrument(instrument_id)
    assert not any(item.has_text for item in parsed.items)
    assert not parsed.has_item_text


def test_no_item_text_file_is_packaged_anywhere_in_the_data():
    names = [p.name for p in Path(str(DATA)).rglob("*") if p.is_file()]
    assert all(name.endswith(".yaml") for name in names)
    assert not any(name.startswith(LICENSED) and "text" in name for name in names)


@pytest.mark.parametrize("instrument_id", (*SHIPPED, "vas_pain"))
def test_instruments_whose_wording_may_be_shipped_carry_all_of_it(instrument_id):
    inst = instrument(instrument_id)
    assert inst.licence.item_text_shipped and inst.has_item_text
    for item in inst.items:
        assert all(option.label for option in item.options)


def test_start_back_keeps_keeles_copyright_and_funding_statement_unmodified():
    statement = instrument("start_back").licence.statement
    assert statement is not None
    assert statement.startswith("The copyright (©2007) of the STarT Back Screening Tool and associated materials "
                                "is owned by Keele University")
    assert "part funded by Arthritis Research UK" in statement
    assert statement.endswith("please contact Keele University for further advice.")
    assert len(instrument("start_back").items) == 9


def test_a_definition_with_licensed_wording_is_refused_at_load():
    raw = raw_data()
    raw["instruments"]["odi"]["items"][0]["text"] = "some licensed wording"
    with pytest.raises(OutcomeDataError, match="does not allow shipping item text"):
        validate(raw, knowledge_sources=load_knowledge().sources)


# ---- checked when loaded ----------------------------------------------------------------------------------------


def test_every_cited_source_exists_and_unknown_ones_fail_with_a_did_you_mean():
    raw = raw_data()
    raw["instruments"]["odi"]["criteria"][0]["evidence"]["sources"] = ["ostelo-2009"]
    with pytest.raises(OutcomeDataError, match=r"unknown source id 'ostelo-2009' \(did you mean 'ostelo-2008'\?\)"):
        validate(raw, knowledge_sources=load_knowledge().sources)


def test_a_misspelt_field_and_a_missing_file_are_both_reported():
    raw = raw_data()
    raw["instruments"]["zcq"]["scoring"]["minimun"] = 1
    del raw["instruments"]["rmdq"]
    with pytest.raises(OutcomeDataError) as caught:
        validate(raw, knowledge_sources=load_knowledge().sources)
    assert "instruments/rmdq.yaml: missing" in str(caught.value)
    assert "minimun" in str(caught.value)


def test_a_value_set_is_checked_when_loaded_too():
    raw = raw_data()
    england, usa, germany = raw["value_sets"][:3]
    england["decrements"]["mobility"] = [0.058, 0.207, 0.076, 0.274]  # level 4 before level 3: a typing slip
    del usa["decrements"]["anxiety_depression"]
    germany["instrument"] = "odi"
    with pytest.raises(OutcomeDataError) as caught:
        validate(raw, knowledge_sources=load_knowledge().sources)
    message = str(caught.value)
    assert "value set 'england_2018', mobility: a worse level cannot cost less than a milder one" in message
    assert "'usa_2019' (/decrements): expected the dimensions ['mobility', 'self_care', 'usual_activities', " \
           "'pain_discomfort', 'anxiety_depression']" in message
    assert "'germany_2018' (/instrument): ODI is not scored with a value set" in message


def test_a_value_set_citing_an_unknown_source_fails_with_a_did_you_mean():
    raw = raw_data()
    raw["value_sets"][0]["evidence"]["sources"] = ["devlin-2019"]
    with pytest.raises(OutcomeDataError, match=r"value_sets.yaml, england_2018 \(/evidence/sources/0\): unknown "
                                               r"source id 'devlin-2019' \(did you mean 'devlin-2018'\?\)"):
        validate(raw, knowledge_sources=load_knowledge().sources)


def test_an_instrument_scored_with_a_value_set_needs_one():
    raw = raw_data()
    raw["value_sets"] = []
    with pytest.raises(OutcomeDataError, match=r"scored with a value set, but value_sets\.yaml has none"):
        validate(raw, knowledge_sources=load_knowledge().sources)


def test_every_value_set_names_its_paper_and_where_its_numbers_were_copied_from():
    for value_set in load_catalogue().value_sets.values():
        kinds = {load_catalogue().sources[s].kind for s in value_set.evidence.sources}
        assert {"study", "code"} <= kinds, value_set.id
        assert "commit" in value_set.copied_from and value_set.evidence.strength == "T"


def test_a_source_id_may_not_clash_with_the_knowledge_base():
    raw = raw_data()
    raw["sources"].append(copy.deepcopy(raw["sources"][0]) | {"id": "nice-ng59"})
    with pytest.raises(OutcomeDataError, match="the knowledge base already has this id"):
        validate(raw, knowledge_sources=load_knowledge().sources)


def test_unsettled_facts_say_so():
    """Every non-'sourced' fact carries a caveat; UNVERIFIED facts of the evidence are marked unverified."""
    odi = instrument("odi")
    assert odi.missing.evidence.status == "policy" and odi.missing.evidence.caveat
    assert instrument("zcq").subscale("symptom_severity").missing.status == "unverified"
    assert instrument("comi_back").scoring.evidence.status == "unverified"
    copay = odi.criterion("copay_mcid")
    assert copay.evidence.weak and copay.evidence.flag


# ---- what a deployment offers ---------------------------------------------------------------------------------


def test_without_item_texts_only_shippable_instruments_are_offered_and_the_rest_say_why():
    offering = offered_instruments()
    assert offering.offered_ids == SHIPPED
    withheld = {w.instrument: w.reason for w in offering.withheld}
    assert set(withheld) == set(LICENSED) - set(SCORING_ONLY)
    assert "licensed" in withheld["odi"] and "odi.yaml" in withheld["odi"]
    assert "unknown" in withheld["zcq"]


def test_instruments_scored_only_are_never_offered_and_say_why():
    offering = offered_instruments()
    scoring_only = {w.instrument: w.reason for w in offering.scoring_only}
    assert tuple(scoring_only) == SCORING_ONLY
    assert not set(SCORING_ONLY) & set(offering.offered_ids)
    assert "100 mm line" in scoring_only["vas_pain"]
    assert "licence from the EuroQol Research Foundation" in scoring_only["eq5d_5l"]
    assert all(reason.startswith("Scored only, never offered to patients: ") for reason in scoring_only.values())


def test_a_scoring_only_instrument_takes_no_deployer_wording(tmp_path):
    inst = instrument("eq5d_5l")
    doc = {"format": "spinepath.item-texts/1", "instrument": "eq5d_5l", "version": inst.version, "source": "x",
           "items": {i.id: {"text": "x", "options": list("abcde")} for i in inst.items}}
    (tmp_path / "eq5d_5l.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ItemTextError, match=r"EQ-5D-5L index \(scoring only\) is scored only, never put on a form"):
        load_item_texts(tmp_path)


# ---- deployer item-text files ---------------------------------------------------------------------------------


def odi_texts(**overrides) -> dict:
    doc = {
        "format": "spinepath.item-texts/1",
        "instrument": "odi",
        "version": "2.1a",
        "source": "test fixture: placeholder wording, not the ODI",
        "items": {item.id: {"text": f"Section {item.number}", "options": [f"statement {k}" for k in range(6)]}
                  for item in instrument("odi").items},
    }
    return doc | overrides


def test_supplied_wording_is_loaded_and_offered(tmp_path):
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump(odi_texts()), encoding="utf-8")
    (tmp_path / "README.txt").write_text("ignored", encoding="utf-8")
    texts = load_item_texts(tmp_path)
    offering = offered_instruments(texts)
    assert "odi" in offering.offered_ids
    odi = next(i for i in offering.offered if i.id == "odi")
    assert odi.has_item_text and odi.items[0].options[5].label == "statement 5"
    assert odi.item_text_supplied_by == "test fixture: placeholder wording, not the ODI"
    assert score(odi, {"pain_intensity": 5}).answered == 1  # scoring is unchanged by the wording


def test_json_files_are_accepted(tmp_path):
    (tmp_path / "odi.json").write_text(json.dumps(odi_texts()), encoding="utf-8")
    assert set(load_item_texts(tmp_path)) == {"odi"}


def test_no_directory_means_no_supplied_wording_and_a_missing_one_is_an_error(tmp_path):
    assert load_item_texts(None) == {}
    with pytest.raises(ItemTextError, match="no such directory"):
        load_item_texts(tmp_path / "absent")


def test_every_problem_in_an_item_text_file_is_named(tmp_path):
    doc = odi_texts(version="2.0")
    del doc["items"]["walking"]
    doc["items"]["lifting"]["options"] = doc["items"]["lifting"]["options"][:5]
    doc["items"]["sleepin"] = {"text": "typo"}
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ItemTextError) as caught:
        load_item_texts(tmp_path)
    found = {p.pointer: p.message for p in caught.value.problems}
    assert "version '2.1a'" in found["odi.yaml#/version"]
    assert found["odi.yaml#/items/walking"].startswith("missing")
    assert "expected 6 labels" in found["odi.yaml#/items/lifting/options"]
    assert "did you mean 'sleeping'" in found["odi.yaml#/items/sleepin"]


def test_wording_that_spinepath_ships_cannot_be_replaced(tmp_path):
    doc = {"format": "spinepath.item-texts/1", "instrument": "start_back", "version": "9-item", "source": "x",
           "items": {}}
    (tmp_path / "start_back.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ItemTextError, match="must not be replaced"):
        load_item_texts(tmp_path)


def test_the_file_name_must_match_the_instrument(tmp_path):
    (tmp_path / "oswestry.yaml").write_text(yaml.safe_dump(odi_texts()), encoding="utf-8")
    with pytest.raises(ItemTextError, match=r"must be named odi\.yaml"):
        load_item_texts(tmp_path)


def test_t_score_tables_must_have_one_rising_value_per_raw_sum(tmp_path):
    inst = instrument("promis_29")
    items = {i.id: {"text": "x", "options": list("abcde")} if i.kind == "choice" else {"text": "x"}
             for i in inst.items}
    doc = {"format": "spinepath.item-texts/1", "instrument": "promis_29", "version": "2.1", "source": "x",
           "items": items, "t_score_tables": {"anxiety": [40.0] * 17, "fatigue": [1.0] * 3}}
    (tmp_path / "promis_29.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(ItemTextError) as caught:
        load_item_texts(tmp_path)
    found = {p.pointer: p.message for p in caught.value.problems}
    assert "must rise" in found["promis_29.yaml#/t_score_tables/anxiety"]
    assert "expected 17 numbers" in found["promis_29.yaml#/t_score_tables/fatigue"]
