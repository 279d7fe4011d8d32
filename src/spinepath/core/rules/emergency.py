"""Spec §3.3, last bullet: in an emergency (whatever its cause) elective rules do not apply."""

from __future__ import annotations

from ..assessment import ProcedureId, Status
from .base import ALWAYS, Rule

_OPERATION = Rule("emergency.operation_possible", ALWAYS, None,
                  "Any emergency operation is decided by the on-call spine surgeon, without a trial of conservative "
                  "care.", "girft-ces-2023")
_NOT_ELECTIVE = Rule("emergency.not_elective", ALWAYS, None,
                     "Not in an emergency: planned (elective) procedures wait until the emergency is dealt with.",
                     "girft-ces-2023")
_NOT_CONSERVATIVE = Rule("emergency.not_conservative", ALWAYS, None,
                         "Not now: this needs emergency assessment, not a trial of conservative care.",
                         "girft-ces-2023")

EMERGENCY_STATUSES: dict[ProcedureId, tuple[Status, Rule]] = {
    "conservative_care": ("not_candidate", _NOT_CONSERVATIVE),
    "mild": ("not_candidate", _NOT_ELECTIVE),
    "microdiscectomy": ("possible", _OPERATION),
    "endoscopic_discectomy": ("not_candidate", _NOT_ELECTIVE),
    "mis_decompression": ("possible", _OPERATION),
    "mis_tlif": ("not_candidate", _NOT_ELECTIVE),
    "open_surgery": ("possible", _OPERATION),
}

URGENT_REVIEW_FIRST = Rule("urgent_review_first", ALWAYS, None,
                           "The urgent review comes first; this result is for after it.", "girft-ces-2023")
