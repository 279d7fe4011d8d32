"""Outcome instruments (the "Outcomes" part of spinepath): questionnaires as data, scoring as pure functions,
change from baseline against sourced MCIDs and success definitions, the follow-up schedule, cohort statistics,
and the post-operative safety screen.

No clock, no Django, no network: the packaged data in ``data/`` is read once (like the knowledge base), and the
only other file access is :func:`load_item_texts`, which reads a deployer's item-text directory when given one.

Instruments whose wording may be shipped (NRS back and leg pain, walking tolerance, global perceived effect,
satisfaction, Keele STarT Back with its copyright statement) are always offered. The ODI, ZCQ, COMI, PROMIS-29 and
RMDQ are scored here but their wording is licensed or of unknown licence: they are offered only when the deployer
supplies it (:func:`offered_instruments`). Two are scored only and never offered: the 100 mm pain VAS (the forms
draw no line measured in millimetres) and the EQ-5D-5L (its wording and layout are EuroQol's, under licence), whose
index comes from a country's published value set (:func:`eq5d_5l_index`), recorded with the score.

The typical course of a score after a procedure (:func:`typical_course`) is the group-average change from baseline
that studies report (``data/typical_course.yaml``, each point with its study, group and sources): an average of a
group of people, never a prediction for one person.

Why a score is incomplete is given as :class:`Reason` data (a code, the items it names, its numbers) with English
wording (:mod:`.reasons`), so that an adapter can show it in the reader's language (:func:`word_reason`).
"""

from .catalogue import (
    INSTRUMENT_IDS,
    Catalogue,
    Offering,
    Withheld,
    instrument,
    load_catalogue,
    offered_instruments,
    typical_course,
)
from .change import change, criterion_met
from .cohort import ALL_HOSPITALS, CohortRecord, CohortRow, cohort_csv, cohort_table, wilson_interval
from .errors import AnswerError, ItemTextError, OutcomeDataError
from .models import (
    AnswerOption,
    Band,
    Change,
    Coding,
    CoursePoint,
    Criterion,
    CriterionResult,
    Evidence,
    Instrument,
    Item,
    Licence,
    MissingRule,
    Reason,
    Score,
    ScoringRule,
    Source,
    Subscale,
    SubscaleScore,
    ValueSet,
)
from .reasons import REASON_TEXTS, word_reason
from .safety import SafetyAlert, SafetyResult, screen
from .schedule import FollowUp, Offset, Window, add_offset, follow_up_schedule
from .scoring import (
    Answers,
    eq5d_5l_index,
    format_value,
    score,
    score_comi_back,
    score_eq5d_5l,
    score_global_rating,
    score_nrs,
    score_odi,
    score_promis_29,
    score_rmdq,
    score_start_back,
    score_vas,
    score_walking_tolerance,
    score_zcq,
    validate_answers,
)
from .texts import ItemTexts, load_item_texts, validate_item_texts, with_item_texts

__all__ = [
    "ALL_HOSPITALS",
    "INSTRUMENT_IDS",
    "REASON_TEXTS",
    "AnswerError",
    "AnswerOption",
    "Answers",
    "Band",
    "Catalogue",
    "Change",
    "Coding",
    "CohortRecord",
    "CohortRow",
    "CoursePoint",
    "Criterion",
    "CriterionResult",
    "Evidence",
    "FollowUp",
    "Instrument",
    "Item",
    "ItemTextError",
    "ItemTexts",
    "Licence",
    "MissingRule",
    "Offering",
    "Offset",
    "OutcomeDataError",
    "Reason",
    "SafetyAlert",
    "SafetyResult",
    "Score",
    "ScoringRule",
    "Source",
    "Subscale",
    "SubscaleScore",
    "ValueSet",
    "Window",
    "Withheld",
    "add_offset",
    "change",
    "cohort_csv",
    "cohort_table",
    "criterion_met",
    "eq5d_5l_index",
    "follow_up_schedule",
    "format_value",
    "instrument",
    "load_catalogue",
    "load_item_texts",
    "offered_instruments",
    "score",
    "score_comi_back",
    "score_eq5d_5l",
    "score_global_rating",
    "score_nrs",
    "score_odi",
    "score_promis_29",
    "score_rmdq",
    "score_start_back",
    "score_vas",
    "score_walking_tolerance",
    "score_zcq",
    "screen",
    "typical_course",
    "validate_answers",
    "validate_item_texts",
    "wilson_interval",
    "with_item_texts",
    "word_reason",
]
