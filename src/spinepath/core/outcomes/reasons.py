"""Why a score is incomplete, worded: the English templates of every :class:`Reason` code, building a reason
from the scorer's facts (:func:`make_reason`), and wording one in any language (:func:`word_reason`).

A reason is stored as data (its code, the items or subscales it names, its numbers), never only as English, so that
an adapter can show it in the reader's language: the web passes its ``gettext`` as ``translate`` (``manage.py
extract_kb_messages`` lists these templates for the message catalogues) and names the items as its forms do. The
templates here are the one copy of the wording; ``Reason.text`` is the English sentence, for everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import Instrument, Item, Reason, ReasonCode, Subscale

__all__ = ["IN_SUBSCALE", "REASON_TEXTS", "make_reason", "word_reason"]

# %(items)s: the items concerned, as "number topic"; %(domains)s: subscale names; the other fields are counts.
REASON_TEXTS: dict[ReasonCode, str] = {
    "single_item_unanswered": "Not answered: %(items)s. A single-item scale has no score without its answer.",
    "odi_too_few_sections": "Only %(answered)s of %(total)s sections answered; the ODI is scored when at least "
                            "%(needed)s are. Not answered: %(items)s.",
    "start_back_incomplete": "Incomplete: %(missing)s of %(total)s items not answered (%(items)s). STarT Back needs "
                             "every item; an unanswered item is never counted as 'disagree', so no risk group is "
                             "given.",
    "rmdq_incomplete": "%(missing)s of %(total)s statements not recorded as ticked or not ticked (%(items)s); the "
                       "RMDQ is scored only from a completed form.",
    "post_treatment_only": "Not asked: only after treatment.",
    "too_many_missing": "%(missing)s of %(total)s items missing (at most %(allowed)s allowed): %(items)s.",
    "missing_allowed": "Not answered (allowed): %(items)s.",
    "not_answered": "Not answered: %(items)s.",
    "comi_domains_missing": "COMI needs all five domains; missing: %(domains)s.",
    "eq5d_dimension_missing": "Not answered: %(items)s. An EQ-5D-5L health state needs all five dimensions: with "
                              "one missing there is no index.",
}
# A reason about one subscale of a form, as listed for the whole form (ZCQ, PROMIS-29).
IN_SUBSCALE = "%(subscale)s: %(reason)s"


def _same(text: str) -> str:
    return text


def _item_label(item: Item) -> str:
    return f"{item.number} {item.topic}"


def _subscale_label(subscale: Subscale) -> str:
    return subscale.name


def make_reason(instrument: Instrument, code: ReasonCode, *, items: Iterable[str] = (),
                subscales: Iterable[str] = (), subscale: str | None = None, **counts: int) -> Reason:
    """A reason with its English ``text``, worded from the instrument's own item topics and subscale names."""
    reason = Reason(code=code, items=tuple(items), subscales=tuple(subscales), counts=counts, subscale=subscale,
                    text="-")
    return reason.model_copy(update={"text": word_reason(reason, instrument)})


def word_reason(
    reason: Reason, instrument: Instrument, *, translate: Callable[[str], str] = _same,
    item_label: Callable[[Item], str] = _item_label, subscale_label: Callable[[Subscale], str] = _subscale_label,
) -> str:
    """The reason as a sentence: its template passed through ``translate``, filled with its counts and with the
    items and subscales it names, each worded by ``item_label`` / ``subscale_label`` (an id the instrument does
    not know, from another version, is shown as it is). An ``unstructured`` reason is its stored text."""
    if reason.code == "unstructured":
        return reason.text
    items = {item.id: item for item in instrument.items}
    parts = {part.id: part for part in instrument.subscales}
    values: dict[str, object] = {
        **reason.counts,
        "items": ", ".join(item_label(items[i]) if i in items else i for i in reason.items),
        "domains": ", ".join(subscale_label(parts[s]) if s in parts else s for s in reason.subscales),
    }
    sentence = translate(REASON_TEXTS[reason.code]) % values
    if reason.subscale is None:
        return sentence
    name = subscale_label(parts[reason.subscale]) if reason.subscale in parts else reason.subscale
    return translate(IN_SUBSCALE) % {"subscale": name, "reason": sentence}
