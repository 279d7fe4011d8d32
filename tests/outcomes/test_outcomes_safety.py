"""Post-operative safety screen: each warning sign raises its alert; unknown is never read as 'no'."""

from __future__ import annotations

import pytest

from spinepath.core.assessment import SAFETY_NET
from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import AnswerError, load_catalogue, screen

QUESTIONS = [q.id for q in load_catalogue().safety.questions]
ALL_NO = dict.fromkeys(QUESTIONS, False)


@pytest.mark.parametrize(
    ("yes", "level", "first_rule"),
    [
        pytest.param(["saddle_numbness"], "emergency", "post_op.saddle_numbness", id="saddle-numbness-emergency"),
        pytest.param(["bladder_change"], "emergency", "post_op.bladder_change", id="bladder-change-emergency"),
        pytest.param(["bowel_change"], "emergency", "post_op.bowel_change", id="bowel-change-emergency"),
        pytest.param(["new_weakness"], "emergency", "post_op.new_weakness", id="new-weakness-emergency"),
        pytest.param(["fever"], "urgent", "post_op.fever", id="fever-alone-urgent"),
        pytest.param(["wound_problem"], "urgent", "post_op.wound_problem", id="wound-problem-urgent"),
        pytest.param(["fever", "new_weakness"], "emergency", "post_op.new_weakness",
                     id="fever-with-weakness-emergency"),
        pytest.param(["wound_problem", "bladder_change"], "emergency", "post_op.bladder_change",
                     id="emergency-outranks-urgent"),
    ],
)
def test_each_warning_sign_raises_its_alert(yes, level, first_rule):
    result = screen(ALL_NO | dict.fromkeys(yes, True))
    assert result.level == level
    assert result.alerts[0].rule == first_rule
    assert result.complete and result.safety_net == SAFETY_NET
    if level == "emergency":
        assert result.advice == "Go to an emergency department now."


def test_fever_with_weakness_names_the_abscess_rule_too():
    rules = [a.rule for a in screen(ALL_NO | {"fever": True, "new_weakness": True}).alerts]
    assert "post_op.fever_with_weakness" in rules and "post_op.fever" in rules


def test_all_no_is_routine():
    result = screen(ALL_NO)
    assert (result.level, result.alerts, result.unanswered) == ("routine", (), ())


@pytest.mark.parametrize("unknown", QUESTIONS)
def test_an_unanswered_question_is_never_read_as_no(unknown):
    result = screen(ALL_NO | {unknown: None})
    assert result.level == "incomplete"
    assert result.unanswered == (unknown,) and not result.complete
    assert result.safety_net == SAFETY_NET


def test_an_alert_is_raised_even_when_other_questions_are_unanswered():
    result = screen({"bladder_change": True})
    assert result.level == "emergency" and len(result.unanswered) == len(QUESTIONS) - 1


def test_answers_are_validated():
    with pytest.raises(AnswerError) as caught:
        screen({"fevre": True, "fever": "yes"})
    pointers = [p.pointer for p in caught.value.problems]
    assert pointers == ["/fevre", "/fever"]


def test_every_rule_cites_a_known_source():
    kb = load_knowledge().sources
    known = set(kb) | set(load_catalogue().sources)
    for rule in load_catalogue().safety.rules:
        assert set(rule.evidence.sources) <= known
