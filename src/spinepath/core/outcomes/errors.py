"""Errors of the outcomes core, rooted in :class:`spinepath.core.errors.SpinepathError`.

    SpinepathError
    ├── KnowledgeError
    │   └── OutcomeDataError     the packaged instrument data is inconsistent (a bug: fails when first loaded)
    ├── AnswerError              answers given to an instrument are not valid (unknown item, code not offered)
    └── ItemTextError            a deployer-supplied item-text file is not valid (names the file and the item)

Every error that concerns one answer or one item carries :class:`FieldProblem` entries located by a JSON
pointer, so adapters (web forms, the FHIR importer) can show the message beside the right question.
"""

from __future__ import annotations

from ..errors import FieldProblem, KnowledgeError, SpinepathError

__all__ = ["AnswerError", "FieldProblem", "ItemTextError", "OutcomeDataError"]


class OutcomeDataError(KnowledgeError):
    """The shipped instrument catalogue refers to something that does not exist, or breaks a licence rule."""


class _Problems(SpinepathError):
    what = "input"

    def __init__(self, problems: list[FieldProblem], *, where: str = "") -> None:
        self.problems = problems
        self.where = where
        lines = "\n".join(f"  {p}" for p in problems)
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}the {self.what} is not valid ({len(problems)} problem(s)):\n{lines}")


class AnswerError(_Problems):
    """Answers were rejected as a whole; ``problems`` names every offending item (pointer ``/<item id>``)."""

    what = "set of answers"


class ItemTextError(_Problems):
    """A deployer-supplied item-text file was rejected; ``where`` is the file, ``problems`` every mistake."""

    what = "item-text file"
