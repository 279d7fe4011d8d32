"""Spec §3.4 mild (percutaneous image-guided lumbar decompression), after MiDAS ENCORE and NCT00995371."""

from __future__ import annotations

from ..logic import Tri, Unknown, any_of, is_, negate, over
from .base import ALWAYS, ASK, NOT_CANDIDATE, POSSIBLE, Rule, When, level_rule
from .common import imaging_rules, surgical_rules
from .definitions import (
    Facts,
    LevelGroup,
    dynamic_instability,
    isthmic_slip,
    spondylolisthesis_grade_at_least,
)
from .procedure import ProcedureRules

MILD_WEEKS = 12  # midas-encore: neurogenic claudication for >= 3 months despite PT, home exercise, analgesics
LIGAMENTUM_FLAVUM_MIN_MM = 2.5  # nct00995371, aspn-mist-2022: "> 2.5 mm"


def _lf_levels(f: Facts) -> list[LevelGroup]:
    return [g for g in f.levels if g.has("ligamentum_flavum_hypertrophy")]


def _lf_thick_enough(f: Facts, g: LevelGroup) -> Tri:
    return any_of(*[over(r.finding.ligamentum_flavum_mm, LIGAMENTUM_FLAVUM_MIN_MM, r.path("ligamentum_flavum_mm"))
                    for r in g.of("ligamentum_flavum_hypertrophy")])


def _non_mild_central_stenosis(f: Facts, g: LevelGroup) -> Tri:
    # An unknown severity is not read as "not mild": that would let a silent report make someone a candidate.
    return any_of(*[Unknown(r.path("severity")) if r.finding.severity is None else r.finding.severity != "mild"
                    for r in g.of("central_stenosis")])


def _disc_or_severe_foraminal(f: Facts, g: LevelGroup) -> Tri:
    return any_of(g.has("disc_herniation"), *(
        Unknown(r.path("severity")) if r.finding.severity is None else r.finding.severity == "severe"
        for r in g.of("foraminal_stenosis")))


def _care_not_failed(f: Facts) -> Tri:
    return negate(f.failed_conservative_care(MILD_WEEKS, need_exercise_and_analgesia=True))


MILD = ProcedureRules(
    procedure="mild",
    indication=Rule(
        "mild.indication", ALWAYS, None,
        "Neurogenic claudication with ligamentum flavum over 2.5 mm and central stenosis after at least 3 months "
        "of failed conservative care including both exercise and analgesia.", "midas-encore"),
    rules=(
        *imaging_rules("mild", Rule(
            "mild.no_lf_hypertrophy",
            When("cross-sectional imaging shows no ligamentum flavum hypertrophy",
                 lambda f: f.cross_sectional_imaging is True and not f.findings_of("ligamentum_flavum_hypertrophy")),
            NOT_CANDIDATE, "Imaging shows no thickened ligamentum flavum, which is what mild removes.",
            "nct00995371", if_unknown=ASK)),
        Rule("mild.no_claudication", When("no neurogenic claudication", lambda f: negate(f.claudication)),
             NOT_CANDIDATE, "mild treats leg pain on walking or standing (neurogenic claudication); you do not "
             "report it.", "midas-encore",
             unknown_text="We don't know whether walking or standing brings on the leg pain (claudication)."),
        Rule("mild.cannot_walk_10_feet",
             When("cannot walk 10 feet unaided",
                  lambda f: negate(is_(f.symptoms.can_walk_10_feet_unaided, "/symptoms/can_walk_10_feet_unaided"))),
             NOT_CANDIDATE, "The trials of mild included only people able to walk 10 feet unaided.", "nct00995371",
             unknown_text="We don't know whether you can walk 10 feet (3 metres) without help."),
        Rule("mild.bleeding_risk",
             When("anticoagulants or a bleeding disorder",
                  lambda f: any_of(is_(f.history.anticoagulants, "/history/anticoagulants"),
                                   is_(f.history.bleeding_disorder, "/history/bleeding_disorder"))),
             NOT_CANDIDATE, "mild is a high-bleeding-risk procedure: not with blood thinners that cannot be paused "
             "or a bleeding disorder.", "nct00995371", if_unknown=ASK),
        Rule("mild.motor_deficit", When("weakness grade <= 3", lambda f: f.severe_weakness),
             NOT_CANDIDATE, "Marked leg weakness needs a surgical decompression, not mild.", "aspn-mist-2022",
             unknown_text="We don't know how strong your legs are; marked weakness would rule mild out."),
        Rule("mild.conservative_care",
             When(f"not {MILD_WEEKS} weeks of failed exercise AND analgesia (none with good relief)",
                  _care_not_failed),
             NOT_CANDIDATE, "At least 3 months of exercise (physiotherapy or home exercise) and pain relief first.",
             "midas-encore",
             unknown_text="We don't know yet whether 3 months of exercise and pain relief have been tried."),
        *surgical_rules("mild", mimics=True, serious_cap=NOT_CANDIDATE),
        Rule("mild.medicare", ALWAYS, None,
             "US Medicare covers mild only for patients meeting the MiDAS ENCORE criteria (age 65 or over).",
             "cms-ncd-150-13"),
        level_rule(id="mild.lf_thickness",
                   when=When(f"ligamentum flavum <= {LIGAMENTUM_FLAVUM_MIN_MM} mm",
                             lambda f, g: negate(_lf_thick_enough(f, g))),
                   then=NOT_CANDIDATE, text="The ligamentum flavum is 2.5 mm or thinner: too thin for mild.",
                   source="nct00995371",
                   unknown_text="The report does not give the ligamentum flavum thickness (mild needs over 2.5 mm)."),
        level_rule(id="mild.no_central_stenosis",
                   when=When("no moderate or severe central stenosis at the level",
                             lambda f, g: negate(_non_mild_central_stenosis(f, g))),
                   then=NOT_CANDIDATE, text="No moderate or severe central stenosis at this level.",
                   source="midas-encore",
                   unknown_text="The report does not say how severe the central stenosis is."),
        level_rule(id="mild.isthmic_slip",
                   when=When("an isthmic slip at the level (unknown type: a specialist confirms)",
                             lambda f, g: isthmic_slip(g, unknown_type_as_degenerative=False)),
                   then=NOT_CANDIDATE, text="An isthmic slip (a break in the vertebra) is not treated by mild.",
                   source="aspn-mist-2022", if_unknown=POSSIBLE,
                   unknown_text="The report does not say what kind of slip this is: read as degenerative, for a "
                                "specialist to confirm."),
        level_rule(id="mild.prior_surgery_at_level",
                   when=When("prior surgery at the level", lambda f, g: f.prior_surgery_at(g.level)),
                   then=NOT_CANDIDATE, text="Previous surgery at this level.", source="nct00995371"),
        level_rule(id="mild.slip_grade_3",
                   when=When("spondylolisthesis grade >= 3",
                             lambda f, g: spondylolisthesis_grade_at_least(g, 3)),
                   then=NOT_CANDIDATE, text="A slip of grade 3 or more.", source="aspn-mist-2022"),
        level_rule(id="mild.slip_grade_2",
                   when=When("spondylolisthesis grade 2", lambda f, g: any(
                       r.finding.grade == 2 for r in g.of("spondylolisthesis"))),
                   then=POSSIBLE, text="A grade 2 slip: sources disagree (grade I vs II), so a specialist decides.",
                   source="aspn-mist-2022"),
        level_rule(id="mild.instability",
                   when=When("dynamic instability at the level", lambda f, g: dynamic_instability(g)),
                   then=NOT_CANDIDATE, text="The spine moves abnormally at this level (instability).",
                   source="aspn-mist-2022"),
        level_rule(id="mild.disc_or_foraminal",
                   when=When("disc herniation or severe foraminal stenosis at the level", _disc_or_severe_foraminal),
                   then=POSSIBLE, text="A disc herniation or severe foraminal narrowing at this level may be the "
                   "real cause.", source="nct00995371", if_unknown=POSSIBLE,
                   unknown_text="The report does not say how severe the foraminal narrowing is; if severe it may "
                                "be the real cause."),
    ),
    levels=_lf_levels,
)
