"""The knowledge base ("Educate"): what a patient reads about procedures and conditions, and the checks that
stop a broken data file from reaching them."""

from __future__ import annotations

import copy
import functools
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.core.errors import KnowledgeError
from spinepath.core.knowledge import Condition, Fact, KnowledgeBase, Procedure, Risk, load_knowledge, validate

EVIDENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "clinical-evidence.md"

SPEC_SOURCE_IDS = [
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
]
CONDITION_IDS = [
    "lumbar_disc_herniation",
    "lumbar_spinal_stenosis",
    "degenerative_spondylolisthesis",
    "degenerative_disc_disease",
    "nonspecific_low_back_pain",
    "cauda_equina_syndrome",
]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@functools.cache
def _shipped_raw_cached() -> dict[str, Any]:
    data = resources.files("spinepath.core.knowledge").joinpath("data")
    return {
        name: yaml.safe_load(data.joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
        for name in ("sources", "procedures", "conditions")
    }


def shipped_raw() -> dict[str, Any]:
    """A private copy of the shipped data files' contents, for breaking on purpose."""
    return copy.deepcopy(_shipped_raw_cached())


def _entry(raw: dict[str, Any], section: str, entry_id: str) -> dict[str, Any]:
    return next(e for e in raw[section] if e["id"] == entry_id)


def _evidence(item: Any) -> Iterator[Fact | Risk]:
    """Every fact and risk inside a procedure or condition, variants included."""
    if isinstance(item, Fact | Risk):
        yield item
        return
    if isinstance(item, list):
        for element in item:
            yield from _evidence(element)
        return
    if isinstance(item, BaseModel):
        for name in type(item).model_fields:
            yield from _evidence(getattr(item, name))


def _all_risks(procedure: Procedure) -> list[Risk]:
    return [*procedure.risks, *(risk for variant in procedure.variants for risk in variant.risks)]


# --- the shipped knowledge -------------------------------------------------------------------------------------


def test_shipped_knowledge_loads_with_all_seven_procedures_in_assessment_order(kb: KnowledgeBase) -> None:
    assert tuple(kb.procedures) == PROCEDURE_IDS


def test_shipped_knowledge_has_the_six_conditions(kb: KnowledgeBase) -> None:
    assert list(kb.conditions) == CONDITION_IDS


def test_loading_twice_reads_the_files_once() -> None:
    assert load_knowledge() is load_knowledge()


@pytest.mark.parametrize("source_id", SPEC_SOURCE_IDS)
def test_every_spec_source_is_present_with_a_url(kb: KnowledgeBase, source_id: str) -> None:
    source = kb.source(source_id)
    assert source.url.startswith(("http://", "https://"))
    assert source.citation


@pytest.mark.parametrize("procedure_id", PROCEDURE_IDS)
def test_every_risk_cites_a_source_and_gives_a_rate(kb: KnowledgeBase, procedure_id: str) -> None:
    for risk in _all_risks(kb.procedure(procedure_id)):
        assert risk.sources, risk.name
        assert re.search(r"\d", risk.rate), f"{risk.name}: rate has no figure: {risk.rate!r}"


@pytest.mark.parametrize("item_id", [*PROCEDURE_IDS, *CONDITION_IDS])
def test_weak_facts_carry_a_visible_flag(kb: KnowledgeBase, item_id: str) -> None:
    item: Procedure | Condition = kb.procedures.get(item_id) or kb.condition(item_id)
    for fact in _evidence(item):
        if fact.strength in ("P", "S"):
            assert fact.weak
        if fact.weak:
            assert fact.flag
        else:
            assert fact.flag is None


def test_practice_page_facts_say_they_are_not_from_trials(kb: KnowledgeBase) -> None:
    anaesthesia = kb.procedure("mild").anaesthesia
    assert anaesthesia is not None and anaesthesia.strength == "P"
    assert anaesthesia.flag == "From practice or patient-information pages, not from trials."


@pytest.mark.parametrize(
    ("procedure_id", "where"),
    [
        pytest.param("mis_tlif", "anaesthesia", id="mis-tlif-anaesthesia-was-assumed-not-sourced"),
        pytest.param("microdiscectomy", "tubular", id="tubular-anaesthesia-was-assumed-not-sourced"),
    ],
)
def test_assumed_anaesthesia_is_not_stated_as_fact(kb: KnowledgeBase, procedure_id: str, where: str) -> None:
    procedure = kb.procedure(procedure_id)
    if where == "anaesthesia":
        assert procedure.anaesthesia is None
        not_known = procedure.not_known
    else:
        tubular = next(v for v in procedure.variants if v.name.lower().startswith("tubular"))
        assert not any("anaesthe" in fact.text.lower() for fact in tubular.facts)
        not_known = tubular.not_known
    assert any("anaesthesia" in line.lower() and "not sourced" in line for line in not_known)


def _risk_rates(p: Procedure) -> str:
    return " | ".join(risk.rate for risk in _all_risks(p))


def _fact_text(field: str) -> Callable[[Procedure], str]:
    def read(p: Procedure) -> str:
        fact = getattr(p, field)
        assert fact is not None, f"{p.id}.{field} is empty"
        return str(fact.text)

    return read


@pytest.mark.parametrize(
    ("procedure_id", "read", "figure"),
    [
        pytest.param("microdiscectomy", _risk_rates, "Reherniation 5–15%", id="microdiscectomy-reherniation"),
        pytest.param("microdiscectomy", _risk_rates, "12.5% (any complication, open", id="open-complications"),
        pytest.param("microdiscectomy", _risk_rates, "15% vs 10% within 2 years", id="tubular-repeat-surgery"),
        pytest.param(
            "endoscopic_discectomy",
            _fact_text("return_to_work"),
            "Return to work 22.68 days sooner than microdiscectomy",
            id="endoscopic-return-to-work",
        ),
        pytest.param("mis_tlif", _fact_text("setting_and_stay"), "Length of stay 2.9±1.8 days", id="mis-tlif-stay"),
        pytest.param(
            "mis_decompression", _fact_text("setting_and_stay"), "Length of stay 0.7±1.2 days", id="mis-decomp-stay"
        ),
        pytest.param("mild", _risk_rates, "1.3% at 2 years", id="mild-adverse-events"),
        pytest.param("mild", _fact_text("typical_duration"), "About an hour", id="mild-duration-practice-page"),
    ],
)
def test_figures_match_the_evidence(
    kb: KnowledgeBase, procedure_id: str, read: Callable[[Procedure], str], figure: str
) -> None:
    assert figure in read(kb.procedure(procedure_id))


def test_conservative_care_reports_the_peul_trial(kb: KnowledgeBase) -> None:
    texts = [fact.text for fact in kb.procedure("conservative_care").benefits]
    assert any("60%" in text and "without surgery" in text for text in texts)


def test_mild_states_medicare_coverage_and_flags_the_unverified_ncd(kb: KnowledgeBase) -> None:
    mild = kb.procedure("mild")
    coverage = next(fact for fact in mild.who_it_suits if "Medicare" in fact.text)
    assert "MiDAS ENCORE" in coverage.text and "65" in coverage.text
    assert "cms-ncd-150-13" in coverage.sources
    assert any("NCD 150.13" in line and "2020" in line and "unverified" in line for line in mild.not_known)


def test_every_figure_shown_to_patients_appears_in_the_evidence(kb: KnowledgeBase) -> None:
    """Guards against invented numbers: each figure in a fact or risk must occur in clinical-evidence.md."""
    if not EVIDENCE.exists():
        pytest.skip("../shared/spec/clinical-evidence.md is not beside the project")
    evidence = EVIDENCE.read_text(encoding="utf-8")
    evidence_figures = set(re.findall(r"\d+(?:[.,]\d+)*", evidence))
    unsourced: list[tuple[str, str]] = []
    items: list[Procedure | Condition] = [*kb.procedures.values(), *kb.conditions.values()]
    for item in items:
        for fact in _evidence(item):
            text = fact.text if isinstance(fact, Fact) else f"{fact.name} {fact.rate}"
            unsourced += [(item.id, n) for n in re.findall(r"\d+(?:[.,]\d+)*", text) if n not in evidence_figures]
    assert unsourced == []


def test_text_is_plain_single_line_strings_ready_for_translation(kb: KnowledgeBase) -> None:
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            for element in value:
                yield from strings(element)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                yield from strings(getattr(value, name))

    for item in [*kb.procedures.values(), *kb.conditions.values()]:
        for text in strings(item):
            # No HTML, Markdown emphasis, code or links: gettext catalogues hold plain sentences.
            assert "\n" not in text and not re.search(r"<[a-z/]|\*\*|`|\]\(", text), text


@pytest.mark.parametrize(
    ("lookup", "bad_id", "suggestion"),
    [
        pytest.param("procedure", "microdiscectomyy", "microdiscectomy", id="misspelt-procedure"),
        pytest.param("condition", "cauda_equina", "cauda_equina_syndrome", id="short-condition"),
        pytest.param("source", "nass-ldh", "nass-ldh-2014", id="source-without-year"),
    ],
)
def test_unknown_id_lookup_suggests_the_closest(kb: KnowledgeBase, lookup: str, bad_id: str, suggestion: str) -> None:
    with pytest.raises(KnowledgeError, match=f"unknown {lookup} id '{bad_id}' \\(did you mean '{suggestion}'\\?\\)"):
        getattr(kb, lookup)(bad_id)


def test_core_knowledge_imports_no_django_or_typer() -> None:
    code = (
        "import sys, spinepath.core.knowledge as k; k.load_knowledge(); "
        "bad = [m for m in ('django', 'typer', 'rich') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- broken data is refused at load time ------------------------------------------------------------------------


def _cite_unknown_source(raw: dict[str, Any]) -> None:
    _entry(raw, "procedures", "mild")["risks"][1]["sources"] = ["midas-encore-2y"]


def _drop_procedure(raw: dict[str, Any]) -> None:
    raw["procedures"] = [p for p in raw["procedures"] if p["id"] != "mis_tlif"]


def _swap_procedures(raw: dict[str, Any]) -> None:
    raw["procedures"][1], raw["procedures"][2] = raw["procedures"][2], raw["procedures"][1]


def _misspell_field(raw: dict[str, Any]) -> None:
    mild = _entry(raw, "procedures", "mild")
    mild["anaesthsia"] = mild.pop("anaesthesia")


def _misspell_nested_field(raw: dict[str, Any]) -> None:
    risk = _entry(raw, "procedures", "microdiscectomy")["risks"][0]
    risk["rates"] = risk.pop("rate")


def _unknown_alternative(raw: dict[str, Any]) -> None:
    _entry(raw, "procedures", "mild")["alternatives"].append("mis_decompresion")


def _unknown_related_condition(raw: dict[str, Any]) -> None:
    _entry(raw, "procedures", "mild")["related_conditions"] = ["lumbar_spinal_stenoses"]


def _unknown_treatment_option(raw: dict[str, Any]) -> None:
    _entry(raw, "conditions", "lumbar_disc_herniation")["treatment_options"].append("endoscopic_discectomyy")


def _practice_fact_marked_strong(raw: dict[str, Any]) -> None:
    _entry(raw, "procedures", "mild")["anaesthesia"]["weak"] = False


def _weak_guideline_without_caveat(raw: dict[str, Any]) -> None:
    _entry(raw, "procedures", "mild")["who_it_suits"][0]["weak"] = True


def _drop_spec_source(raw: dict[str, Any]) -> None:
    raw["sources"] = [s for s in raw["sources"] if s["id"] != "acr-lbp-2021"]


def _duplicate_source(raw: dict[str, Any]) -> None:
    raw["sources"].append(copy.deepcopy(raw["sources"][0]))


def _source_without_url(raw: dict[str, Any]) -> None:
    raw["sources"][0]["url"] = "guidelinecentral.com/guideline/9905"


def _missing_file(raw: dict[str, Any]) -> None:
    del raw["conditions"]


def _condition_cites_unknown_source(raw: dict[str, Any]) -> None:
    _entry(raw, "conditions", "cauda_equina_syndrome")["sources"].append("girft-ces")


@pytest.mark.parametrize(
    ("break_data", "message"),
    [
        pytest.param(
            _cite_unknown_source,
            r"procedures\.yaml, procedure 'mild' \(/risks/1/sources/0\): unknown source id 'midas-encore-2y' "
            r"\(did you mean 'midas-encore-2yr'\?\)",
            id="unknown-source-id-names-the-entry-and-suggests",
        ),
        pytest.param(
            _condition_cites_unknown_source,
            r"conditions\.yaml, condition 'cauda_equina_syndrome' \(/sources/4\): unknown source id 'girft-ces' "
            r"\(did you mean 'girft-ces-2023'\?\)",
            id="condition-unknown-source",
        ),
        pytest.param(_drop_procedure, r"procedures\.yaml: .*missing 'mis_tlif'", id="missing-procedure"),
        pytest.param(_swap_procedures, r"procedures\.yaml: .*wrong order", id="procedures-out-of-order"),
        pytest.param(
            _misspell_field,
            r"procedure 'mild': /anaesthsia: unknown field \(did you mean 'anaesthesia'\?\)",
            id="misspelt-field",
        ),
        pytest.param(
            _misspell_nested_field,
            r"procedure 'microdiscectomy': /risks/0/rates: unknown field \(did you mean 'rate'\?\)",
            id="misspelt-field-in-a-risk",
        ),
        pytest.param(
            _unknown_alternative,
            r"/alternatives/\d+\): unknown procedure id 'mis_decompresion' \(did you mean 'mis_decompression'\?\)",
            id="unknown-alternative",
        ),
        pytest.param(
            _unknown_related_condition,
            r"unknown condition id 'lumbar_spinal_stenoses' \(did you mean 'lumbar_spinal_stenosis'\?\)",
            id="unknown-related-condition",
        ),
        pytest.param(
            _unknown_treatment_option,
            r"condition 'lumbar_disc_herniation' \(/treatment_options/3\): unknown procedure id "
            r"'endoscopic_discectomyy'",
            id="unknown-treatment-option",
        ),
        pytest.param(_practice_fact_marked_strong, r"/anaesthesia: .*weak by definition", id="p-fact-not-weak"),
        pytest.param(
            _weak_guideline_without_caveat, r"/who_it_suits/0: .*needs a 'caveat'", id="weak-g-fact-needs-caveat"
        ),
        pytest.param(_drop_spec_source, r"missing source 'acr-lbp-2021', cited by spec", id="spec-source-missing"),
        pytest.param(_duplicate_source, r"source 'nass-ldh-2014': duplicate id", id="duplicate-source"),
        pytest.param(_source_without_url, r"source 'nass-ldh-2014': /url: String should match", id="url-no-scheme"),
        pytest.param(_missing_file, r"missing section 'conditions' \(conditions\.yaml\)", id="missing-file"),
    ],
)
def test_broken_data_is_refused_with_a_helpful_message(
    break_data: Callable[[dict[str, Any]], None], message: str
) -> None:
    raw = shipped_raw()
    break_data(raw)
    with pytest.raises(KnowledgeError, match=message):
        validate(raw)


def test_the_unbroken_copy_validates() -> None:
    assert tuple(validate(shipped_raw()).procedures) == PROCEDURE_IDS


def test_weak_is_derived_for_practice_and_secondary_facts() -> None:
    fact = Fact.model_validate({"text": "Home the same day.", "sources": ["x"], "strength": "S"})
    assert fact.weak
    assert fact.flag == "From a secondary summary, not checked against the original source."
