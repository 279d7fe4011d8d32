"""Spec §3.3 rules shared by several procedures: imaging, significant symptoms, serious findings, mimics,
fitness modifiers, and the risk factors listed in every assessment.

Procedure tables include these through the ``*_rules(procedure)`` functions, so each shared rule is written
once and its id says which procedure it acted on (``mild.significant_symptoms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..assessment import StatusRank
from ..logic import Tri, Unknown, all_of, any_of, at_least, below, is_, negate
from .base import ASK, INSUFFICIENT, NOT_CANDIDATE, POSSIBLE, Rule, When
from .definitions import STENOSIS_KINDS, Facts, LevelGroup

NEW_MRI = ("an MRI of the lower back (MRI with and without contrast after previous back surgery; CT if MRI is "
           "not possible)")


NO_IMAGING = When("no MRI, CT or CT myelogram (none at all)",
                  lambda f: all_of(negate(f.cross_sectional_imaging), not f.has_old_cross_sectional_only))
OLD_IMAGING = When("the only MRI/CT is more than 12 months old", lambda f: f.has_old_cross_sectional_only)
UNREADABLE_IMAGING = When("part of the imaging report is missing (findings, type of study, kind or level of a finding)",
                          lambda f: Unknown(*f.unreadable_findings) if f.unreadable_findings else False)
NOT_SIGNIFICANT = When("not (leg pain >= 4, or claudication with walking tolerance < 30 min)",
                       lambda f: negate(f.significant_symptoms))
SERIOUS_FINDING = When("a fracture, tumour or infection finding (any age, any modality)",
                       lambda f: f.serious_finding)
SCAN_AGE_UNKNOWN = When("a current MRI/CT whose age is not known (it counts as current)",
                        lambda f: Unknown(*f.undated_scans) if f.undated_scans else False)
NO_LEG_SYMPTOMS = When("neither claudication nor a radicular picture", lambda f: negate(f.claudication_or_radicular))
MIMIC = When("hip or groin pain, peripheral arterial disease, or hand symptoms / imbalance", lambda f: f.mimic)


def imaging_rules(procedure: str, finding_rule: Rule | None) -> tuple[Rule, ...]:
    """No current cross-sectional imaging → insufficient_information (§3.3); with it, the finding rule."""
    rules = (
        Rule(f"{procedure}.no_cross_sectional_imaging",
             NO_IMAGING, INSUFFICIENT,
             f"We need a recent scan to say more: {NEW_MRI}.", "acr-lbp-2021",
             if_unknown=INSUFFICIENT, unknown_text=f"We don't know of a recent scan and its report yet: {NEW_MRI}.",
             asks=("/imaging",)),
        Rule(f"{procedure}.old_imaging",
             OLD_IMAGING, INSUFFICIENT,
             f"Your MRI or CT is more than 12 months old, so it no longer counts: a new scan is needed, {NEW_MRI}.",
             "acr-lbp-2021", asks=("/imaging",)),
        Rule(f"{procedure}.unreadable_imaging",
             UNREADABLE_IMAGING, POSSIBLE,
             "Part of the imaging report could not be read.", "acr-lbp-2021", if_unknown=POSSIBLE,
             unknown_text="Part of the imaging report is missing (what a scan showed, the type of scan, or the "
                          "kind or level of a finding): a specialist needs to read the report."),
        # Unknown scan age counts as current (§3.3); the date is still asked, since an old scan would not count.
        Rule(f"{procedure}.scan_age", SCAN_AGE_UNKNOWN, None,
             "When was the scan done? A scan more than 12 months old no longer counts.", "acr-lbp-2021",
             if_unknown=ASK),
    )
    return (*rules, finding_rule) if finding_rule else rules


def significant_symptoms_rule(procedure: str) -> Rule:
    return Rule(
        f"{procedure}.significant_symptoms",
        NOT_SIGNIFICANT, POSSIBLE,
        "With mild symptoms, an operation is rarely worth its risks.", "nass-lss-2011",
        if_unknown=POSSIBLE,
        unknown_text="We don't know how bad the leg pain is, or how far you can walk: with mild symptoms an "
                     "operation is rarely worth its risks.")


def serious_findings_rule(procedure: str, cap: StatusRank = POSSIBLE) -> Rule:
    return Rule(
        f"{procedure}.serious_finding",
        SERIOUS_FINDING, cap,
        "Your imaging shows a fracture, tumour or infection: that problem is assessed first.", "acr-lbp-2021")


def mimics_rule(procedure: str) -> Rule:
    return Rule(
        f"{procedure}.mimic",
        MIMIC, POSSIBLE,
        "Hip, blood-vessel or neck problems can cause similar symptoms and must be ruled out first.",
        "nass-lss-2011", if_unknown=ASK)


# ---- fitness modifiers (§3.3): only when the fact is known; unknown → listed as missing ---------------------

def _elective(procedure: str, test: When) -> When:
    """Fitness modifiers do not apply to open surgery for a tumour, infection or fracture (§3.3)."""
    if procedure != "open_surgery":
        return test
    def elective_only(f: Facts) -> Tri:
        elective = f.open_surgery_is_elective
        return test.test(f) if elective is True else all_of(elective, test.test(f))  # all_of(True, x) is x

    return When(f"{test.describe} (elective open surgery only)", elective_only)


def _pregnant(f: Facts) -> Tri:
    if f.patient.sex == "male":
        return False  # not asked of men
    return is_(f.history.pregnant, "/history/pregnant")


def _hba1c_at_least(threshold: float) -> When:
    def test(f: Facts) -> Tri:
        if f.history.hba1c_percent is None and f.history.diabetes is False:
            return False  # HbA1c is asked of people with (or not known to be free of) diabetes
        return at_least(f.history.hba1c_percent, threshold, "/history/hba1c_percent")
    return When(f"HbA1c >= {threshold}%", test)


ASA_4_OR_MORE = When("ASA class >= 4", lambda f: at_least(f.history.asa_class, 4, "/history/asa_class"))
ASA_3 = When("ASA class == 3", lambda f: (
    Unknown("/history/asa_class") if f.history.asa_class is None else f.history.asa_class == 3))
PREGNANT = When("pregnant", lambda f: _pregnant(f))
HBA1C_8 = _hba1c_at_least(8.0)
BLEEDING_RISK = When("anticoagulants that cannot be paused, or a bleeding disorder", lambda f: _bleeding_risk(f))


def fitness_rules(procedure: str) -> tuple[Rule, ...]:
    rules = [
        Rule(f"fitness.asa_4_or_more.{procedure}", _elective(procedure, ASA_4_OR_MORE),
             NOT_CANDIDATE, "ASA class 4 or more: elective surgery is not advised.", "nordsten-ds", if_unknown=ASK),
        Rule(f"fitness.asa_3.{procedure}",
             _elective(procedure, ASA_3),
             POSSIBLE, "ASA class 3: not suitable for a day-surgery centre; needs an anaesthetic assessment.",
             "nordsten-ds", if_unknown=ASK),
        Rule(f"fitness.pregnant.{procedure}", _elective(procedure, PREGNANT),
             POSSIBLE, "Elective procedures are deferred during pregnancy.", "nct00995371", if_unknown=ASK),
        Rule(f"fitness.hba1c.{procedure}", _elective(procedure, HBA1C_8),
             POSSIBLE, "HbA1c 8% or more: blood sugar should be brought down before elective surgery.",
             "cns-periop-2021", if_unknown=ASK),
    ]
    if procedure != "mild":  # mild has a stricter rule of its own (not_candidate)
        rules.append(Rule(
            f"fitness.anticoagulation.{procedure}",
            _elective(procedure, BLEEDING_RISK),
            POSSIBLE, "Blood thinners that cannot be paused or a bleeding disorder: an anticoagulation or "
            "haematology plan is needed first.", "cns-periop-2021", if_unknown=ASK))
    if procedure == "mis_tlif":
        rules += [
            Rule("fitness.smoker_fusion", When("smoker", lambda f: is_(f.history.smoker, "/history/smoker")),
                 POSSIBLE, "Smoking roughly doubles the risk that a fusion does not heal: 8 weeks smoke-free first.",
                 "cns-periop-2021", if_unknown=ASK),
            Rule("fitness.osteoporosis_fusion",
                 When("bone density T-score < -2.5",
                      lambda f: below(f.history.bone_density_t_score, -2.5, "/history/bone_density_t_score")),
                 POSSIBLE, "Osteoporosis (T-score below -2.5) weakens screw hold: bone health is treated first.",
                 "cns-osteoporosis", if_unknown=ASK),
        ]
    return tuple(rules)


def _bleeding_risk(f: Facts) -> Tri:
    return any_of(is_(f.history.anticoagulants, "/history/anticoagulants"),
                  is_(f.history.bleeding_disorder, "/history/bleeding_disorder"))


def surgical_rules(procedure: str, *, mimics: bool, serious_cap: StatusRank = POSSIBLE) -> tuple[Rule, ...]:
    """What applies to every procedure but conservative care (§3.3)."""
    rules: list[Rule] = [significant_symptoms_rule(procedure)]
    if procedure != "open_surgery":  # for open surgery a serious finding is an indication, not a caution
        rules.append(serious_findings_rule(procedure, serious_cap))
    if mimics:
        rules.append(mimics_rule(procedure))
    return (*rules, *fitness_rules(procedure))


# ---- risk factors: listed whatever the statuses (§2) ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RiskFactorRule:
    id: str
    when: When
    text: str
    source: str


RISK_FACTOR_RULES: tuple[RiskFactorRule, ...] = (
    RiskFactorRule("hba1c_above_7_5",
                   When("HbA1c > 7.5%", lambda f: f.history.hba1c_percent is not None
                        and f.history.hba1c_percent > 7.5),
                   "HbA1c above 7.5% raises the risk of infection and reoperation after spine surgery.",
                   "cns-periop-2021"),
    RiskFactorRule("smoker", When("smoker", lambda f: f.history.smoker is True),
                   "Smoking raises the risk of reoperation and of a fusion not healing.", "cns-periop-2021"),
    RiskFactorRule("bmi_40_or_more", When("BMI >= 40", lambda f: f.bmi is not None and f.bmi >= 40),
                   "A BMI of 40 or more makes day surgery less suitable and raises some risks (evidence is mixed).",
                   "cns-periop-2021"),
    RiskFactorRule("asa_3_or_more",
                   When("ASA class >= 3", lambda f: f.history.asa_class is not None and f.history.asa_class >= 3),
                   "ASA class 3 or more: complications are more likely; day surgery may not be suitable.",
                   "nordsten-ds"),
    RiskFactorRule("anticoagulation",
                   When("anticoagulants or bleeding disorder",
                        lambda f: f.history.anticoagulants is True or f.history.bleeding_disorder is True),
                   "Blood thinners or a bleeding disorder need a plan before any procedure.", "nct00995371"),
    RiskFactorRule("osteoporosis",
                   When("bone density T-score < -2.5",
                        lambda f: f.history.bone_density_t_score is not None
                        and f.history.bone_density_t_score < -2.5),
                   "Osteoporosis (T-score below -2.5) predicts problems after screws and fusion.", "cns-osteoporosis"),
    RiskFactorRule("pregnancy", When("pregnant", lambda f: f.history.pregnant is True),
                   "Pregnancy: elective procedures are deferred.", "nct00995371"),
)


def stenosis_levels(f: Facts) -> list[LevelGroup]:
    # Asked by two tables and by open surgery's indication at every level: computed once per intake.
    levels: list[LevelGroup] = f.once(stenosis_levels, lambda: [g for g in f.levels if g.has(*STENOSIS_KINDS)])
    return levels
