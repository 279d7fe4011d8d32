"""What the results page shows, built from the assessment and the knowledge base (no medicine here).

The engine's texts (advice, reasons, red flags) are English; they go through ``gettext`` so that a catalogue can
translate them. The only wording of our own is interface wording: the names of the next steps, and how to find
out a missing fact (``MISSING_PROMPTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spinepath.core import Assessment
from spinepath.core.assessment import status_label
from spinepath.core.knowledge import load_knowledge
from spinepath.web.i18n_text import translate_engine_text

from .answers import Answers, locate, pointer_pattern

NEXT_STEP_LABELS = {
    "emergency_department": _("Go to an emergency department now."),
    "urgent_specialist_review": _("See a doctor urgently: today or within 48 hours."),
    "conservative_care": _("Care without surgery: keep active, with exercise, physiotherapy and pain relief."),
    "imaging": _("A scan of your lower back (usually an MRI), arranged by your doctor."),
    "specialist_consultation": _("An appointment with a spine specialist to talk about the options below."),
}
URGENCY_LABELS = {"emergency": _("Emergency"), "urgent": _("Urgent"), "routine": _("Not urgent")}

_CES = _("Please answer the three questions about numbness between your legs and bladder or bowel control.")
_REPORT = _("Check your scan report (or ask the radiologist) for this detail of each finding: level, kind, side and "
            "severity.")

# How to find out each missing fact, by JSON pointer ("*" = any position in a list). A pointer without its own
# row uses the row of its nearest parent.
MISSING_PROMPTS: dict[str, Any] = {
    "/red_flags/saddle_anaesthesia": _CES,
    "/red_flags/bladder_dysfunction": _CES,
    "/red_flags/bowel_dysfunction": _CES,
    "/red_flags": _("Please answer the remaining warning-sign questions."),
    "/symptoms/back_pain": _("Tell us how bad your back pain is, from 0 to 10."),
    "/symptoms/leg_pain": _("Tell us how bad your leg pain is, from 0 to 10."),
    "/symptoms/leg_pain_side": _("Tell us which leg hurts."),
    "/symptoms/leg_pain_below_knee": _("Tell us whether the leg pain goes below the knee."),
    "/symptoms/duration_weeks": _("Tell us how many weeks ago this episode of pain started."),
    "/symptoms/claudication": _("Notice whether walking or standing brings on the leg pain, and whether sitting or "
                                "bending forward eases it."),
    "/symptoms/walking_tolerance_minutes": _("Time how many minutes you can walk before the pain stops you."),
    "/symptoms/can_walk_10_feet_unaided": _("Tell us whether you can walk 10 feet (3 metres) without help."),
    "/symptoms/numbness": _("Tell us whether you have numbness or pins and needles in a leg or foot."),
    "/symptoms/weakness_grade": _("Tell us how strong your leg and foot are; a doctor or physiotherapist can test "
                                  "your muscle strength."),
    "/symptoms/weakness_progressing": _("Tell us whether any weakness is getting worse."),
    "/symptoms/bilateral_sciatica": _("Tell us whether you have shooting nerve pain down both legs."),
    "/symptoms/hip_or_groin_pain": _("Tell us whether you have hip or groin pain: a hip problem can feel like a back "
                                     "problem."),
    "/symptoms/peripheral_arterial_disease": _("Ask your doctor whether the circulation in your legs is normal "
                                               "(they can check the pulses in your feet)."),
    "/symptoms/hand_symptoms_or_imbalance": _("Tell us whether your hands are clumsy or you are unsteady on your "
                                              "feet: a neck problem can cause leg symptoms."),
    "/symptoms": _("Please answer the remaining questions about your pain and symptoms."),
    "/patient": _("Tell us your age, sex, height and weight."),
    "/conservative_care": _("Tell us which treatments you have tried for this pain."),
    "/conservative_care/*": _("Tell us for how long you tried each treatment, and how much it helped."),
    "/imaging": _("An MRI scan of your lower back would let us say more. Ask your doctor whether you need one."),
    "/imaging/*/modality": _("Tell us what kind of scan you had (MRI, CT or X-ray)."),
    "/imaging/*/months_ago": _("Tell us how many months ago each scan was done."),
    "/imaging/*/findings": _("Ask for your scan report and tell us what it says."),
    "/imaging/*/findings/*": _REPORT,
    "/imaging/*/findings/*/ligamentum_flavum_mm": _("Ask the radiologist for the thickness of the ligamentum flavum "
                                                    "(the ligament at the back of the spinal canal), in mm."),
    "/imaging/*/findings/*/grade": _("Ask the radiologist for the grade of the slip (Meyerding grade 1 to 4)."),
    "/imaging/*/findings/*/slip_type": _("Ask the radiologist whether the slip is from wear and tear (degenerative) "
                                         "or from a crack in the bone (isthmic)."),
    "/imaging/*/findings/*/translation_mm": _("Ask how many mm the vertebrae move on X-rays taken bending forward "
                                              "and back (flexion-extension X-rays)."),
    "/imaging/*/findings/*/cobb_degrees": _("Ask for the angle of the curve (the Cobb angle), in degrees."),
    "/imaging/*/findings/*/herniation_type": _("Ask the radiologist what type of disc herniation it is (protrusion, "
                                               "extrusion or sequestration)."),
    "/history/prior_lumbar_surgery": _("Tell us about any operation you have had on your lower back: what, where "
                                       "and when."),
    "/history/asa_class": _("Your fitness for an anaesthetic (the ASA grade) is assessed by the surgical team: you "
                            "do not need to find it out."),
    "/history/hba1c_percent": _("If you have diabetes, ask your doctor for your latest HbA1c blood test result."),
    "/history/bone_density_t_score": _("If you have had a bone density scan (DEXA), tell us your T-score; your "
                                       "doctor can tell you whether you need one."),
    "/history/anticoagulants": _("Tell us whether you take blood thinners that cannot be stopped."),
    "/history/pregnant": _("Tell us whether you are pregnant."),
    "/history": _("Please answer the remaining questions about your health."),
}
_NO_LINK = {"/history/asa_class"}


@dataclass(frozen=True)
class Prompt:
    text: str
    url: str | None


def missing_prompts(pointers: list[str], answers: Answers) -> list[Prompt]:
    """One plain sentence per missing fact (the same sentence once), each linking to the question that asks it."""
    prompts: dict[str, Prompt] = {}
    for pointer in pointers:
        key = _prompt_key(pointer_pattern(pointer))
        if key is None:
            continue
        text = str(MISSING_PROMPTS[key])
        if text in prompts:
            continue
        url = None
        if key not in _NO_LINK:
            step, field_name = locate(pointer, answers)
            if step is not None:
                url = reverse("selfcheck:step", args=[step]) + (f"#q-{field_name}" if field_name else "")
        prompts[text] = Prompt(text, url)
    return list(prompts.values())


def _prompt_key(pattern: str) -> str | None:
    while pattern:
        if pattern in MISSING_PROMPTS:
            return pattern
        pattern = pattern.rsplit("/", 1)[0]
    return None


def optional_url(name: str, *args: Any) -> str | None:
    """The URL of a page another part of the app provides, or None while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _source(source_id: str) -> dict[str, str]:
    source = load_knowledge().source(source_id)
    return {"id": source_id, "title": gettext(source.title), "url": source.url}


def results_context(assessment: Assessment, answers: Answers) -> dict[str, Any]:
    knowledge = load_knowledge()
    procedures = [{
        "id": p.procedure,
        "name": gettext(knowledge.procedure(p.procedure).name),
        "url": optional_url("pages:procedure", p.procedure),
        "status": p.status,
        "label": gettext(status_label(p.procedure, p.status)),
        "levels": p.levels,
        "reasons": [{"text": translate_engine_text(r.text), "source": _source(r.source)} for r in p.reasons],
    } for p in assessment.procedures]
    return {
        "urgency": assessment.urgency,
        "urgency_label": URGENCY_LABELS[assessment.urgency],
        "advice": gettext(assessment.advice),
        "red_flags": [{"title": gettext(f.title), "explanation": gettext(f.explanation), "source": _source(f.source)}
                      for f in assessment.red_flags],
        "next_step": NEXT_STEP_LABELS[assessment.next_step],
        "safety_net": gettext(assessment.safety_net) if assessment.safety_net else None,
        "procedures": procedures,
        "risk_factors": [{"text": translate_engine_text(r.text), "source": _source(r.source)}
                         for r in assessment.risk_factors],
        "missing": missing_prompts(assessment.missing_information, answers),
        "disclaimer": gettext(assessment.disclaimer),
        "ruleset_version": assessment.ruleset_version,
        "timeline_url": optional_url("reports:timeline"),
        "pdf_url": optional_url("reports:report_pdf"),
    }
