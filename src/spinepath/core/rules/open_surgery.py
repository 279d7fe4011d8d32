"""Spec §3.4 open surgery (open decompression, fusion or deformity correction): a specialist evaluation,
so at best ``possible``."""

from __future__ import annotations

from ..logic import Tri, Unknown, all_of, any_of
from .base import ALWAYS, ASK, NOT_CANDIDATE, POSSIBLE, Rule, When, level_rule
from .common import imaging_rules, stenosis_levels, surgical_rules
from .definitions import SERIOUS_KINDS, STENOSIS_KINDS, Facts, LevelGroup, spondylolisthesis_grade_at_least
from .procedure import ProcedureRules

MULTILEVEL_STENOSIS = 3


def _scoliosis_over_20_here(g: LevelGroup) -> Tri:
    return any_of(*[Unknown(r.path("cobb_degrees")) if r.finding.cobb_degrees is None
                    else r.finding.cobb_degrees > 20 for r in g.of("scoliosis")])


# Each indication rests on one of these findings at the level: without any of them there is none.
_INDICATION_KINDS = frozenset({"spondylolisthesis", "scoliosis", *STENOSIS_KINDS, *SERIOUS_KINDS})


def level_indication(f: Facts, g: LevelGroup) -> Tri:
    if g.kinds.isdisjoint(_INDICATION_KINDS):
        return False
    return any_of(
        spondylolisthesis_grade_at_least(g, 3),
        all_of(_scoliosis_over_20_here(g), bool(f.findings_of(*STENOSIS_KINDS))),
        all_of(g.has(*STENOSIS_KINDS), len(stenosis_levels(f)) >= MULTILEVEL_STENOSIS, f.claudication_or_radicular),
        g.has(*SERIOUS_KINDS),
    )


def _indicated_levels(f: Facts) -> list[LevelGroup]:
    levels: list[LevelGroup] = f.once(_indicated_levels, lambda: [
        g for g in f.levels if level_indication(f, g) is not False])
    return levels


OPEN_SURGERY = ProcedureRules(
    procedure="open_surgery",
    indication=Rule("open_surgery.indication", ALWAYS, None,
                    "Open surgery is considered for a slip of grade 3 or more, scoliosis over 20 degrees with "
                    "stenosis, stenosis at 3 or more levels, or a tumour, infection or fracture.", "nass-lss-2011"),
    rules=(
        *imaging_rules("open_surgery", Rule(
            "open_surgery.no_indication",
            When("cross-sectional imaging and none of the indications for open surgery",
                 lambda f: f.cross_sectional_imaging is True and not _indicated_levels(f)),
            NOT_CANDIDATE, "None of the indications for open surgery.", "nass-lss-2011", if_unknown=ASK)),
        Rule("open_surgery.specialist_evaluation", ALWAYS, POSSIBLE,
             "Open surgery is decided in a specialist evaluation.", "nass-lss-2011"),
        *surgical_rules("open_surgery", mimics=False),
        level_rule(id="open_surgery.level_indication",
                   when=When("an indication for open surgery at this level", level_indication), then=None,
                   text="An indication for open surgery at this level.", source="nass-lss-2011",
                   unknown_text="The report lacks a detail (slip grade or scoliosis angle) needed to tell whether "
                                "open surgery is indicated."),
    ),
    levels=_indicated_levels,
)
