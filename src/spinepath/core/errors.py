"""The one error hierarchy of spinepath's core. Adapters translate it at their boundary, in one place each
(CLI: exit codes in ``spinepath.cli``; web/API: HTTP status in the web layer).

    SpinepathError
    ├── IntakeError            the input document is not a valid ``spinepath.intake/1`` (exit 2, HTTP 422)
    └── KnowledgeError         the shipped knowledge base or rule table is inconsistent (a bug: fails at start-up)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldProblem", "IntakeError", "KnowledgeError", "SpinepathError"]


class SpinepathError(Exception):
    """Root of every error the core raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with one field, located by a JSON pointer (RFC 6901)."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class IntakeError(SpinepathError):
    """The intake was rejected as a whole; ``problems`` names every offending field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"The intake is not valid ({len(problems)} problem(s)):\n{lines}")


class KnowledgeError(SpinepathError):
    """The rule table or knowledge base refers to something that does not exist."""
