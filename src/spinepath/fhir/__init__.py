"""FHIR adapters: core models ↔ FHIR R4 resources (built with ``fhir.resources.R4B``). Nothing in ``core``
imports from here."""

from .questionnaires import (
    ResponseImportError,
    answers_from_response,
    canonical_url,
    questionnaire,
    questionnaire_response,
)

__all__ = ["ResponseImportError", "answers_from_response", "canonical_url", "questionnaire", "questionnaire_response"]
