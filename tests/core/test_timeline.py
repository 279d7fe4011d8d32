"""The recovery timeline in the knowledge base: every milestone is a published figure, converted to days and
never estimated; weak sources are flagged; a broken milestone fails when the knowledge base is loaded."""

from __future__ import annotations

import copy
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.core.errors import KnowledgeError
from spinepath.core.knowledge import KnowledgeBase, load_knowledge, validate
from spinepath.core.knowledge.models import Milestone

EVIDENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "clinical-evidence.md"
FIGURE = r"\d+(?:[.,]\d+)*"
# How a figure as published becomes days.
DAYS_PER_UNIT = {"weeks": 7.0, "days": 1.0, "h": 1 / 24, "min": 1 / (24 * 60)}
# "1–2 weeks", "0.7±1.2 days" (the mean only), "14 days", "56.7 min"; "same day" is day 0.
PUBLISHED = re.compile(rf"({FIGURE})(?:([–±])({FIGURE}))?\s*(weeks|days|h|min)\b")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


def _milestones(kb: KnowledgeBase) -> list[tuple[str, Milestone]]:
    return [(p.id, m) for p in kb.procedures.values() for m in p.timeline]


def _published_days(text: str) -> set[float]:
    """Every figure in ``as_published`` in days; for "mean ± SD" only the mean is a figure to draw."""
    days = {0.0} if "same day" in text.lower() else set()
    for first, joiner, second, unit in PUBLISHED.findall(text):
        days.add(float(first) * DAYS_PER_UNIT[unit])
        if joiner == "–":
            days.add(float(second) * DAYS_PER_UNIT[unit])
    return days


def test_the_shipped_timelines_load_with_figures_where_the_evidence_has_them(kb: KnowledgeBase) -> None:
    with_timeline = {p.id for p in kb.procedures.values() if p.timeline}
    assert with_timeline == set(PROCEDURE_IDS) - {"conservative_care"}


@pytest.mark.parametrize(
    ("procedure_id", "label", "from_days", "to_days"),
    [
        pytest.param("mild", "Home from hospital", 0, 0, id="mild-home-the-same-day"),
        pytest.param("microdiscectomy", "Back to desk work", 7, 42, id="micro-desk-work-spans-both-pages-1-to-6-weeks"),
        pytest.param("microdiscectomy", "Back to physical work", 42, 84, id="micro-physical-work-6-to-12-weeks"),
        pytest.param("mis_decompression", "Home from hospital", 0.7, 0.7, id="mis-decompression-stay-mean-0.7-days"),
        pytest.param("mis_decompression", "Back to work", 14, 14, id="mis-decompression-work-median-14-days"),
        pytest.param("mis_tlif", "Home from hospital", 2.9, 2.9, id="mis-tlif-stay-mean-2.9-days"),
        pytest.param("mis_tlif", "Up and walking", 1.2, 1.2, id="mis-tlif-walking-after-1.2-days"),
        pytest.param("mis_tlif", "Back to work", 25, 25, id="mis-tlif-work-median-25-days"),
    ],
)
def test_milestones_are_the_published_figures(
    kb: KnowledgeBase, procedure_id: str, label: str, from_days: float, to_days: float
) -> None:
    milestone = next(m for m in kb.procedure(procedure_id).timeline if m.label == label)
    assert (milestone.from_days, milestone.to_days) == (from_days, to_days)


def test_a_relative_figure_is_not_turned_into_an_absolute_one(kb: KnowledgeBase) -> None:
    # Endoscopic return to work is only "22.68 days sooner than microdiscectomy" (clinical-evidence.md §6).
    endoscopic = kb.procedure("endoscopic_discectomy")
    assert all("work" not in m.label.lower() for m in endoscopic.timeline)
    assert all("few days" not in m.as_published for m in kb.procedure("mild").timeline)


def test_every_milestone_is_a_valid_range_of_days(kb: KnowledgeBase) -> None:
    for procedure_id, milestone in _milestones(kb):
        assert 0 <= milestone.from_days <= milestone.to_days, (procedure_id, milestone.label)


def test_every_milestone_is_its_published_figure_converted_to_days(kb: KnowledgeBase) -> None:
    for procedure_id, milestone in _milestones(kb):
        published = _published_days(milestone.as_published)
        for days in (milestone.from_days, milestone.to_days):
            assert any(math.isclose(days, figure, abs_tol=1e-9) for figure in published), (
                f"{procedure_id}: {milestone.label}: {days} days is not a figure of {milestone.as_published!r}")


def test_every_timeline_figure_appears_in_the_evidence(kb: KnowledgeBase) -> None:
    if not EVIDENCE.exists():
        pytest.skip("../shared/spec/clinical-evidence.md is not beside the project")
    evidence_figures = set(re.findall(FIGURE, EVIDENCE.read_text(encoding="utf-8")))
    unsourced = [
        (procedure_id, figure)
        for procedure_id, milestone in _milestones(kb)
        for figure in re.findall(FIGURE, milestone.as_published)
        if figure not in evidence_figures
    ]
    assert unsourced == []


def test_weak_milestones_are_flagged(kb: KnowledgeBase) -> None:
    for procedure_id, milestone in _milestones(kb):
        assert milestone.weak == (milestone.strength in ("P", "S")) or milestone.caveat, (procedure_id, milestone)
        assert (milestone.flag is not None) == milestone.weak


def test_practice_page_milestones_say_they_are_weak(kb: KnowledgeBase) -> None:
    desk = next(m for m in kb.procedure("microdiscectomy").timeline if m.label == "Back to desk work")
    assert desk.strength == "P" and desk.weak
    assert desk.flag == "From practice or patient-information pages, not from trials."


# --- broken timelines fail at load time -----------------------------------------------------------------------


def _raw() -> dict[str, Any]:
    data = resources.files("spinepath.core.knowledge").joinpath("data")
    return copy.deepcopy({
        name: yaml.safe_load(data.joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
        for name in ("sources", "procedures", "conditions")
    })


def _first_milestone(raw: dict[str, Any]) -> dict[str, Any]:
    mild = next(p for p in raw["procedures"] if p["id"] == "mild")
    milestone: dict[str, Any] = mild["timeline"][0]
    return milestone


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"from_days": 3, "to_days": 1}, "from_days .* is after to_days", id="range-backwards"),
        pytest.param({"from_days": -1}, "greater than or equal to 0", id="negative-days"),
        pytest.param({"sources": ["practice-mild-amoss"]}, "did you mean 'practice-mild-amos'", id="unknown-source"),
        pytest.param({"weak": False}, "weak by definition", id="practice-page-marked-strong"),
        pytest.param({"from_days": "0"}, "valid number", id="days-as-text"),
    ],
)
def test_a_broken_milestone_fails_when_loaded(change: dict[str, Any], message: str) -> None:
    raw = _raw()
    _first_milestone(raw).update(change)
    with pytest.raises(KnowledgeError, match=message):
        validate(raw)
