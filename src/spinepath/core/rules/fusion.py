"""Spec §3.4 MIS-TLIF (minimally invasive transforaminal lumbar interbody fusion). Fusion is not offered for
back pain alone (nice-ng59); it needs instability, a significant or isthmic slip, adjacent segment disease after
a fusion, or a second recurrence of a herniation."""

from __future__ import annotations

from ..logic import Tri, Unknown, all_of, any_of, negate
from .base import ALWAYS, ASK, NOT_CANDIDATE, POSSIBLE, Rule, When, level_rule
from .common import NO_LEG_SYMPTOMS, imaging_rules, surgical_rules
from .definitions import (
    STENOSIS_KINDS,
    Facts,
    LevelGroup,
    adjacent,
    dynamic_instability,
    isthmic_slip,
    spondylolisthesis_grade_at_least,
    spondylolisthesis_grade_between,
    unmeasured_translation,
)
from .procedure import ProcedureRules

FUSION_WEEKS = 12  # sport-lss, nordsten-ds
SCOLIOSIS_MAX_COBB = 20  # nordsten-ds exclusion: scoliosis > 20 degrees


def adjacent_segment(f: Facts, g: LevelGroup) -> Tri:
    """A stenosis finding next to a previously fused level (adjacent segment disease)."""
    if g.level is None or not g.has(*STENOSIS_KINDS):
        return False
    if f.history.prior_lumbar_surgery is None:
        return Unknown("/history/prior_lumbar_surgery")
    if not f.prior_surgery:
        return False
    level = g.level
    return any(op.procedure == "fusion" and op.level is not None and adjacent(op.level, level)
               for op in f.prior_surgery)


# Each indication rests on one of these findings at the level: without any of them there is none.
_INDICATION_KINDS = frozenset({"spondylolisthesis", "dynamic_instability", "disc_herniation", *STENOSIS_KINDS})


def level_indication(f: Facts, g: LevelGroup) -> Tri:
    if g.kinds.isdisjoint(_INDICATION_KINDS):
        return False
    instability = dynamic_instability(g)
    return any_of(
        all_of(spondylolisthesis_grade_between(g, 1, 2), instability),
        spondylolisthesis_grade_between(g, 2, 2),
        isthmic_slip(g, unknown_type_as_degenerative=True, grades=(1, 2)),
        all_of(instability, g.has(*STENOSIS_KINDS)),
        all_of(g.has("disc_herniation"), f.operated_at_least(g.level, "discectomy", 2)),
        adjacent_segment(f, g),
    )


def _indicated_levels(f: Facts) -> list[LevelGroup]:
    levels: list[LevelGroup] = f.once(_indicated_levels, lambda: [
        g for g in f.levels if level_indication(f, g) is not False])
    return levels


def _scoliosis_over_20(f: Facts) -> Tri:
    return any_of(*[Unknown(r.path("cobb_degrees")) if r.finding.cobb_degrees is None
                    else r.finding.cobb_degrees > SCOLIOSIS_MAX_COBB for r in f.findings_of("scoliosis")])


MIS_TLIF = ProcedureRules(
    procedure="mis_tlif",
    indication=Rule("mis_tlif.indication", ALWAYS, None,
                    "Instability, a grade 2 or isthmic slip, adjacent segment disease or a second recurrence, with "
                    "claudication or radicular pain, after at least 12 weeks of failed conservative care.",
                    "nass-fusion-2014"),
    rules=(
        *imaging_rules("mis_tlif", Rule(
            "mis_tlif.no_indication",
            When("cross-sectional imaging and no level with an indication for fusion",
                 lambda f: f.cross_sectional_imaging is True and not _indicated_levels(f)),
            NOT_CANDIDATE, "No spondylolisthesis with instability, no grade 2 or isthmic slip, no instability with "
            "stenosis, no adjacent segment, no second recurrence: fusion is not offered for back pain alone.",
            "nice-ng59", if_unknown=ASK)),
        Rule("mis_tlif.no_symptoms",
             NO_LEG_SYMPTOMS,
             NOT_CANDIDATE, "Fusion here treats leg symptoms with instability; you do not report leg symptoms.",
             "nass-fusion-2014",
             unknown_text="We don't know yet whether you have leg pain on walking or a trapped-nerve pattern."),
        Rule("mis_tlif.scoliosis",
             When(f"scoliosis with Cobb angle > {SCOLIOSIS_MAX_COBB} degrees", _scoliosis_over_20),
             NOT_CANDIDATE, "A scoliosis over 20 degrees needs a deformity assessment (see open surgery).",
             "nordsten-ds", unknown_text="The report does not give the scoliosis angle."),
        Rule("mis_tlif.conservative_care",
             When(f"not {FUSION_WEEKS} weeks of failed conservative care",
                  lambda f: negate(f.failed_conservative_care(FUSION_WEEKS))),
             NOT_CANDIDATE, "At least 12 weeks of conservative care first.", "nass-fusion-2014",
             unknown_text="We don't know yet whether conservative care has been tried for 12 weeks."),
        *surgical_rules("mis_tlif", mimics=True),
        level_rule(id="mis_tlif.level_indication",
                   when=When("an indication for fusion at this level", level_indication), then=None,
                   text="An indication for fusion at this level (instability, a significant or isthmic slip, "
                   "adjacent segment disease or a second recurrence).", source="nass-fusion-2014",
                   unknown_text="The report lacks a detail (slip grade) needed to tell whether fusion is "
                                "indicated at this level."),
        level_rule(id="mis_tlif.adjacent_segment",
                   when=When("stenosis next to a previous fusion", adjacent_segment), then=POSSIBLE,
                   text="Narrowing next to a previous fusion (adjacent segment disease): a specialist weighs the "
                   "options.", source="nass-fusion-2014"),
        level_rule(id="mis_tlif.translation_unmeasured",
                   when=When("instability reported without its translation (it counts)",
                             lambda f, g: unmeasured_translation(g)),
                   then=None, text="The instability was reported without its size: it counts as instability unless "
                   "it is 3 mm or less, so the measurement should be checked.", source="nass-fusion-2014",
                   if_unknown=ASK),
        level_rule(id="mis_tlif.slip_grade_3",
                   when=When("spondylolisthesis grade >= 3", lambda f, g: spondylolisthesis_grade_at_least(g, 3)),
                   then=NOT_CANDIDATE, text="A slip of grade 3 or more needs open surgery.", source="nass-fusion-2014"),
    ),
    levels=_indicated_levels,
)
