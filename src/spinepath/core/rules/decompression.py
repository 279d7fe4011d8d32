"""Spec §3.4 MIS decompression (tubular/microscopic laminotomy; unilateral approach, bilateral decompression)."""

from __future__ import annotations

from ..logic import Tri, any_of, negate
from .base import ALWAYS, ASK, NOT_CANDIDATE, POSSIBLE, Rule, When, level_rule
from .common import NO_LEG_SYMPTOMS, imaging_rules, stenosis_levels, surgical_rules
from .definitions import STENOSIS_KINDS, Facts, LevelGroup, dynamic_instability, isthmic_slip
from .definitions import spondylolisthesis_grade_at_least as grade_at_least
from .procedure import ProcedureRules

STENOSIS_WEEKS = 12  # sport-lss, nordsten-sst: >= 12 weeks / 3 months


def _care_not_failed(f: Facts) -> Tri:
    return negate(any_of(f.failed_conservative_care(STENOSIS_WEEKS), f.motor_deficit))


def _degenerative_grade_1(f: Facts, g: LevelGroup) -> Tri:
    return any(r.finding.grade == 1 and r.finding.slip_type != "isthmic" for r in g.of("spondylolisthesis"))


MIS_DECOMPRESSION = ProcedureRules(
    procedure="mis_decompression",
    indication=Rule("mis_decompression.indication", ALWAYS, None,
                    "Stenosis with claudication or radicular pain after at least 12 weeks of failed conservative "
                    "care, or a motor deficit.", "sport-lss"),
    rules=(
        *imaging_rules("mis_decompression", Rule(
            "mis_decompression.no_stenosis",
            When("cross-sectional imaging shows no stenosis finding",
                 lambda f: f.cross_sectional_imaging is True and not f.findings_of(*STENOSIS_KINDS)),
            NOT_CANDIDATE, "Imaging shows no narrowing (stenosis) to decompress.", "nass-lss-2011", if_unknown=ASK)),
        Rule("mis_decompression.no_symptoms",
             NO_LEG_SYMPTOMS,
             NOT_CANDIDATE, "Decompression treats leg symptoms (claudication or sciatica); you do not report them.",
             "nass-lss-2011",
             unknown_text="We don't know yet whether you have leg pain on walking or a trapped-nerve pattern."),
        Rule("mis_decompression.conservative_care",
             When(f"neither {STENOSIS_WEEKS} weeks of failed conservative care nor a motor deficit", _care_not_failed),
             NOT_CANDIDATE, "At least 12 weeks of conservative care first, unless there is marked weakness.",
             "sport-lss",
             unknown_text="We don't know yet whether conservative care has been tried for 12 weeks."),
        *surgical_rules("mis_decompression", mimics=True),
        level_rule(id="mis_decompression.instability",
                   when=When("dynamic instability at the level", lambda f, g: dynamic_instability(g)),
                   then=NOT_CANDIDATE, text="Instability at this level needs stabilisation (see MIS-TLIF).",
                   source="nass-fusion-2014"),
        level_rule(id="mis_decompression.slip_grade_2",
                   when=When("spondylolisthesis grade >= 2", lambda f, g: grade_at_least(g, 2)),
                   then=NOT_CANDIDATE, text="A slip of grade 2 or more needs stabilisation (see MIS-TLIF).",
                   source="nass-fusion-2014"),
        level_rule(id="mis_decompression.isthmic_slip",
                   when=When("an isthmic slip at the level",
                             lambda f, g: isthmic_slip(g, unknown_type_as_degenerative=False)),
                   then=NOT_CANDIDATE, text="Decompression alone of an isthmic slip often needs a reoperation.",
                   source="nass-fusion-2014", if_unknown=POSSIBLE,
                   unknown_text="The report does not say what kind of slip this is: read as degenerative, for a "
                                "specialist to confirm."),
        level_rule(id="mis_decompression.degenerative_grade_1",
                   when=When("degenerative grade 1 slip", _degenerative_grade_1), then=None,
                   text="With a stable degenerative grade 1 slip, decompression alone did as well as adding fusion.",
                   source="nordsten-ds"),
    ),
    levels=stenosis_levels,
)
