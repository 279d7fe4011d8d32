"""Spec §1 rejection rules for ``spinepath.intake/1``.

"A level string outside L1-L2..L5-S1, a NRS outside 0-10, an unknown enum value, a negative duration, an
unknown key (a misspelt bladder_dysfuntion must not be dropped silently), a value of the wrong type (no
coercion: "no" is not false): the input is rejected with a clear error naming the field (JSON pointer), never
guessed and never half-processed. The engine is for adults: age < 18 is rejected with an error that says so."
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from builders import BASELINE, edit, finding, study, with_

from spinepath.core.errors import IntakeError
from spinepath.core.intake import parse_intake


def _problems(doc: dict[str, Any] | str) -> dict[str, str]:
    with pytest.raises(IntakeError) as caught:
        parse_intake(doc)
    problems = caught.value.problems
    assert problems, "a rejection names at least one field"
    for problem in problems:
        assert problem.message.strip()
    return {p.pointer: p.message for p in problems}


REJECTED = [
    # id, pointer, value
    ("age-47.0-is-not-an-integer", "/patient/age", 47.0),
    ("age-as-a-string", "/patient/age", "47"),
    ("no-is-not-false", "/red_flags/fever", "no"),
    ("zero-is-not-false", "/symptoms/numbness", 0),
    ("weakness-grade-4.0-is-not-an-integer", "/symptoms/weakness_grade", 4.0),
    ("weakness-grade-6-is-out-of-range", "/symptoms/weakness_grade", 6),
    ("asa-class-3.0-is-not-an-integer", "/history/asa_class", 3.0),
    ("slip-grade-2.0-is-not-an-integer", "/imaging/0/findings/0/grade", 2.0),
    ("leg-pain-10.5-is-out-of-range", "/symptoms/leg_pain", 10.5),
    ("back-pain-minus-1-is-out-of-range", "/symptoms/back_pain", -1),
    ("negative-duration", "/symptoms/duration_weeks", -1),
    ("level-l6-s1-does-not-exist", "/imaging/0/findings/0/level", "L6-S1"),
    ("unknown-finding-kind", "/imaging/0/findings/0/kind", "herniated_disc"),
    ("unknown-modality", "/imaging/0/modality", "pet"),
    ("unknown-leg-pain-side", "/symptoms/leg_pain_side", "Left"),
    ("unknown-care-outcome", "/conservative_care/0/outcome", "better"),
    ("misspelt-bladder-dysfunction", "/red_flags/bladder_dysfuntion", True),
    ("unknown-top-level-key", "/notes", "hello"),
    ("prior-surgery-level-l6-s1", "/history/prior_lumbar_surgery/0/level", "L6-S1"),
    ("wrong-schema", "/schema", "spinepath.intake/2"),
]


@pytest.mark.parametrize(("pointer", "value"), [row[1:] for row in REJECTED], ids=[row[0] for row in REJECTED])
def test_rejected_with_the_field_named(pointer: str, value: Any) -> None:
    assert pointer in _problems(with_(BASELINE, pointer, value))


def test_a_misspelt_key_is_named_not_dropped() -> None:
    problems = _problems(with_(BASELINE, "/red_flags/bladder_dysfuntion", True))
    assert list(problems) == ["/red_flags/bladder_dysfuntion"]


@pytest.mark.parametrize("age", [17, 0, 5], ids=["17", "0", "5"])
def test_children_are_rejected_with_a_message_saying_why(age: int) -> None:
    message = _problems(with_(BASELINE, "/patient/age", age))["/patient/age"].lower()
    assert "adult" in message or "paediatric" in message or "18" in message


def test_age_18_is_accepted() -> None:
    assert parse_intake(with_(BASELINE, "/patient/age", 18)).patient.age == 18


def test_several_errors_are_all_reported() -> None:
    doc = edit(
        BASELINE,
        {
            "/patient/age": 47.0,
            "/red_flags/fever": "no",
            "/red_flags/bladder_dysfuntion": True,
            "/symptoms/leg_pain": 10.5,
            "/symptoms/duration_weeks": -2,
            "/imaging/0/findings/0/level": "L6-S1",
        },
    )
    assert set(_problems(doc)) >= {
        "/patient/age",
        "/red_flags/fever",
        "/red_flags/bladder_dysfuntion",
        "/symptoms/leg_pain",
        "/symptoms/duration_weeks",
        "/imaging/0/findings/0/level",
    }


def test_a_json_text_is_validated_the_same_way() -> None:
    assert "/patient/age" in _problems(json.dumps(with_(BASELINE, "/patient/age", 47.0)))


def test_missing_schema_is_rejected() -> None:
    doc = dict(BASELINE)
    del doc["schema"]
    assert "/schema" in _problems(doc)


def test_everything_unknown_is_valid() -> None:
    """§1: "Every field may be missing or null = unknown"."""
    parse_intake({"schema": "spinepath.intake/1"})


def test_nulls_everywhere_are_valid() -> None:
    doc = {
        "schema": "spinepath.intake/1",
        "patient": {"age": None},
        "symptoms": {"leg_pain": None},
        "red_flags": {"saddle_anaesthesia": None},
        "conservative_care": None,
        "imaging": None,
        "history": {"asa_class": None},
    }
    parse_intake(doc)


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("/symptoms/leg_pain", 7.5),
        ("/symptoms/leg_pain", 10),
        ("/symptoms/duration_weeks", 0),
        ("/imaging/0/months_ago", 0.5),
        ("/patient/weight_kg", 70.5),
    ],
    ids=["nrs-7.5", "nrs-10", "duration-0", "months-ago-0.5", "weight-70.5"],
)
def test_numbers_take_any_value_in_range(pointer: str, value: float) -> None:
    """§1: "NRS scores and measurements take any number in range"."""
    parse_intake(with_(BASELINE, pointer, value))


def test_the_baseline_with_every_finding_detail_is_valid() -> None:
    parse_intake(
        with_(
            BASELINE,
            "/imaging/-",
            study(
                "xray_flexion_extension",
                finding("L4-L5", "spondylolisthesis", grade=1, slip_type="isthmic"),
                finding("L4-L5", "dynamic_instability", translation_mm=4.5),
            ),
        )
    )
