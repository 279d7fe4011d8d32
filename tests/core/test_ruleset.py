"""The rule table is checked when the engine starts: a rule citing an unknown source, or a duplicate id, fails
loudly with a suggestion instead of reaching a patient."""

import dataclasses

import pytest

from spinepath.core.errors import KnowledgeError
from spinepath.core.knowledge import load_knowledge
from spinepath.core.rules import PROCEDURE_RULES, check_ruleset, mild


def test_the_shipped_ruleset_passes_its_start_up_check():
    check_ruleset(load_knowledge().sources)


def test_a_rule_citing_an_unknown_source_is_refused_with_a_suggestion(monkeypatch):
    broken = dataclasses.replace(mild.MILD.indication, source="midas-encor")
    table = dataclasses.replace(mild.MILD, indication=broken)
    monkeypatch.setattr("spinepath.core.rules.PROCEDURE_RULES", (PROCEDURE_RULES[0], table, *PROCEDURE_RULES[2:]))
    with pytest.raises(KnowledgeError, match=r"'midas-encor'.*did you mean 'midas-encore'"):
        check_ruleset(load_knowledge().sources)


def test_a_duplicate_rule_id_is_refused(monkeypatch):
    table = dataclasses.replace(mild.MILD, rules=(*mild.MILD.rules, mild.MILD.rules[0]))
    monkeypatch.setattr("spinepath.core.rules.PROCEDURE_RULES", (PROCEDURE_RULES[0], table, *PROCEDURE_RULES[2:]))
    with pytest.raises(KnowledgeError, match="duplicate rule id"):
        check_ruleset(load_knowledge().sources)
