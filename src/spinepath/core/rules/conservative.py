"""Spec §3.4 conservative care: first line for everyone without red flags."""

from __future__ import annotations

from .base import ALWAYS, POSSIBLE, Rule, When
from .procedure import ProcedureRules

CONSERVATIVE_CARE = ProcedureRules(
    procedure="conservative_care",
    indication=Rule(
        "conservative_care.first_line", ALWAYS, None,
        "First line: physiotherapy, staying active, analgesia; the natural history of disc herniation is "
        "favourable.", "nice-ng59"),
    rules=(
        Rule("conservative_care.after_urgent_review", When("urgency is urgent", lambda f: f.urgency == "urgent"),
             POSSIBLE, "Only after the urgent review has ruled out a serious cause.", "nice-ng59"),
    ),
)
