"""spinepath's pure domain core: the contract models, the rules engine and the knowledge base.

No I/O beyond reading its own packaged data, no clock, no Django: adapters (CLI, web, FHIR) call these.
"""

from .assessment import Assessment, ProcedureAssessment, Reason, RedFlag, RiskFactor
from .engine import assess, assess_json
from .errors import FieldProblem, IntakeError, KnowledgeError, SpinepathError
from .intake import Intake, parse_intake
from .rules import RULESET_VERSION

__all__ = [
    "RULESET_VERSION",
    "Assessment",
    "FieldProblem",
    "Intake",
    "IntakeError",
    "KnowledgeError",
    "ProcedureAssessment",
    "Reason",
    "RedFlag",
    "RiskFactor",
    "SpinepathError",
    "assess",
    "assess_json",
    "parse_intake",
]
