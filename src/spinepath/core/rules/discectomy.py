"""Spec §3.4 microdiscectomy (open/microscopic or tubular) and endoscopic discectomy.

Both need a concordant disc herniation on cross-sectional imaging and a radicular picture, then either
6 weeks of failed conservative care or a motor deficit.
"""

from __future__ import annotations

from ..logic import Tri, Unknown, all_of, any_of, negate
from .base import ALWAYS, ASK, INSUFFICIENT, NOT_CANDIDATE, POSSIBLE, Rule, When, level_rule
from .common import imaging_rules, surgical_rules
from .definitions import Facts, LevelGroup, concordance
from .procedure import ProcedureRules

DISCECTOMY_WEEKS = 6  # sport-ldh, acr-lbp-2021, acp-aps-2007


def _herniation_levels(f: Facts) -> list[LevelGroup]:
    return [g for g in f.levels if g.has("disc_herniation")]


def _concordant(f: Facts, g: LevelGroup) -> Tri:
    return any_of(*[concordance(h, f.symptoms.leg_pain_side) for h in g.of("disc_herniation")])


def _only_mild_protrusions(f: Facts, g: LevelGroup) -> Tri:
    """A mild protrusion caps only when both type and severity are known (§3.3); when either is unknown the
    rule asks for it (listed in ``missing``) instead of silently reading it as "not a mild protrusion"."""
    facts: list[Tri] = []
    for h in g.of("disc_herniation"):
        kind, severity = h.finding.herniation_type, h.finding.severity
        if (kind is not None and kind != "protrusion") or (severity is not None and severity != "mild"):
            facts.append(False)
        elif kind is None or severity is None:
            facts.append(Unknown(*(h.path(n) for n, v in (("herniation_type", kind), ("severity", severity))
                                   if v is None)))
        else:
            facts.append(True)
    return all_of(*facts)


def _sequestration(f: Facts, g: LevelGroup) -> Tri:
    return any_of(*[Unknown(h.path("herniation_type")) if h.finding.herniation_type is None
                    else h.finding.herniation_type == "sequestration" for h in g.of("disc_herniation")])


def _care_not_tried(f: Facts) -> Tri:
    return all_of(f.care == [], negate(f.motor_deficit)) if f.care is not None else False


def _care_not_failed(f: Facts) -> Tri:
    if f.care is not None and not f.care:
        return False  # the "try conservative care first" rule speaks for an empty list
    return negate(any_of(f.failed_conservative_care(DISCECTOMY_WEEKS), f.motor_deficit))


# The conditions are shared by microdiscectomy and endoscopic discectomy: one When each, so that the engine
# evaluates each once per intake (it memoises by condition) and both tables read the same answer.
NO_HERNIATION = When("cross-sectional imaging shows no disc herniation",
                     lambda f: all_of(f.cross_sectional_imaging, not f.findings_of("disc_herniation")))
NO_RADICULAR_PICTURE = When("no radicular picture", lambda f: negate(f.radicular_picture))
CARE_NOT_TRIED = When("conservative care list is empty and no motor deficit", _care_not_tried)
CARE_NOT_FAILED = When(f"neither {DISCECTOMY_WEEKS} weeks of failed conservative care nor a motor deficit",
                       _care_not_failed)
NOT_CONCORDANT = When("herniation on the other side from the leg pain", lambda f, g: negate(_concordant(f, g)))
ONLY_MILD_PROTRUSIONS = When("only a mild protrusion", _only_mild_protrusions)
PRIOR_DISCECTOMY_HERE = When("a prior discectomy at this level", lambda f, g: f.prior_surgery_at(g.level, "discectomy"))


def discectomy_rules(procedure: str) -> tuple[Rule, ...]:
    return (
        *imaging_rules(procedure, Rule(
            f"{procedure}.no_herniation",
            NO_HERNIATION,
            NOT_CANDIDATE, "Imaging shows no disc herniation.", "nass-ldh-2014", if_unknown="ask")),
        Rule(f"{procedure}.no_radicular_picture", NO_RADICULAR_PICTURE,
             NOT_CANDIDATE, "The pain pattern is not that of a trapped nerve root (sciatica).", "nass-ldh-2014",
             unknown_text="We can't tell yet whether the pain is that of a trapped nerve root (sciatica)."),
        Rule(f"{procedure}.conservative_care_not_tried",
             CARE_NOT_TRIED,
             NOT_CANDIDATE, "Try conservative care first (physiotherapy, staying active, pain relief).", "nice-ng59"),
        Rule(f"{procedure}.conservative_care",
             CARE_NOT_FAILED,
             NOT_CANDIDATE, f"Continue conservative care until {DISCECTOMY_WEEKS} weeks: most sciatica settles "
             "without an operation.", "sport-ldh",
             unknown_text="We don't know yet whether conservative care has been tried for long enough "
                          f"({DISCECTOMY_WEEKS} weeks)."),
        *surgical_rules(procedure, mimics=False),
        level_rule(id=f"{procedure}.not_concordant",
                   when=NOT_CONCORDANT,
                   then=NOT_CANDIDATE, text="The herniation is not on the side of the leg pain.",
                   source="nass-ldh-2014", if_unknown=POSSIBLE,
                   unknown_text="We can't match the side of the herniation to the side of the leg pain: a "
                                "specialist checks that they fit."),
        level_rule(id=f"{procedure}.mild_protrusion",
                   when=ONLY_MILD_PROTRUSIONS,
                   then=POSSIBLE, text="A mild protrusion is often seen in people without pain: a specialist "
                   "judges whether it explains the symptoms.", source="nass-ldh-2014", if_unknown=ASK),
        level_rule(id=f"{procedure}.recurrent_herniation",
                   when=PRIOR_DISCECTOMY_HERE,
                   then=POSSIBLE, text="A herniation again at an operated level: a repeat discectomy is usual; "
                   "fusion is considered after a second recurrence or with instability.", source="nass-ldh-2014",
                   if_unknown=POSSIBLE),
    )


MICRODISCECTOMY = ProcedureRules(
    procedure="microdiscectomy",
    indication=Rule("microdiscectomy.indication", ALWAYS, None,
                    "A disc herniation on the side of the leg pain, with sciatica, after at least 6 weeks of failed "
                    "conservative care or with a motor deficit.", "sport-ldh"),
    rules=discectomy_rules("microdiscectomy"),
    levels=_herniation_levels,
)

ENDOSCOPIC_DISCECTOMY = ProcedureRules(
    procedure="endoscopic_discectomy",
    indication=Rule("endoscopic_discectomy.indication", ALWAYS, None,
                    "A disc herniation on the side of the leg pain, with sciatica, after at least 6 weeks of failed "
                    "conservative care or with a motor deficit.", "sport-ldh"),
    rules=(
        *discectomy_rules("endoscopic_discectomy"),
        Rule("endoscopic_discectomy.recurrence", ALWAYS, None,
             "Endoscopic discectomy has a higher recurrence and revision rate than microscopic discectomy.",
             "nass-ldh-2014"),
        level_rule(id="endoscopic_discectomy.sequestration",
                   when=When("a sequestrated fragment", _sequestration),
                   then=POSSIBLE, text="A sequestrated (free) fragment may be hard to reach endoscopically.",
                   source="nass-ldh-2014", if_unknown=ASK),
        level_rule(id="endoscopic_discectomy.l5_s1_foraminal",
                   when=When("level L5-S1", lambda f, g: g.level == "L5-S1"), then=None,
                   text="At L5-S1 the pelvis can block a foraminal approach: the surgeon judges the route.",
                   source="nass-ldh-2014"),
    ),
    levels=_herniation_levels,
)

__all__ = ["ENDOSCOPIC_DISCECTOMY", "INSUFFICIENT", "MICRODISCECTOMY"]
