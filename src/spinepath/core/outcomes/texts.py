"""Deployer-supplied item text for instruments whose wording spinepath does not ship (ODI, ZCQ, COMI, PROMIS-29,
RMDQ): the format, its validation, and merging it into an instrument definition.

One file per instrument, named ``<instrument id>.yaml`` (or ``.yml`` / ``.json``), in one directory::

    format: spinepath.item-texts/1
    instrument: odi
    version: "2.1a"                   # must equal the packaged definition's version
    source: "ODI v2.1a, English, from Mapi Research Trust under licence ..."   # shown in the admin
    language: en                      # optional
    instructions: "..."               # optional
    items:                            # every item of the instrument, no others
      pain_intensity:
        text: "Pain intensity"
        options: ["...", "...", "...", "...", "...", "..."]   # choice items: one label per answer code, in
                                                              # the definition's code order
      # integer items (0-10 scales) take an optional  anchors: {"0": "...", "10": "..."}; tick items text only
    t_score_tables:                   # PROMIS-29 only, optional: T-score for raw sums 4..20, lowest sum first
      physical_function: [22.5, 26.6, ...]

Validation is total: every problem in every file is reported at once, located by file and JSON pointer (a
missing item, an unknown item with "did you mean", the wrong number of answer labels, a version mismatch).
:func:`validate_item_texts` is pure; :func:`load_item_texts` only reads the files and calls it.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from ..errors import FieldProblem
from ..knowledge.models import did_you_mean
from .catalogue import Catalogue, load_catalogue
from .errors import ItemTextError
from .models import Instrument

__all__ = ["FORMAT", "ItemText", "ItemTexts", "load_item_texts", "validate_item_texts", "with_item_texts"]

FORMAT = "spinepath.item-texts/1"
_SUFFIXES = (".yaml", ".yml", ".json")
_TOP_KEYS = ("format", "instrument", "version", "source", "language", "instructions", "items", "t_score_tables")


class ItemText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    options: tuple[str, ...] = ()
    anchors: dict[str, str] = {}


class ItemTexts(BaseModel):
    """The validated wording of one instrument, as supplied by the deployer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str
    version: str
    source: str
    language: str | None = None
    instructions: str | None = None
    items: dict[str, ItemText]
    t_score_tables: dict[str, tuple[float, ...]] = {}


def load_item_texts(
    directory: str | os.PathLike[str] | None, *, catalogue: Catalogue | None = None
) -> dict[str, ItemTexts]:
    """Read every item-text file in ``directory`` (instrument id → :class:`ItemTexts`).

    ``None`` means the deployment supplies no wording (an empty result). A directory that does not exist, an
    unreadable file, two files for one instrument, or any invalid content raises :class:`ItemTextError`
    naming the file and every problem; nothing is loaded partially."""
    if directory is None:
        return {}
    folder = Path(directory)
    if not folder.is_dir():
        raise ItemTextError([FieldProblem("", f"no such directory: {folder}")], where=str(folder))
    catalogue = catalogue or load_catalogue()
    problems: list[FieldProblem] = []
    loaded: dict[str, ItemTexts] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES and p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
            raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            problems.append(FieldProblem(f"{path.name}#", f"cannot be read: {exc}"))
            continue
        try:
            texts = validate_item_texts(raw, catalogue=catalogue)
        except ItemTextError as exc:
            problems += [FieldProblem(f"{path.name}#{p.pointer}", p.message) for p in exc.problems]
            continue
        if path.stem != texts.instrument:
            expected = f"{texts.instrument}{path.suffix}"
            problems.append(FieldProblem(f"{path.name}#/instrument", f"the file must be named {expected}"))
        elif texts.instrument in loaded:
            problems.append(FieldProblem(f"{path.name}#", f"a second file for {texts.instrument!r}"))
        else:
            loaded[texts.instrument] = texts
    if problems:
        raise ItemTextError(problems, where=str(folder))
    return loaded


def validate_item_texts(raw: Any, *, catalogue: Catalogue | None = None) -> ItemTexts:
    """Check one parsed item-text document against the instrument it names; raise :class:`ItemTextError`
    listing every problem by JSON pointer."""
    if not isinstance(raw, Mapping):
        raise ItemTextError([FieldProblem("", f"expected a mapping with 'format: {FORMAT}'")])
    catalogue = catalogue or load_catalogue()
    problems: list[FieldProblem] = []
    for key in raw:
        if key not in _TOP_KEYS:
            problems.append(FieldProblem(f"/{key}", f"unknown field{did_you_mean(str(key), _TOP_KEYS)}"))
    if raw.get("format") != FORMAT:
        problems.append(FieldProblem("/format", f"expected {FORMAT!r}"))
    for key in ("source", "version"):
        if not _text(raw.get(key)):
            problems.append(FieldProblem(f"/{key}", "required: a non-empty string"))
    for key in ("language", "instructions"):
        if key in raw and raw[key] is not None and not _text(raw[key]):
            problems.append(FieldProblem(f"/{key}", "expected a non-empty string"))

    instrument_id = raw.get("instrument")
    inst = catalogue.instruments.get(instrument_id) if isinstance(instrument_id, str) else None
    if inst is None:
        problems.append(FieldProblem("/instrument", f"unknown instrument {instrument_id!r}"
                                     f"{did_you_mean(str(instrument_id), catalogue.instruments)}"))
        raise ItemTextError(problems)
    if inst.scoring_only is not None:
        problems.append(FieldProblem("/instrument", f"{inst.name} is scored only, never put on a form: "
                                                    f"{inst.scoring_only.strip()}"))
        raise ItemTextError(problems)
    if inst.licence.item_text_shipped:
        problems.append(FieldProblem("/instrument", f"{inst.name} ships its own wording; it must not be replaced"))
    if _text(raw.get("version")) and raw["version"] != inst.version:
        problems.append(FieldProblem("/version", f"this spinepath scores {inst.name} version {inst.version!r}, "
                                                 f"not {raw['version']!r}"))

    items = raw.get("items")
    built: dict[str, ItemText] = {}
    if not isinstance(items, Mapping):
        problems.append(FieldProblem("/items", "required: a mapping of item id → {text, options}"))
    else:
        known = [item.id for item in inst.items]
        for key in items:
            if key not in known:
                problems.append(FieldProblem(f"/items/{key}", f"unknown item{did_you_mean(str(key), known)}"))
        for item in inst.items:
            if item.id not in items:
                message = f"missing: every item of {inst.short_name} needs its wording"
                problems.append(FieldProblem(f"/items/{item.id}", message))
                continue
            text = _item_text(item, items[item.id], f"/items/{item.id}", problems)
            if text is not None:
                built[item.id] = text

    tables = _tables(inst, raw.get("t_score_tables"), problems)
    if problems:
        raise ItemTextError(problems)
    return ItemTexts(
        instrument=inst.id, version=raw["version"], source=raw["source"], language=raw.get("language"),
        instructions=raw.get("instructions"), items=built, t_score_tables=tables,
    )


def with_item_texts(instrument: Instrument, texts: ItemTexts) -> Instrument:
    """A copy of ``instrument`` with the deployer's wording (and T-score tables) merged in, revalidated."""
    if texts.instrument != instrument.id:
        raise ValueError(f"item texts for {texts.instrument!r} cannot be merged into {instrument.id!r}")
    data = instrument.model_dump()
    for item in data["items"]:
        supplied = texts.items[item["id"]]
        item["text"] = supplied.text
        for option, label in zip(item["options"], supplied.options, strict=False):
            option["label"] = label
        item["anchors"] = dict(supplied.anchors) or None
    data["instructions"] = texts.instructions
    data["item_text_supplied_by"] = texts.source
    data["t_score_tables"] = dict(texts.t_score_tables)
    return Instrument.model_validate(data, strict=False)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _item_text(item: Any, raw: Any, pointer: str, problems: list[FieldProblem]) -> ItemText | None:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, Mapping):
        problems.append(FieldProblem(pointer, "expected {text: ..., options: [...]}"))
        return None
    start = len(problems)
    for key in raw:
        if key not in ("text", "options", "anchors"):
            hint = did_you_mean(str(key), ("text", "options", "anchors"))
            problems.append(FieldProblem(f"{pointer}/{key}", f"unknown field{hint}"))
    if not _text(raw.get("text")):
        problems.append(FieldProblem(f"{pointer}/text", "required: a non-empty string"))
    options = raw.get("options")
    if item.kind == "choice":
        expected = len(item.options)
        codes = ", ".join(str(o.code) for o in item.options)
        if not isinstance(options, list) or not all(_text(o) for o in options):
            message = f"required: {expected} non-empty labels (codes {codes})"
            problems.append(FieldProblem(f"{pointer}/options", message))
        elif len(options) != expected:
            problems.append(FieldProblem(f"{pointer}/options", f"expected {expected} labels, one per answer code "
                                                               f"({codes}), got {len(options)}"))
    elif options is not None:
        problems.append(FieldProblem(f"{pointer}/options", f"a {item.kind} item has no answer labels"))
    anchors = raw.get("anchors")
    if anchors is not None:
        if item.kind != "integer":
            problems.append(FieldProblem(f"{pointer}/anchors", "only integer scales take anchors"))
        elif not isinstance(anchors, Mapping) or not all(
            _text(v) and str(k).lstrip("-").isdigit() and item.minimum <= int(k) <= item.maximum
            for k, v in anchors.items()
        ):
            problems.append(FieldProblem(f"{pointer}/anchors", f"expected {{value: label}} with values "
                                                               f"{item.minimum}-{item.maximum}"))
    if len(problems) > start:
        return None
    return ItemText(
        text=raw["text"], options=tuple(options or ()),
        anchors={str(k): v for k, v in (anchors or {}).items()},
    )


def _tables(inst: Instrument, raw: Any, problems: list[FieldProblem]) -> dict[str, tuple[float, ...]]:
    if raw is None:
        return {}
    if inst.scoring.method != "promis_29":
        problems.append(FieldProblem("/t_score_tables", f"{inst.short_name} has no T-score tables"))
        return {}
    if not isinstance(raw, Mapping):
        problems.append(FieldProblem("/t_score_tables", "expected a mapping of domain → list of T-scores"))
        return {}
    domains = {s.id: s for s in inst.subscales if len(s.items) > 1}
    tables: dict[str, tuple[float, ...]] = {}
    for key, values in raw.items():
        pointer = f"/t_score_tables/{key}"
        subscale = domains.get(key)
        if subscale is None:
            problems.append(FieldProblem(pointer, f"unknown domain{did_you_mean(str(key), domains)}"))
            continue
        size = int(subscale.maximum - subscale.minimum) + 1
        numbers = values if isinstance(values, list) else []
        if len(numbers) != size or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
            problems.append(FieldProblem(pointer, f"expected {size} numbers, the T-score for each raw sum "
                                                  f"{subscale.minimum:g} to {subscale.maximum:g}"))
        elif any(b <= a for a, b in itertools.pairwise(numbers)) or not 0 <= numbers[0] <= numbers[-1] <= 100:
            problems.append(FieldProblem(pointer, "T-scores must rise with the raw sum and lie between 0 and 100 "
                                                  "(list them for the lowest raw sum first)"))
        else:
            tables[key] = tuple(float(v) for v in numbers)
    return tables
