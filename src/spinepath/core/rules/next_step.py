"""Spec §3.2: the next step when urgency is routine. Steps are tried in order; the first that applies wins.

``if_unknown``: "take" = an unknown condition still takes the step (spec: unknown facts at step 2 → imaging);
"skip" = go on to the next step (step 0 needs both night_pain and age known; unknown duration → step 2 onward).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from ..assessment import NextStep, Status
from ..logic import Tri, all_of, any_of, below
from .definitions import Facts

ProcedureStatuses = Mapping[str, Status]


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    describe: str
    when: Callable[[Facts, ProcedureStatuses], Tri]
    then: NextStep
    if_unknown: Literal["take", "skip"]
    advice: str
    source: str


ADVICE_IMAGING = "Ask your doctor about an MRI scan of your lower back; it decides the next step."
ADVICE_CONSERVATIVE = ("Keep active and continue conservative care (exercise, physiotherapy, pain relief); see your "
                       "doctor if it is not getting better.")
ADVICE_SPECIALIST = "Ask for an appointment with a spine specialist to discuss the options below."


def _night_pain_over_50(f: Facts, _: ProcedureStatuses) -> Tri:
    night, age = f.red_flags.night_pain, f.patient.age
    if night is None or age is None:
        return False  # only when night_pain and age are both known (§3.2 step 0)
    return night and age >= 50 and f.cross_sectional_imaging is not True


def _acute(f: Facts, _: ProcedureStatuses) -> Tri:
    return below(f.symptoms.duration_weeks, 6, "/symptoms/duration_weeks")


def _needs_imaging(f: Facts, _: ProcedureStatuses) -> Tri:
    if f.cross_sectional_imaging is True:
        return False
    return all_of(any_of(f.radicular_picture, f.claudication), f.failed_conservative_care(6))


def _no_imaging(f: Facts, _: ProcedureStatuses) -> Tri:
    return f.cross_sectional_imaging is not True


def _an_option(f: Facts, statuses: ProcedureStatuses) -> Tri:
    return any(status in ("candidate", "possible") for proc, status in statuses.items() if proc != "conservative_care")


NEXT_STEPS: tuple[Step, ...] = (
    Step("next_step.night_pain_imaging", "night pain, age >= 50, no cross-sectional imaging",
         _night_pain_over_50, "imaging", "skip",
         "Constant night pain after 50 should be looked at: ask your doctor about an MRI scan of your lower back.",
         "acr-lbp-2021"),
    Step("next_step.acute", "pain for under 6 weeks", _acute, "conservative_care", "skip",
         ADVICE_CONSERVATIVE, "nice-ng59"),
    Step("next_step.imaging", "no cross-sectional imaging, radicular picture or claudication, and 6 weeks of "
         "failed conservative care", _needs_imaging, "imaging", "take", ADVICE_IMAGING, "acr-lbp-2021"),
    Step("next_step.no_imaging_needed", "no cross-sectional imaging otherwise", _no_imaging, "conservative_care",
         "skip", ADVICE_CONSERVATIVE, "acp-aps-2007"),
    Step("next_step.specialist", "a procedure other than conservative care is candidate or possible", _an_option,
         "specialist_consultation", "skip", ADVICE_SPECIALIST, "nass-ldh-2014"),
    Step("next_step.conservative", "otherwise", lambda f, s: True, "conservative_care", "skip",
         ADVICE_CONSERVATIVE, "nice-ng59"),
)

ADVICE_EMERGENCY = "Go to an emergency department now."
ADVICE_URGENT = "See a doctor today or within 48 hours."

__all__ = ["ADVICE_EMERGENCY", "ADVICE_URGENT", "NEXT_STEPS", "Step"]


def imaging_advice(f: Facts) -> str:
    """Which scan to ask for (§3.2 step 2): MRI without contrast; with and without after prior surgery."""
    if f.prior_surgery:
        return ("Ask your doctor about an MRI scan of your lower back, with and without contrast because you have "
                "had back surgery before; it decides the next step.")
    if f.has_old_cross_sectional_only:
        return "Your last scan is more than a year old: ask your doctor about a new MRI scan of your lower back."
    return ADVICE_IMAGING
