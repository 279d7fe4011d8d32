"""Shared test data for tests/imaging: the independent Annex E table, pydicom's test files, ZIP builders."""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file, get_testdata_files
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

DATA = Path(__file__).parent / "data"

#: Basic Profile action codes that remove or replace (everything in Table E.1-1's Basic Profile column but K/C).
REMOVE_OR_REPLACE = {"D", "Z", "X", "U", "X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*"}


@dataclass(frozen=True)
class AnnexERow:
    tag: int
    name: str
    action: str
    clean_descriptor_option: bool


@cache
def annex_e_table() -> dict[int, AnnexERow]:
    """Table E.1-1 from the Innolitics JSON (see data/README.md); pattern rows (50xx, 60xx, odd groups) skipped."""
    rows: dict[int, AnnexERow] = {}
    for entry in json.loads((DATA / "confidentiality_profile_attributes.json").read_text()):
        ident = entry["id"]
        if len(ident) != 8 or any(ch not in "0123456789abcdef" for ch in ident):
            continue
        tag = int(ident, 16)
        row = AnnexERow(tag, entry["name"], entry["basicProfile"], entry.get("cleanDescOpt") == "C")
        # A tag listed twice (Source Serial Number) is judged by its strictest row.
        if tag not in rows or row.action == "X":
            rows[tag] = row
    return rows


def _read(path: str) -> Dataset | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(path, defer_size=None)
    except Exception:  # deliberately broad: "what pydicom itself cannot read" is what we sort out here
        return None


@cache
def pydicom_test_files() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(readable, unreadable) paths among every file pydicom (and pydicom-data, if installed) ships."""
    readable, unreadable = [], []
    for path in sorted(get_testdata_files()):
        if not os.path.isfile(path):
            continue
        (readable if _read(path) is not None else unreadable).append(path)
    return tuple(readable), tuple(unreadable)


def load(path: str) -> Dataset:
    dataset = _read(path)
    assert dataset is not None, path
    return dataset


def short_id(path: str) -> str:
    """A readable test id: the last two path parts (pydicom has several files called DICOMDIR)."""
    parts = Path(path).parts
    return "/".join(parts[-2:])


def pydicom_path(name: str) -> str:
    path = get_testdata_file(name)
    assert path is not None, name
    return str(path)


def pydicom_bytes(name: str) -> bytes:
    return Path(pydicom_path(name)).read_bytes()


def mr_series_dir() -> Path:
    """A small real MR study shipped with pydicom itself: three series (1, 3 and 7 slices)."""
    return Path(pydicom_path("MR_small.dcm")).parent / "dicomdirtests" / "98892003"


def make_zip(members: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def walk(dataset: Dataset, depth: int = 0) -> Iterator[tuple[DataElement, int]]:
    """Every element with its nesting depth (0 = top level), file meta included at depth 1."""
    if depth == 0 and getattr(dataset, "file_meta", None) is not None:
        for element in dataset.file_meta:
            yield element, 1
    for element in dataset:
        yield element, depth
        if element.VR == "SQ":
            for item in element.value:
                yield from walk(item, depth + 1)


def paired(original: Dataset, result: Dataset) -> Iterator[tuple[DataElement, DataElement]]:
    """Elements present at the same place (same tags and item positions) in both datasets, at every depth."""
    for element in original:
        if element.tag not in result:
            continue
        other = result[element.tag]
        yield element, other
        if element.VR == "SQ" and other.VR == "SQ":
            for left, right in zip(element.value, other.value, strict=False):
                yield from paired(left, right)
