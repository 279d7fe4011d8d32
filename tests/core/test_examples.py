"""The eight worked examples in ../shared/examples (spec version 1.2).

The examples README: "in the normative fields listed below, it is exactly what `spinepath assess --json
intake/NAME.json` must print" — schema, urgency, next_step, and for procedures all seven entries with the same
ids in the same order, the same status and the same levels. The other fields are illustrative, but "the spec's
own requirements on these fields still apply".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from spinepath.core.engine import assess
from spinepath.core.intake import parse_intake

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples"
NAMES = sorted(p.stem for p in (EXAMPLES / "intake").glob("*.json"))
PROCEDURE_ORDER = [
    "conservative_care",
    "mild",
    "microdiscectomy",
    "endoscopic_discectomy",
    "mis_decompression",
    "mis_tlif",
    "open_surgery",
]
# Spec §4 source ids.
SOURCE_IDS = {
    "nass-ldh-2014",
    "nass-lss-2011",
    "nice-ng59",
    "acr-lbp-2021",
    "acp-aps-2007",
    "girft-ces-2023",
    "ahcpr-1994",
    "cms-ncd-150-13",
    "midas-encore",
    "nct00995371",
    "aspn-mist-2022",
    "sport-ldh",
    "peul-2007",
    "sport-lss",
    "nordsten-sst",
    "nordsten-ds",
    "sss-2021",
    "nass-fusion-2014",
    "cns-periop-2021",
    "cns-osteoporosis",
}
CES_POINTERS = [
    "/red_flags/saddle_anaesthesia",
    "/red_flags/bladder_dysfunction",
    "/red_flags/bowel_dysfunction",
]


def _load(kind: str, name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / kind / f"{name}.json").read_text(encoding="utf-8"))


def _actual(name: str) -> dict[str, Any]:
    return assess(parse_intake((EXAMPLES / "intake" / f"{name}.json").read_text(encoding="utf-8"))).to_dict()


def test_all_eight_examples_are_here() -> None:
    assert len(NAMES) == 8
    assert sorted(p.stem for p in (EXAMPLES / "assessment").glob("*.json")) == NAMES


def _normative(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": doc["schema"],
        "urgency": doc["urgency"],
        "next_step": doc["next_step"],
        "procedures": [(p["procedure"], p["status"], p["levels"]) for p in doc["procedures"]],
    }


@pytest.mark.parametrize("name", NAMES)
def test_normative_fields_equal_the_example(name: str) -> None:
    assert _normative(_actual(name)) == _normative(_load("assessment", name))


@pytest.mark.parametrize("name", NAMES)
def test_spec_requirements_on_the_illustrative_fields(name: str) -> None:
    result = _actual(name)
    assert result["schema"] == "spinepath.assessment/1"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", result["ruleset_version"])
    assert [p["procedure"] for p in result["procedures"]] == PROCEDURE_ORDER
    for entry in result["procedures"]:
        assert entry["reasons"], f"{entry['procedure']}: every status has at least one reason"
        for reason in entry["reasons"]:
            assert reason["rule"] and reason["text"]
            assert reason["source"] in SOURCE_IDS, f"{reason['source']!r} is not a §4 source id"
        for path in entry["missing"]:
            assert path.startswith("/")
            assert path in result["missing_information"], "missing_information is the union of every missing"
    for flag in result["red_flags"]:
        assert flag["id"] and flag["title"] and flag["explanation"]
        assert flag["source"] in SOURCE_IDS
    for factor in result["risk_factors"]:
        assert factor["id"] and factor["text"] and factor["source"] in SOURCE_IDS
    assert len(result["missing_information"]) == len(set(result["missing_information"])), "deduplicated"
    assert result["disclaimer"].strip()
    assert result["advice"].strip()
    if result["urgency"] == "emergency":
        assert "safety_net" not in result
        assert "emergency" in result["advice"].lower()
    else:
        assert "emergency department" in result["safety_net"].lower()


@pytest.mark.parametrize("name", NAMES)
def test_unknown_ces_fields_would_be_listed(name: str) -> None:
    """The README: "The unknown CES fields are always listed in missing_information" — every example knows all
    three, so remove them and check."""
    intake = _load("intake", name)
    for pointer in CES_POINTERS:
        intake["red_flags"].pop(pointer.rsplit("/", 1)[1], None)
    result = assess(parse_intake(intake)).to_dict()
    for pointer in CES_POINTERS:
        assert pointer in result["missing_information"]


@pytest.mark.parametrize("name", NAMES)
def test_json_text_and_dict_give_the_same_assessment(name: str) -> None:
    text = (EXAMPLES / "intake" / f"{name}.json").read_text(encoding="utf-8")
    assert assess(parse_intake(text)).to_dict() == assess(parse_intake(json.loads(text))).to_dict()


def test_example_07_lists_smoking_as_a_risk_factor() -> None:
    """Example 07: "MIS-TLIF only possible because she smokes" — smoking is a risk factor (spec §3.3)."""
    assert len(_actual("07-routine-mis-tlif-smoker")["risk_factors"]) >= 1


def test_example_08_names_the_missing_thickness() -> None:
    """Example 08: "ligamentum flavum hypertrophy reported without a thickness: mild insufficient_information"
    — the thickness is what would change the status."""
    mild = next(p for p in _actual("08-routine-insufficient-lf-unmeasured")["procedures"] if p["procedure"] == "mild")
    assert "/imaging/0/findings/0/ligamentum_flavum_mm" in mild["missing"]
