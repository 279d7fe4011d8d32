"""FHIR R4 Questionnaire / QuestionnaireResponse: export, import and the round trip, for every instrument."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st

from spinepath.core.outcomes import INSTRUMENT_IDS, instrument, offered_instruments, score
from spinepath.core.outcomes.texts import validate_item_texts
from spinepath.fhir import ResponseImportError, answers_from_response, questionnaire, questionnaire_response

LICENSED = ("odi", "zcq", "comi_back", "promis_29", "rmdq")


def placeholder_texts(instrument_id: str) -> dict:
    """A deployer's item-text file with placeholder wording (no real licensed text in the repository)."""
    inst = instrument(instrument_id)
    return {
        "format": "spinepath.item-texts/1", "instrument": inst.id, "version": inst.version,
        "source": "test placeholder",
        "items": {i.id: {"text": f"placeholder {i.number}"} | (
            {"options": [f"option {o.code}" for o in i.options]} if i.kind == "choice" else {})
            for i in inst.items},
    }


SCORING_ONLY = ("vas_pain", "eq5d_5l")  # scored, never offered on a form (their FHIR export is checked below)
SUPPLIED = {i: validate_item_texts(placeholder_texts(i)) for i in LICENSED}
ALL = offered_instruments(SUPPLIED).offered


def test_with_every_wording_supplied_every_instrument_is_offered_but_those_scored_only():
    assert {i.id for i in ALL} == set(INSTRUMENT_IDS) - set(SCORING_ONLY)


def as_json(resource) -> dict:
    return json.loads(resource.model_dump_json(exclude_none=True))


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.id)
def test_every_instrument_exports_a_valid_questionnaire_with_one_item_per_question(inst):
    data = as_json(questionnaire(inst))
    Questionnaire.model_validate(data)  # re-reads as FHIR
    questions = [i for i in data["item"] if i["type"] not in ("display",) and not i.get("readOnly")]
    assert [q["linkId"] for q in questions] == [item.id for item in inst.items]
    assert all("text" in q for q in questions)


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_licensed_instruments_are_exported_without_any_wording(instrument_id):
    data = as_json(questionnaire(instrument(instrument_id)))
    for entry in data["item"]:
        if entry.get("readOnly"):
            continue  # computed score items carry spinepath's own label
        assert "text" not in entry, entry["linkId"]
        for option in entry.get("answerOption", []):
            assert "display" not in option["valueCoding"]
        assert "item" not in entry  # no anchor wording either


def test_loinc_codes_only_where_the_data_gives_them():
    odi = as_json(questionnaire(instrument("odi")))
    assert odi["code"] == [{"system": "http://loinc.org", "code": "97908-8"}]
    score_item = next(i for i in odi["item"] if i["linkId"] == "score")
    assert score_item["code"] == [{"system": "http://loinc.org", "code": "97909-6"}]
    for nrs in ("nrs_back_pain", "nrs_leg_pain"):
        (pain,) = [i for i in as_json(questionnaire(instrument(nrs)))["item"] if i["linkId"] == "pain"]
        assert pain["code"] == [{"system": "http://loinc.org", "code": "72514-3"}]
    codes = [c["code"] for i in INSTRUMENT_IDS for entry in as_json(questionnaire(instrument(i)))["item"]
             for c in entry.get("code", [])]
    assert set(codes) <= {"72514-3", "97909-6"}


def test_start_back_carries_keeles_statement_as_copyright_and_as_a_display_item():
    data = as_json(questionnaire(instrument("start_back")))
    statement = instrument("start_back").licence.statement.strip()
    assert data["copyright"] == statement
    assert data["item"][-1] == {"linkId": "copyright", "type": "display", "text": statement}


@st.composite
def responses(draw):
    inst = draw(st.sampled_from(ALL))
    answers = {}
    for item in inst.items:
        if draw(st.booleans()):
            codes = draw(st.lists(st.sampled_from(item.codes_allowed), min_size=1,
                                  max_size=2 if item.multiple_marks == "highest" else 1, unique=True))
            answers[item.id] = codes if len(codes) > 1 else codes[0]
    return inst, answers


@given(responses())
def test_round_trip_keeps_every_answer(case):
    inst, answers = case
    exported = questionnaire_response(inst, answers, result=score(inst, answers), subject="Patient/p1")
    text = exported.model_dump_json(exclude_none=True)
    assert answers_from_response(text, inst) == answers
    assert score(inst, answers_from_response(json.loads(text), inst)) == score(inst, answers)


def test_the_computed_score_travels_as_a_read_only_item():
    inst = instrument("nrs_leg_pain")
    exported = as_json(questionnaire_response(inst, {"pain": 6}, result=score(inst, {"pain": 6})))
    assert exported["item"][-1] == {"linkId": "score", "answer": [{"valueDecimal": 6.0}]}
    assert exported["questionnaire"] == "urn:spinepath:questionnaire:nrs_leg_pain|1"
    QuestionnaireResponse.model_validate(exported)


def response(instrument_id: str, *items: dict, questionnaire_ref: str | None = None) -> dict:
    inst = instrument(instrument_id)
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": questionnaire_ref or f"urn:spinepath:questionnaire:{inst.id}|{inst.version}",
            "item": list(items)}


def coding(instrument_id: str, code: str) -> dict:
    return {"valueCoding": {"system": f"urn:spinepath:answers:{instrument_id}", "code": code}}


def test_import_errors_name_every_offending_item():
    bad = response(
        "zcq",
        {"linkId": "average_pain", "answer": [coding("zcq", "3")]},
        {"linkId": "balance_problems", "answer": [coding("zcq", "2")]},
        {"linkId": "numbnes", "answer": [coding("zcq", "1")]},
        {"linkId": "back_pain", "answer": [{"valueInteger": 3}]},
        {"linkId": "leg_pain", "answer": [coding("zcq", "1"), coding("zcq", "2")]},
    )
    with pytest.raises(ResponseImportError) as caught:
        answers_from_response(bad, instrument("zcq"))
    found = {p.pointer: p.message for p in caught.value.problems}
    assert "item 'balance_problems': code '2' is not an answer (allowed: 1, 3, 5)" in found["/item/1/answer/0"]
    assert "unknown item 'numbnes'" in found["/item/2/linkId"] and "did you mean 'numbness'" in found["/item/2/linkId"]
    assert "item 'back_pain': expected valueCoding" in found["/item/3/answer/0"]
    assert "item 'leg_pain' takes one answer" in found["/item/4/answer"]


def test_a_response_to_another_questionnaire_or_version_is_refused():
    with pytest.raises(ResponseImportError, match="expected a response to 'urn:spinepath:questionnaire:odi'"):
        answers_from_response(response("nrs_back_pain"), instrument("odi"))
    with pytest.raises(ResponseImportError, match=r"version '2\.1a', not '2\.0'"):
        answers_from_response(response("odi", questionnaire_ref="urn:spinepath:questionnaire:odi|2.0"),
                              instrument("odi"))


def test_integer_answers_outside_the_scale_and_malformed_fhir_are_refused():
    with pytest.raises(ResponseImportError, match="item 'pain': 11 is outside 0-10"):
        answers_from_response(response("nrs_back_pain", {"linkId": "pain", "answer": [{"valueInteger": 11}]}),
                              instrument("nrs_back_pain"))
    with pytest.raises(ResponseImportError) as caught:
        answers_from_response(response("nrs_back_pain", {"linkId": "pain", "answer": [{"valueInteger": "x"}]}),
                              instrument("nrs_back_pain"))
    assert caught.value.problems[0].pointer == "/item/0/answer/0/valueInteger"
    with pytest.raises(ResponseImportError, match="expected 'QuestionnaireResponse'"):
        answers_from_response({"resourceType": "Patient"}, instrument("nrs_back_pain"))


def test_score_items_and_display_items_are_ignored_on_import():
    doc = response("nrs_back_pain", {"linkId": "pain", "answer": [{"valueInteger": 4}]},
                   {"linkId": "score", "answer": [{"valueDecimal": 9.0}]})
    assert answers_from_response(doc, instrument("nrs_back_pain")) == {"pain": 4}


def test_a_vas_mark_measured_on_paper_arrives_as_a_response_and_is_scored_in_millimetres():
    inst = instrument("vas_pain")
    Questionnaire.model_validate(as_json(questionnaire(inst)))
    answers = answers_from_response(response("vas_pain", {"linkId": "pain", "answer": [{"valueInteger": 63}]}), inst)
    assert answers == {"pain": 63}
    assert score(inst, answers).value == 63


def test_an_eq5d_5l_health_state_arrives_as_a_response_without_any_wording_and_is_valued():
    inst = instrument("eq5d_5l")
    exported = as_json(questionnaire(inst))
    Questionnaire.model_validate(exported)
    assert not any("text" in entry for entry in exported["item"] if not entry.get("readOnly"))
    levels = dict(zip([i.id for i in inst.items], "23245", strict=True))
    doc = response("eq5d_5l", *({"linkId": item, "answer": [coding("eq5d_5l", level)]}
                                for item, level in levels.items()))
    answers = answers_from_response(doc, inst)
    result = score(inst, answers, value_set="england_2018")
    assert (result.value, result.value_set) == (0.247, "england_2018")
