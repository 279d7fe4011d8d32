"""Spec §3.1: red flags and urgency. Checked first; red flags bypass every duration rule.

Each row: id, the urgency it raises, the condition, what the person reads, and the source.
An unknown condition never reassures: its fields are listed in ``missing_information`` as questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from ..logic import Tri, Unknown, all_of, any_of, is_
from .base import When
from .definitions import Facts

UrgencyLevel = Literal["emergency", "urgent"]

# The three cauda equina questions are always asked: patients rarely volunteer them (girft-ces-2023).
CES_FIELDS = ("/red_flags/saddle_anaesthesia", "/red_flags/bladder_dysfunction", "/red_flags/bowel_dysfunction")


@dataclass(frozen=True, slots=True)
class RedFlagRule:
    id: str
    urgency: UrgencyLevel
    when: When
    title: str
    explanation: str
    source: str


def flag(name: str, section: str = "red_flags") -> When:
    """A yes/no question that is a red flag on its own."""
    answer = attrgetter(f"{section}.{name}")
    unknown = Unknown(f"/{section}/{name}")

    def test(f: Facts) -> Tri:
        value: bool | None = answer(f)
        return unknown if value is None else value

    return When(name.replace("_", " "), test)


def _infection_risk(f: Facts) -> object:
    return any_of(is_(f.red_flags.iv_drug_use, "/red_flags/iv_drug_use"),
                  is_(f.red_flags.immunosuppression, "/red_flags/immunosuppression"))


RED_FLAG_RULES: tuple[RedFlagRule, ...] = (
    # ---- emergency: go to an emergency department now ------------------------------------------------
    RedFlagRule(
        "ces_saddle_anaesthesia", "emergency", flag("saddle_anaesthesia"),
        "Numbness between the legs or around the bottom",
        "New numbness in the 'saddle' area can mean the nerves at the bottom of the spine are squashed "
        "(cauda equina syndrome). It needs an emergency scan and often an operation within hours.",
        "girft-ces-2023"),
    RedFlagRule(
        "ces_bladder_dysfunction", "emergency", flag("bladder_dysfunction"),
        "New trouble passing or holding urine",
        "New bladder problems with back or leg pain can mean cauda equina syndrome, a surgical emergency.",
        "girft-ces-2023"),
    RedFlagRule(
        "ces_bowel_dysfunction", "emergency", flag("bowel_dysfunction"),
        "New trouble controlling your bowels",
        "New loss of bowel control with back or leg pain can mean cauda equina syndrome, a surgical emergency.",
        "girft-ces-2023"),
    RedFlagRule(
        "ces_motor_bilateral", "emergency",
        When("weakness grade <= 3 with bilateral sciatica",
             lambda f: all_of(f.severe_weakness, is_(f.symptoms.bilateral_sciatica, "/symptoms/bilateral_sciatica"))),
        "Marked leg weakness with pain in both legs",
        "Severe weakness together with nerve pain in both legs can be a sign of cauda equina syndrome.",
        "girft-ces-2023"),
    RedFlagRule(
        "metastatic_spinal_compression", "emergency",
        When("(history of cancer or a current tumour finding) with neurological symptoms",
             lambda f: all_of(any_of(is_(f.red_flags.cancer_history, "/red_flags/cancer_history"),
                                     f.current_finding("tumour")),
                              f.neurological_symptoms)),
        "Possible spread of cancer pressing on the nerves",
        "After cancer, back pain with numbness or weakness needs to be checked the same day: cancer that has "
        "spread to the spine can press on the nerves.",
        "ahcpr-1994"),
    RedFlagRule(
        "epidural_abscess", "emergency",
        When("(fever, or IV drug use or immunosuppression with new pain) with neurological symptoms",
             lambda f: all_of(any_of(is_(f.red_flags.fever, "/red_flags/fever"),
                                     all_of(_infection_risk(f), f.new_pain)),  # type: ignore[arg-type]
                              f.neurological_symptoms)),
        "Possible infection pressing on the nerves",
        "Back pain with fever (or a high infection risk) and numbness or weakness can mean an infection in the "
        "spine pressing on the nerves (epidural abscess), an emergency.",
        "ahcpr-1994"),
    RedFlagRule(
        "major_trauma", "emergency",
        When("significant trauma with new pain (under 6 weeks or unknown)",
             lambda f: all_of(is_(f.red_flags.significant_trauma, "/red_flags/significant_trauma"), f.new_pain)),
        "Back pain after a serious injury",
        "New back pain after a fall from height, a road accident or another major injury needs to be checked "
        "for a broken bone in the spine.",
        "ahcpr-1994"),
    # ---- urgent: see a doctor today or within 48 hours --------------------------------------------------
    RedFlagRule(
        "motor_deficit", "urgent",
        When("weakness grade <= 3 or weakness progressing", lambda f: f.motor_deficit),
        "Leg weakness",
        "Marked or worsening weakness (for example foot drop) needs a specialist opinion soon: recovery is "
        "less likely the longer it lasts.",
        "nice-ng59"),
    RedFlagRule(
        "suspected_infection", "urgent",
        When("fever; or IV drug use or immunosuppression with new pain or a recent infection; or a current "
             "infection finding",
             lambda f: any_of(
                 is_(f.red_flags.fever, "/red_flags/fever"),
                 all_of(_infection_risk(f),  # type: ignore[arg-type]
                        any_of(f.new_pain, is_(f.red_flags.recent_infection, "/red_flags/recent_infection"))),
                 f.current_finding("infection"))),
        "Possible infection",
        "Back pain with a fever, or with a high risk of infection, needs to be checked for an infection of the "
        "spine.",
        "ahcpr-1994"),
    RedFlagRule(
        "suspected_malignancy", "urgent",
        When("history of cancer; or unexplained weight loss; or a current tumour finding",
             lambda f: any_of(is_(f.red_flags.cancer_history, "/red_flags/cancer_history"),
                              is_(f.red_flags.unexplained_weight_loss, "/red_flags/unexplained_weight_loss"),
                              f.current_finding("tumour"))),
        "Possible cancer",
        "Of the warning signs, a history of cancer is the one that really raises the chance that back pain comes "
        "from cancer; unexplained weight loss too. A doctor should check soon.",
        "ahcpr-1994"),
    RedFlagRule(
        "suspected_fracture", "urgent",
        When("significant trauma; or (osteoporosis or long-term steroids) with new pain; or a current fracture "
             "finding",
             lambda f: any_of(
                 is_(f.red_flags.significant_trauma, "/red_flags/significant_trauma"),
                 all_of(any_of(is_(f.red_flags.osteoporosis, "/red_flags/osteoporosis"),
                               is_(f.red_flags.long_term_steroids, "/red_flags/long_term_steroids")),
                        f.new_pain),
                 f.current_finding("fracture"))),
        "Possible broken bone in the spine",
        "New back pain after an injury, or with thin bones or long-term steroid use, needs to be checked for a "
        "fracture.",
        "acr-lbp-2021"),
    RedFlagRule(
        "ces_warning_bilateral_sciatica", "urgent", flag("bilateral_sciatica", "symptoms"),
        "Nerve pain in both legs",
        "Sciatica in both legs can be an early warning of cauda equina syndrome: see a doctor soon, and go to an "
        "emergency department at once if numbness between the legs or bladder or bowel trouble starts.",
        "girft-ces-2023"),
    RedFlagRule(
        "ces_warning_sexual_dysfunction", "urgent", flag("sexual_dysfunction"),
        "New change in sexual function",
        "A new change in sexual function with back pain can be an early warning of cauda equina syndrome.",
        "girft-ces-2023"),
)
