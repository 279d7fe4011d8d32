"""Translating the engine's dynamic texts (reasons built at run time), for the results page and the PDF.

The engine builds some reasons from catalogue texts: a per-level reason is ``"L4-L5: <text>"`` and the reason
for an unknown condition may be ``"We can't tell yet: <text with a lower-case first letter>"``. Neither whole
string is a msgid, so :func:`translate_engine_text` splits off the level (kept as is: it is an anatomical
label) or the "We can't tell yet" prefix and translates the parts. Nothing here is language-specific.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext

__all__ = ["translate_engine_text"]

_LEVEL = re.compile(r"^(L[1-5]-(?:L[1-5]|S1)): ")
_UNKNOWN_PREFIX = "We can't tell yet: "


def translate_engine_text(text: str) -> str:
    """``text`` in the active language: whole if it is a msgid, otherwise level prefix / unknown prefix + the rest.
    A text the catalogue does not know comes back unchanged (in English)."""
    if not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    level = _LEVEL.match(text)
    if level:
        return f"{level.group(1)}: {translate_engine_text(text[level.end():])}"
    if text.startswith(_UNKNOWN_PREFIX):
        rest = text[len(_UNKNOWN_PREFIX):]
        # The engine lower-cased the rule's first letter; a rule text may also start in lower case ("mild ...").
        for candidate in (rest[:1].upper() + rest[1:], rest):
            if gettext(candidate) != candidate:
                # Translators: the reason given when a fact is not known yet; %(reason)s is a translated sentence.
                return gettext("We can't tell yet: %(reason)s") % {"reason": gettext(candidate)}
    return translated
