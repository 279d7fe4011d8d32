"""The shared clinical definitions of spec §3.3, computed once per intake.

Each definition is a plain function or property over the intake returning a three-valued fact
(:mod:`spinepath.core.logic`). The rule tables name these; thresholds carry their source id in a comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

from ..intake import LEVELS, ConservativeCareEntry, Finding, ImagingStudy, Intake, Level
from ..logic import Tri, Unknown, all_of, any_of, at_least, below, is_, negate


class cached_property:
    """functools.cached_property without its per-access lock (Python 3.11 takes an RLock on every first
    access); Facts lives on one thread for one assessment, and the lock costs a fifth of the engine's time."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.function(instance)
        instance.__dict__[self.name] = value
        return value


CROSS_SECTIONAL = frozenset({"mri", "ct", "ct_myelogram"})
# §3.3: plain x-ray findings count only for these kinds, at any age.
STRUCTURAL_KINDS = frozenset({"spondylolisthesis", "dynamic_instability", "scoliosis"})
# §3.3: these count from any modality and any age (an older one does not raise urgency, §3.1).
SERIOUS_KINDS = frozenset({"fracture", "tumour", "infection"})
STENOSIS_KINDS = frozenset(
    {"central_stenosis", "lateral_recess_stenosis", "foraminal_stenosis", "ligamentum_flavum_hypertrophy",
     "synovial_cyst"}
)
EXERCISE_KINDS = frozenset({"physiotherapy", "home_exercise"})
ANALGESIA_KINDS = frozenset({"analgesics", "nsaids"})

CROSS_SECTIONAL_MAX_MONTHS = 12  # §3.3 (acr-lbp-2021)
CURRENT_FINDING_MAX_MONTHS = 3  # §3.1: a "current" fracture/tumour/infection


class FindingRef(NamedTuple):
    """One finding in the intake, with where it is (for JSON pointers) and the study it came from.

    ``kind`` and ``level`` are copied from the finding: the rules read them for every finding of every level,
    and a tuple field is much cheaper to read than a property. Immutable, like the finding itself.
    """

    study_index: int
    finding_index: int
    study: ImagingStudy
    finding: Finding
    kind: str | None
    level: Level | None

    def path(self, name: str | None = None) -> str:
        base = f"/imaging/{self.study_index}/findings/{self.finding_index}"
        return f"{base}/{name}" if name else base


@dataclass(slots=True)
class LevelGroup:
    """The usable findings at one level (``level`` None: findings whose level was not reported)."""

    level: Level | None
    findings: list[FindingRef] = field(default_factory=list)
    kinds: set[str | None] = field(default_factory=set)  # the kinds of ``findings``, kept by ``add``

    def add(self, ref: FindingRef) -> None:
        self.findings.append(ref)
        self.kinds.add(ref.kind)

    def of(self, *kinds: str) -> list[FindingRef]:
        if self.kinds.isdisjoint(kinds):
            return []
        return [f for f in self.findings if f.kind in kinds]

    def has(self, *kinds: str) -> bool:
        return not self.kinds.isdisjoint(kinds)


_LEVELS_THEN_UNKNOWN: tuple[Level | None, ...] = (*LEVELS, None)  # the order of Facts.levels


_UNKNOWN_IMAGING = Unknown("/imaging")
_UNKNOWN_SURGERY = Unknown("/history/prior_lumbar_surgery")
_finding_ref = partial(tuple.__new__, FindingRef)  # FindingRef((...)) without the Python-level __new__


class Facts:
    """Everything the rules read, derived once from an intake. Pure: no clock, no I/O."""

    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.patient = intake.patient
        self.symptoms = intake.symptoms
        self.red_flags = intake.red_flags
        self.history = intake.history
        self.care: Sequence[ConservativeCareEntry] | None = intake.conservative_care
        self.studies: Sequence[ImagingStudy] = intake.imaging or ()
        self._read_symptoms()
        self._read_imaging()
        self.prior_surgery = self.history.prior_lumbar_surgery or ()
        # Set by the engine once §3.1 has run: a few procedure rules depend on it (conservative care).
        self.urgency: str = "routine"
        # Derived facts asked for by several tables, computed once per intake (see `once`).
        self.memo: dict[object, Any] = {}
        self._failed_care: dict[tuple[float, bool], Tri] = {}

    def _read_imaging(self) -> None:
        """One pass over the studies and their findings: the findings, those that count and their levels (§3.3),
        the serious ones (§3.1, §3.3), and what cannot be read. Every red flag and most procedure rules ask."""
        if not self.studies:  # no imaging, or not known: nothing to read
            self.all_findings = self.usable = []
            self._usable_kinds: set[str | None] = set()
            self.levels: list[LevelGroup] = []
            self.serious_finding: Tri = False
            self._current_serious_kinds: set[str | None] = set()
            self._current_unread: Tri = False
            self.unreadable_findings: list[str] = []
            self.cross_sectional_imaging: Tri = _UNKNOWN_IMAGING if self.intake.imaging is None else False
            self.has_old_cross_sectional_only = False
            self.undated_scans: list[str] = []
            return
        refs: list[FindingRef] = []
        usable: list[FindingRef] = []
        usable_kinds: set[str | None] = set()
        groups: dict[Level | None, LevelGroup] = {}
        current_serious: set[str | None] = set()
        serious = False
        # What we cannot read, in the order the rules list it: studies without findings, then findings without
        # a kind; for §3.1 only those on a current study (CURRENT_FINDING_MAX_MONTHS or unknown age).
        no_findings: list[str] = []
        no_findings_current: list[str] = []
        no_modality: list[str] = []
        no_kind: list[str] = []
        no_kind_current: list[str] = []
        no_level: list[str] = []
        reported = False  # a current cross-sectional study with its findings
        undated: list[str] = []  # MRI/CT studies of unknown age (they count as current, §3.3)
        waiting: list[str] = []  # what would tell whether there is one
        any_cross_sectional = False
        for i, study in enumerate(self.studies):
            findings = study.findings
            modality = study.modality
            months_ago = study.months_ago
            current_study = months_ago is None or months_ago <= CURRENT_FINDING_MAX_MONTHS
            # Cross-sectional imaging = an MRI, CT or CT myelogram of at most 12 months (unknown age counts as
            # current, §3.3); everything on it counts. Plain films, old studies and studies of unknown modality
            # still show structural and serious findings.
            current = False
            if modality in CROSS_SECTIONAL:
                any_cross_sectional = True
                current = months_ago is None or months_ago <= CROSS_SECTIONAL_MAX_MONTHS
                if months_ago is None:
                    undated.append(f"/imaging/{i}/months_ago")
                if current:
                    if findings is None:
                        waiting.append(f"/imaging/{i}/findings")
                    else:
                        reported = True
            elif modality is None:
                waiting.append(f"/imaging/{i}/modality")
            if findings is None:
                no_findings.append(f"/imaging/{i}/findings")
                if current_study:
                    no_findings_current.append(f"/imaging/{i}/findings")
                continue
            if not findings:
                continue
            if modality is None:
                no_modality.append(f"/imaging/{i}/modality")
            for j, finding in enumerate(findings):
                kind = finding.kind
                level = finding.level
                ref = _finding_ref((i, j, study, finding, kind, level))
                refs.append(ref)
                if kind in SERIOUS_KINDS:
                    serious = True
                    if current_study:
                        current_serious.add(kind)
                else:
                    if kind is None:
                        no_kind.append(ref.path("kind"))
                        if current_study:
                            no_kind_current.append(ref.path("kind"))
                    if not current and kind not in STRUCTURAL_KINDS:
                        continue  # does not count for the procedure rules
                usable.append(ref)
                usable_kinds.add(kind)
                if level is None:
                    no_level.append(ref.path("level"))
                group = groups.get(level)
                if group is None:
                    groups[level] = LevelGroup(level, [ref], {kind})
                else:
                    group.findings.append(ref)
                    group.kinds.add(kind)
        self.all_findings = refs
        self.usable = usable
        self._usable_kinds = usable_kinds
        self.levels = (  # in LEVELS order, the unknown level last
            [groups[level] for level in _LEVELS_THEN_UNKNOWN if level in groups] if len(groups) > 1
            else list(groups.values()))
        self.serious_finding = serious
        self._current_serious_kinds = current_serious
        unread = no_findings_current + no_kind_current
        self._current_unread = Unknown(*unread) if unread else False
        # Pointers of what we cannot read in the imaging: a study whose findings were not given, a study of unknown
        # modality, a finding of unknown kind or of unknown level. Any of them could hide an exclusion.
        self.unreadable_findings = no_findings + no_modality + no_kind + no_level
        # A current MRI, CT or CT myelogram whose findings are reported (§3.3); unknown while a current study's
        # findings or a study's modality are missing, or when nothing is known about imaging at all.
        self.cross_sectional_imaging = True if reported else (
            _UNKNOWN_IMAGING if self.intake.imaging is None else Unknown(*waiting) if waiting else False)
        self.has_old_cross_sectional_only = not reported and any_cross_sectional
        self.undated_scans = undated

    def once(self, key: object, compute: Callable[[], Any]) -> Any:
        memo = self.memo
        if key in memo:
            return memo[key]
        value = memo[key] = compute()
        return value

    # ----- symptoms -------------------------------------------------------------------------------------
    def p(self, section: str, name: str) -> str:
        return f"/{section}/{name}"

    def _read_symptoms(self) -> None:
        """The symptom facts every assessment asks for (the red flags of §3.1 read all of them), in one go."""
        s = self.symptoms
        weakness = below(s.weakness_grade, 5, "/symptoms/weakness_grade")  # MRC/Oxford 5 = normal
        marked_weakness = below(s.weakness_grade, 4, "/symptoms/weakness_grade")  # <= 3: foot drop (NHS Lothian)
        progressing = is_(s.weakness_progressing, "/symptoms/weakness_progressing")
        numbness = is_(s.numbness, "/symptoms/numbness")
        self.severe_weakness: Tri = marked_weakness
        self.motor_deficit: Tri = any_of(marked_weakness, progressing)
        self.neurological_symptoms: Tri = any_of(weakness, progressing, numbness)
        self.claudication: Tri = is_(s.claudication, "/symptoms/claudication")
        # Pain of under 6 weeks; unknown duration counts as new (§3.1).
        self.new_pain: Tri = True if s.duration_weeks is None else s.duration_weeks < 6
        self._numbness_or_weakness = any_of(numbness, weakness)  # half of the radicular picture

    @cached_property
    def radicular_picture(self) -> Tri:
        s = self.symptoms
        if s.leg_pain is None or s.back_pain is None:
            leg_dominant: Tri = Unknown(*(p for p, v in (("/symptoms/leg_pain", s.leg_pain),
                                                         ("/symptoms/back_pain", s.back_pain)) if v is None))
        else:
            leg_dominant = s.leg_pain >= s.back_pain
        side = self.symptoms.leg_pain_side
        leg_side_known: Tri = Unknown("/symptoms/leg_pain_side") if side is None else side != "none"
        return any_of(
            all_of(leg_dominant, is_(s.leg_pain_below_knee, "/symptoms/leg_pain_below_knee")),
            all_of(leg_side_known, self._numbness_or_weakness),
        )

    @cached_property
    def claudication_or_radicular(self) -> Tri:
        return any_of(self.claudication, self.radicular_picture)

    @cached_property
    def significant_symptoms(self) -> Tri:
        s = self.symptoms
        return any_of(
            at_least(s.leg_pain, 4, "/symptoms/leg_pain"),
            all_of(self.claudication, below(s.walking_tolerance_minutes, 30, "/symptoms/walking_tolerance_minutes")),
        )

    @cached_property
    def mimic(self) -> Tri:
        s = self.symptoms
        return any_of(
            is_(s.hip_or_groin_pain, "/symptoms/hip_or_groin_pain"),
            is_(s.peripheral_arterial_disease, "/symptoms/peripheral_arterial_disease"),
            is_(s.hand_symptoms_or_imbalance, "/symptoms/hand_symptoms_or_imbalance"),
        )

    # ----- imaging --------------------------------------------------------------------------------------
    def findings_of(self, *kinds: str) -> list[FindingRef]:
        if self._usable_kinds.isdisjoint(kinds):
            return []
        return [r for r in self.usable if r.kind in kinds]

    def current_finding(self, kind: str) -> Tri:
        """A current fracture/tumour/infection finding (§3.1). A report we cannot read (findings not given, or a
        finding of unknown kind) on a current study is a question, not a "no"."""
        return True if kind in self._current_serious_kinds else self._current_unread

    @cached_property
    def open_surgery_is_elective(self) -> Tri:
        """§3.3: fitness modifiers do not apply to open surgery done for a tumour, infection or fracture."""
        return negate(self.serious_finding)

    # ----- conservative care ----------------------------------------------------------------------------
    def failed_conservative_care(self, weeks: float, *, need_exercise_and_analgesia: bool = False) -> Tri:
        """§3.3 "failed conservative care for W weeks"; with MiDAS ENCORE's extra demands for mild (§3.4)."""
        # Asked by four tables and the next step, for three durations: computed once per question.
        key = (weeks, need_exercise_and_analgesia)
        failed = self._failed_care.get(key)
        if failed is None:
            failed = self._failed_care[key] = self._failed(weeks, need_exercise_and_analgesia)
        return failed

    def _failed(self, weeks: float, need_exercise_and_analgesia: bool) -> Tri:
        # A Kleene AND is False as soon as one part is known False, whatever the others are: each part is checked
        # before the next is computed (same answer, and the same missing paths, as all_of over every part).
        care = self.care
        if care is None:
            return Unknown("/conservative_care")
        if not care:
            return False
        if need_exercise_and_analgesia:
            failed = self.failed_conservative_care(weeks)
            if failed is False:
                return False
            exercise = self._tried(EXERCISE_KINDS)
            if exercise is False:
                return False
            analgesia = self._tried(ANALGESIA_KINDS)
            if analgesia is False:
                return False
            return all_of(failed, exercise, analgesia, negate(self._relieved(EXERCISE_KINDS | ANALGESIA_KINDS)))
        outcomes, not_good, no_good_relief_while_mild = self._care_outcomes
        if not_good is False or no_good_relief_while_mild is False:
            return False
        duration = self.symptoms.duration_weeks
        if duration is not None and duration >= weeks:
            long_enough: Tri = True  # the pain has lasted long enough: the entries' weeks cannot change that
        else:
            long_enough = any_of(at_least(duration, weeks, "/symptoms/duration_weeks"), *[
                all_of(outcome, at_least(entry.weeks, weeks, f"/conservative_care/{n}/weeks"))
                for n, (entry, outcome) in enumerate(zip(care, outcomes, strict=True))])
        return all_of(not_good, no_good_relief_while_mild, long_enough)

    @cached_property
    def _care_outcomes(self) -> tuple[list[Tri], Tri, Tri]:
        """The parts of "failed conservative care" that do not depend on the weeks asked for (computed once):
        each entry's "not good relief", whether any was not good, and that none gave good relief while the leg
        pain is mild."""
        assert self.care is not None
        outcomes: list[Tri] = [
            Unknown(f"/conservative_care/{n}/outcome") if entry.outcome is None else entry.outcome != "good_relief"
            for n, entry in enumerate(self.care)]
        mild_leg_pain = below(self.symptoms.leg_pain, 4, "/symptoms/leg_pain")
        if mild_leg_pain is False:
            return outcomes, any_of(*outcomes), True  # no entry can have given good relief while the pain is mild
        good_while_mild = [all_of(negate(outcome), mild_leg_pain) for outcome in outcomes]
        return outcomes, any_of(*outcomes), negate(any_of(*good_while_mild))

    def _tried(self, kinds: frozenset[str]) -> Tri:
        assert self.care is not None
        return any_of(*[
            Unknown(f"/conservative_care/{n}/kind") if e.kind is None else e.kind in kinds
            for n, e in enumerate(self.care)
        ])

    def _relieved(self, kinds: frozenset[str]) -> Tri:
        assert self.care is not None
        return any_of(*[
            all_of(
                Unknown(f"/conservative_care/{n}/kind") if e.kind is None else e.kind in kinds,
                Unknown(f"/conservative_care/{n}/outcome") if e.outcome is None else e.outcome == "good_relief",
            )
            for n, e in enumerate(self.care)
        ])

    # ----- prior surgery ----------------------------------------------------------------------------------
    def prior_surgery_at(self, level: Level | None, *procedures: str) -> Tri:
        """Whether a prior operation (of the given kinds; any kind if none given) was done at ``level``.
        An unknown surgical history is unknown, never "no previous surgery"."""
        if self.history.prior_lumbar_surgery is None:
            return _UNKNOWN_SURGERY
        if not self.prior_surgery:
            return False
        result: list[Tri] = []
        for n, op in enumerate(self.prior_surgery):
            kind: Tri = True if not procedures else (
                Unknown(f"/history/prior_lumbar_surgery/{n}/procedure") if op.procedure is None
                else op.procedure in procedures)
            where: Tri = (Unknown(f"/history/prior_lumbar_surgery/{n}/level") if op.level is None or level is None
                          else op.level == level)
            result.append(all_of(kind, where))
        return any_of(*result)

    def operated_at_least(self, level: Level | None, procedure: str, times: int) -> Tri:
        if self.history.prior_lumbar_surgery is None:
            return _UNKNOWN_SURGERY
        count = sum(1 for op in self.prior_surgery if op.level == level and level is not None
                    and op.procedure == procedure) if self.prior_surgery else 0
        return count >= times

    # ----- fitness ----------------------------------------------------------------------------------------
    @cached_property
    def bmi(self) -> float | None:
        h, w = self.patient.height_cm, self.patient.weight_kg
        if h is None or w is None:
            return None
        return w / (h / 100) ** 2


def adjacent(level: Level, other: Level) -> bool:
    return abs(LEVELS.index(level) - LEVELS.index(other)) == 1


def concordance(ref: FindingRef, leg_pain_side: str | None) -> Tri:
    """§3.3 concordant herniation: side matches leg_pain_side; unknown sides are only *possibly* concordant."""
    side = ref.finding.side
    missing = [p for p, v in ((ref.path("side"), side), ("/symptoms/leg_pain_side", leg_pain_side)) if v is None]
    if leg_pain_side == "none":
        return False
    if missing:
        return Unknown(*missing)
    if side in ("central", "bilateral"):
        return True
    return side == leg_pain_side


def spondylolisthesis_grade_at_least(group: LevelGroup, grade: int) -> Tri:
    if "spondylolisthesis" not in group.kinds:
        return False
    return any_of(*[at_least(r.finding.grade, grade, r.path("grade")) for r in group.of("spondylolisthesis")])


def spondylolisthesis_grade_between(group: LevelGroup, low: int, high: int) -> Tri:
    if "spondylolisthesis" not in group.kinds:
        return False
    return any_of(*[
        Unknown(r.path("grade")) if r.finding.grade is None else low <= r.finding.grade <= high
        for r in group.of("spondylolisthesis")
    ])


def isthmic_slip(group: LevelGroup, *, unknown_type_as_degenerative: bool,
                 grades: Iterable[int] | None = None) -> Tri:
    """An isthmic slip at the level, optionally of the given grades.

    The spec reads an unknown ``slip_type`` as degenerative (§1). Where an isthmic slip would *exclude* a
    procedure, that reading could turn "not suitable" into "suitable" merely because the report was silent,
    so callers there pass ``unknown_type_as_degenerative=False`` and get an Unknown to cap on instead.
    """
    if "spondylolisthesis" not in group.kinds:
        return False
    wanted = set(grades) if grades is not None else None
    facts: list[Tri] = []
    for r in group.of("spondylolisthesis"):
        slip_type = r.finding.slip_type
        if slip_type is None and not unknown_type_as_degenerative:
            is_isthmic: Tri = Unknown(r.path("slip_type"))
        else:
            is_isthmic = slip_type == "isthmic"
        if wanted is None:
            facts.append(is_isthmic)
        else:
            grade_ok: Tri = Unknown(r.path("grade")) if r.finding.grade is None else r.finding.grade in wanted
            facts.append(all_of(is_isthmic, grade_ok))
    return any_of(*facts)


def unmeasured_translation(group: LevelGroup) -> Tri:
    """Instability reported without its translation: it counts (§3.3), and the measurement is asked for."""
    if "dynamic_instability" not in group.kinds:
        return False
    paths = [r.path("translation_mm") for r in group.of("dynamic_instability") if r.finding.translation_mm is None]
    return Unknown(*paths) if paths else False


def dynamic_instability(group: LevelGroup) -> Tri:
    """§3.3: counts unless its translation_mm is known and <= 3 (NASS fusion criteria)."""
    if "dynamic_instability" not in group.kinds:
        return False
    return any(
        r.finding.translation_mm is None or r.finding.translation_mm > 3
        for r in group.of("dynamic_instability")
    )
