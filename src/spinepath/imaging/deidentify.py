"""De-identification of DICOM objects for one request, following DICOM PS3.15 Annex E.

What :class:`RequestDeidentifier` does to a copy of each object (the original is never modified):

1. Flags burned-in text for reviewers: Burned In Annotation = YES, Recognizable Visual Features = YES, or a
   modality that usually carries it (US, SC, OT, XC, ES, GM, secondary capture) without an explicit NO.
2. Removes private attributes (odd groups), curves (groups 50xx), overlays (groups 60xx) and the identifying
   file meta attributes (application entity titles, private information), at every depth.
3. Runs ``dicognito`` (a maintained implementation of the Basic Profile's replacements): names, IDs, addresses
   and institutions are replaced, every instance UID is remapped, every date and date-time is shifted.
   Both are derived from the request's secret seed, so within one request the same UID always gets the same new
   UID (references in sequences stay consistent) and every date moves by the same whole number of days
   (``date_shift_days``); another request, another seed, gets other UIDs and another shift.
4. Enforces Table E.1-1 (:mod:`spinepath.imaging._annex_e`) on whatever dicognito left with its original value,
   at every depth: Z → emptied, else X → removed, else D → dummy; attributes whose action is plain X are always
   removed; listed sequences are removed or emptied, except the reference sequences (``X/Z/U*``), which are kept
   with their UIDs remapped. Times of day do not move with a whole-day shift, so they are emptied or removed.
5. Clean Descriptors Option (on by default, ``keep_clean_descriptions``): Study Description and Series Description
   are kept when they are short, contain no long numbers or dates and none of the patient's or staff's names or
   IDs; otherwise removed, with a note. Every other description is removed.
6. Sets Patient Identity Removed = YES, Longitudinal Temporal Information Modified = MODIFIED, De-identification
   Method and its code sequence (113100 Basic Profile, 113107 Modified Dates, 113105 Clean Descriptors).
7. Verifies the result and fails closed: :class:`~spinepath.imaging.errors.DeidentificationError` if any Table
   E.1-1 remove/replace attribute still holds one of its original values, an X attribute, a private attribute,
   a 50xx/60xx group or an original instance UID remains.

Not done here: pixel data is not cleaned (burned-in text is only flagged), and PDF reports are not touched.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

import dicognito
from dicognito.anonymizer import Anonymizer
from dicognito.datetimeanonymizer import DateTimeAnonymizer
from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from spinepath.imaging._annex_e import BASIC_PROFILE
from spinepath.imaging._dicomfile import load_dicom
from spinepath.imaging.errors import DeidentificationError

#: Modalities whose images commonly carry burned-in text (ultrasound, secondary capture, photographs, ...).
BURNED_IN_MODALITIES = frozenset({"US", "SC", "OT", "XC", "ES", "GM", "DOC"})
_SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"

#: Descriptions kept under the Clean Descriptors Option (when they pass the check): reviewers need to know
#: which series is the sagittal T2.
CLEAN_DESCRIPTION_TAGS = frozenset({0x00081030, 0x0008103E})  # Study Description, Series Description

#: File meta attributes that name the sending site; not in Table E.1-1 but identifying all the same.
_IDENTIFYING_FILE_META = (0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102)

# DICOM CID 7050 "De-identification Method" codes (PS3.16).
_BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
_MODIFIED_DATES_CODE = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")
_CLEAN_DESCRIPTORS_CODE = ("113105", "Clean Descriptors Option")

# Names and IDs in the original whose words must not appear in a kept description.
_IDENTIFYING_KEYWORDS = (
    "PatientName",
    "OtherPatientNames",
    "PatientBirthName",
    "PatientMotherBirthName",
    "ReferringPhysicianName",
    "PerformingPhysicianName",
    "NameOfPhysiciansReadingStudy",
    "OperatorsName",
    "PhysiciansOfRecord",
    "RequestingPhysician",
    "PatientID",
    "OtherPatientIDs",
    "AccessionNumber",
    "PatientAddress",
    "InstitutionName",
)
_SAFE_DESCRIPTION = re.compile(r"^[\w .,:;+\-/()\[\]*#&^<>=%']{1,64}$")
_LONG_NUMBER = re.compile(r"\d{5,}")
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_DICOM_DATE = re.compile(r"^\d{8}$")
_DICOM_TIME = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$")
_DICOM_DATETIME = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$")


def new_request_seed() -> bytes:
    """A fresh secret for one request. Store it with the request (it can re-link the pseudonyms: keep it secret)."""
    return secrets.token_bytes(32)


@dataclass(frozen=True)
class DeidentifiedResult:
    """One de-identified object: the new dataset, whether reviewers must check the pixels, and what was done."""

    dataset: Dataset
    burned_in_flag: bool
    """True when the image may show names or dates in its pixels; a reviewer must look before release."""
    notes: tuple[str, ...]
    """Plain sentences for the reviewer (burned-in warnings, descriptions removed, invalid dates emptied)."""

    def to_bytes(self) -> bytes:
        """The dataset in the DICOM file format (zero preamble, file meta matching the new SOP Instance UID)."""
        dataset = self.dataset
        meta = getattr(dataset, "file_meta", None)
        if meta is None:
            meta = FileMetaDataset()
            dataset.file_meta = meta
        if "TransferSyntaxUID" not in meta:
            implicit, little = getattr(dataset, "original_encoding", (True, True))
            meta.TransferSyntaxUID = (
                ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian if little else ExplicitVRBigEndian
            )
        if "SOPClassUID" in dataset and "SOPInstanceUID" in dataset:
            meta.MediaStorageSOPClassUID = dataset.SOPClassUID
            meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        buffer = BytesIO()
        dataset.save_as(buffer, enforce_file_format=True)
        return buffer.getvalue()


class RequestDeidentifier:
    """De-identifies every DICOM object of one request consistently (same seed → same UIDs and date shift).

    ``seed``: the request's secret (at least 16 bytes; see :func:`new_request_seed`).
    ``patient_pseudonym``: if given, Patient's Name and Patient ID become it (e.g. the request's reference), so
    hospital staff see a label they can match, not an invented name.
    """

    def __init__(
        self,
        seed: bytes,
        *,
        keep_clean_descriptions: bool = True,
        patient_pseudonym: str | None = None,
        date_shift_range_days: tuple[int, int] = (62, 730),
    ) -> None:
        if len(seed) < 16:
            raise ValueError("the request seed must be at least 16 random bytes")
        low, high = date_shift_range_days
        if not 0 < low <= high:
            raise ValueError("date_shift_range_days must be (low, high) with 0 < low <= high")
        self.keep_clean_descriptions = keep_clean_descriptions
        self.patient_pseudonym = patient_pseudonym
        shift = int.from_bytes(_derive(seed, b"date-shift")[:8], "big") % (high - low + 1) + low
        #: Days added to every date of this request (negative: dates move into the past).
        self.date_shift_days = -shift
        self._anonymizer = Anonymizer(seed=_derive(seed, b"dicognito").hex())
        # Whole days, so that every date of the request moves by the same number of days (dicognito's own shift is
        # in hours and would move a date by one day more or less depending on the time paired with it).
        self._anonymizer.add_element_handler(DateTimeAnonymizer(self.date_shift_days * 24))

    def deidentify(self, dataset: Dataset) -> DeidentifiedResult:
        """De-identify a copy of a fully loaded dataset; raise DeidentificationError if it cannot be verified."""
        working = copy.deepcopy(dataset)
        if getattr(working, "file_meta", None) is None:  # a dataset built in memory; dicognito walks the meta too
            working.file_meta = FileMetaDataset()
        originals = _original_values(working)
        original_uids = _instance_uids(working)
        identifiers = _identifying_words(working)
        notes: list[str] = []
        burned_in = _burned_in(working, notes)

        _remove_groups(working)
        _empty_invalid_dates(working, notes)
        self._anonymizer.anonymize(working)
        kept = _enforce_basic_profile(
            working, originals, identifiers if self.keep_clean_descriptions else None, notes, top_level=True
        )
        if self.patient_pseudonym:
            working.PatientName = self.patient_pseudonym
            working.PatientID = self.patient_pseudonym[:64]
        self._mark(working)

        problems = verify_deidentified(working, originals, original_uids, kept_descriptions=kept)
        if problems:
            raise DeidentificationError(problems)
        return DeidentifiedResult(working, burned_in, tuple(notes))

    def deidentify_bytes(self, data: bytes) -> DeidentifiedResult:
        """Parse (and check) a DICOM file's bytes, then :meth:`deidentify` it."""
        return self.deidentify(load_dicom(data))

    def _mark(self, dataset: Dataset) -> None:
        dataset.PatientIdentityRemoved = "YES"
        dataset.LongitudinalTemporalInformationModified = "MODIFIED"
        dataset.DeidentificationMethod = [
            f"DICOGNITO {dicognito.__version__}",
            "PS3.15 E.1 BASIC, MODIFIED DATES" + (", CLEAN DESCRIPTORS" if self.keep_clean_descriptions else ""),
        ]
        codes = [_BASIC_PROFILE_CODE, _MODIFIED_DATES_CODE]
        if self.keep_clean_descriptions:
            codes.append(_CLEAN_DESCRIPTORS_CODE)
        dataset.DeidentificationMethodCodeSequence = [_code_item(value, meaning) for value, meaning in codes]
        if hasattr(dataset, "preamble"):
            dataset.preamble = b"\x00" * 128  # a preamble may carry another format's header (dual-personality files)


def verify_deidentified(
    dataset: Dataset,
    originals: dict[int, set[object]],
    original_uids: set[str],
    *,
    kept_descriptions: Iterable[int] = (),
) -> list[str]:
    """Problems left in a de-identified dataset, as ``(gggg,eeee) Name: what`` (never the values).

    ``originals`` maps tags to the fingerprints of their original values (:func:`_original_values`);
    ``kept_descriptions`` are top-level tags knowingly kept under the Clean Descriptors Option.
    """
    problems: list[str] = []
    kept = frozenset(kept_descriptions)

    def visit(ds: Dataset, top_level: bool) -> None:
        for element in ds:
            tag = element.tag
            label = f"{tag} {keyword_for_tag(tag) or 'private or unknown'}"
            if tag.is_private:
                problems.append(f"{label}: private attribute left")
                continue
            if _is_curve_or_overlay(tag):
                problems.append(f"{label}: curve or overlay left")
                continue
            action = BASIC_PROFILE.get(int(tag))
            if action is not None and not (top_level and int(tag) in kept):
                if action[0] == "X":
                    problems.append(f"{label}: must be removed")
                elif not element.is_empty and _fingerprint(element) in originals.get(int(tag), ()):
                    problems.append(f"{label}: original value left")
            if (
                element.VR == "UI"
                and not element.is_empty
                and not _is_class_uid(element)
                and any(str(uid) in original_uids for uid in _values(element))
            ):
                problems.append(f"{label}: original UID left")
            if element.VR == "SQ":
                for item in element.value:
                    visit(item, False)

    meta = getattr(dataset, "file_meta", None)
    if meta is not None:
        visit(meta, False)
    visit(dataset, True)
    if dataset.get("PatientIdentityRemoved") != "YES":
        problems.append("(0012,0062) PatientIdentityRemoved: not YES")
    return problems


# --------------------------------------------------------------------------------------------------------------------
# internals


def _derive(seed: bytes, purpose: bytes) -> bytes:
    return hmac.new(seed, b"spinepath-imaging-v1:" + purpose, hashlib.sha256).digest()


def _code_item(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


def _values(element: DataElement) -> list[object]:
    value = element.value
    if isinstance(value, MultiValue | list | tuple):
        return list(value)
    return [value]


def _fingerprint(element: DataElement) -> object:
    """A hashable stand-in for an element's whole value, including nested sequence items."""
    if element.VR == "SQ":
        return ("SQ", tuple(tuple((int(e.tag), _fingerprint(e)) for e in item) for item in element.value))
    value = element.value
    if isinstance(value, bytes | bytearray):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, MultiValue | list | tuple):
        return tuple(str(v) for v in value)
    return str(value)


def _walk(dataset: Dataset) -> Iterable[DataElement]:
    """Every element, at every depth (items of sequences included)."""
    for element in dataset:
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from _walk(item)


def _all_elements(dataset: Dataset) -> Iterable[DataElement]:
    meta = getattr(dataset, "file_meta", None)
    if meta is not None:
        yield from _walk(meta)
    yield from _walk(dataset)


def _original_values(dataset: Dataset) -> dict[int, set[object]]:
    originals: dict[int, set[object]] = {}
    for element in _all_elements(dataset):
        if int(element.tag) in BASIC_PROFILE and not element.is_empty:
            originals.setdefault(int(element.tag), set()).add(_fingerprint(element))
    return originals


def _is_class_uid(element: DataElement) -> bool:
    keyword = keyword_for_tag(element.tag)
    return keyword.endswith("ClassUID") or keyword == "TransferSyntaxUID"


def _instance_uids(dataset: Dataset) -> set[str]:
    """The original UIDs that must all be remapped (those dicognito remaps: every UI but class/syntax UIDs)."""
    return {
        str(uid)
        for element in _all_elements(dataset)
        if element.VR == "UI" and not element.is_empty and not _is_class_uid(element)
        for uid in _values(element)
        if uid
    }


def _identifying_words(dataset: Dataset) -> frozenset[str]:
    words: set[str] = set()
    for keyword in _IDENTIFYING_KEYWORDS:
        element = dataset.get(keyword)
        if element is None:
            continue
        for text in _values_of(element):
            for word in re.split(r"[\^=\s,.\-_/]+", text.casefold()):
                if len(word) >= 3:
                    words.add(word)
    return frozenset(words)


def _values_of(value: object) -> list[str]:
    if isinstance(value, MultiValue | list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def is_clean_description(text: str, identifying_words: Iterable[str]) -> bool:
    """True when a description can be kept: short plain text, no long numbers or dates, no name or ID in it."""
    if not _SAFE_DESCRIPTION.match(text) or _LONG_NUMBER.search(text) or _DATE_LIKE.search(text):
        return False
    folded = text.casefold()
    return not any(word in folded for word in identifying_words)


def _burned_in(dataset: Dataset, notes: list[str]) -> bool:
    annotation = str(dataset.get("BurnedInAnnotation", "") or "").strip().upper()
    modality = str(dataset.get("Modality", "") or "").strip().upper()
    sop_class = str(dataset.get("SOPClassUID", "") or "")
    flagged = False
    if annotation == "YES":
        notes.append(
            "The scanner marked this image as having text burned into the picture; names or dates may be "
            "visible in the image itself. Check it before release."
        )
        flagged = True
    elif annotation != "NO" and (modality in BURNED_IN_MODALITIES or sop_class.startswith(_SECONDARY_CAPTURE_PREFIX)):
        kind = modality or "secondary capture"
        notes.append(
            f"{kind} images often have text burned into the picture (names, dates). Check the image before release."
        )
        flagged = True
    if str(dataset.get("RecognizableVisualFeatures", "") or "").strip().upper() == "YES":
        notes.append("The image is marked as showing recognisable features (such as a face). Check it before release.")
        flagged = True
    return flagged


def _is_curve_or_overlay(tag: BaseTag) -> bool:
    return 0x5000 <= tag.group <= 0x50FF or 0x6000 <= tag.group <= 0x60FF


def _remove_groups(dataset: Dataset) -> None:
    """Private attributes, curves and overlays, at every depth; identifying file meta attributes."""
    dataset.remove_private_tags()

    def strip(ds: Dataset) -> None:
        for element in list(ds):
            if element.tag.is_private or _is_curve_or_overlay(element.tag):
                del ds[element.tag]
            elif element.VR == "SQ":
                for item in element.value:
                    strip(item)

    strip(dataset)
    meta = getattr(dataset, "file_meta", None)
    if meta is not None:
        for tag in _IDENTIFYING_FILE_META:
            if tag in meta:
                del meta[tag]


def _valid_temporal(vr: str, text: str) -> bool:
    text = text.strip()
    if vr == "DA":
        text = text.replace(".", "")  # ACR-NEMA YYYY.MM.DD, which dicognito accepts
        if not _DICOM_DATE.match(text):
            return False
        try:
            dt.datetime.strptime(text, "%Y%m%d")
        except ValueError:
            return False
        return True
    if vr == "TM":
        text = text.replace(":", "")
        return bool(_DICOM_TIME.match(text)) and int(text[:2]) < 24
    match = _DICOM_DATETIME.match(text)
    if not match:
        return False
    digits = text.split(".")[0].split("+")[0].split("-")[0][:10]
    try:
        dt.datetime.strptime(digits, "%Y%m%d%H"[: len(digits) - 2])
    except ValueError:
        return False
    return True


def _empty_invalid_dates(dataset: Dataset, notes: list[str]) -> None:
    """Dates dicognito cannot parse would stop it; an unparseable date is emptied (it cannot be shifted)."""
    emptied = 0
    for element in list(_walk(dataset)):
        if element.VR not in ("DA", "DT", "TM") or element.is_empty:
            continue
        if not all(_valid_temporal(element.VR, str(v)) for v in _values(element) if str(v).strip()):
            element.value = None
            emptied += 1
    if emptied:
        notes.append(f"{emptied} invalid date or time value(s) could not be shifted and were emptied.")


def _enforce_basic_profile(
    dataset: Dataset,
    originals: dict[int, set[object]],
    identifiers: frozenset[str] | None,
    notes: list[str],
    *,
    top_level: bool,
) -> set[int]:
    """Apply Table E.1-1 to every element dicognito left unchanged; return the descriptions kept (top level)."""
    kept: set[int] = set()
    for element in list(dataset):
        tag = int(element.tag)
        action = BASIC_PROFILE.get(tag, ("", ""))[0]
        if element.VR == "SQ":
            if not action or "U*" in action:  # not listed, or a reference sequence: keep, clean inside
                for item in element.value:
                    _enforce_basic_profile(item, originals, None, notes, top_level=False)
            elif "Z" in action or action == "D":
                element.value = Sequence()
            else:
                del dataset[element.tag]
            continue
        if not action:
            continue
        if top_level and tag in CLEAN_DESCRIPTION_TAGS and identifiers is not None and not element.is_empty:
            if all(is_clean_description(str(v), identifiers) for v in _values(element)):
                kept.add(tag)
            else:
                notes.append(f"The {keyword_for_tag(element.tag)} was removed: it may contain identifying text.")
                del dataset[element.tag]
            continue
        if action == "X":
            del dataset[element.tag]
            continue
        if element.is_empty:
            continue
        if _fingerprint(element) not in originals.get(tag, ()):
            continue  # replaced by dicognito (names, IDs, shifted dates, remapped UIDs)
        if "Z" in action:
            element.value = None
        elif "X" in action:
            del dataset[element.tag]
        elif "D" in action:
            _set_dummy(dataset, element)
        # "U": every UID is remapped by dicognito; one that was not is caught by verify_deidentified.
    return kept


_TEXT_DUMMY = {"PN": "ANONYMOUS", "DA": "19000101", "TM": "000000", "DT": "19000101000000", "IS": "0", "DS": "0"}
_TEXT_VRS = frozenset({"AE", "AS", "CS", "LO", "LT", "SH", "ST", "UC", "UR", "UT"})


def _set_dummy(dataset: Dataset, element: DataElement) -> None:
    if element.VR in _TEXT_DUMMY:
        element.value = _TEXT_DUMMY[element.VR]
    elif element.VR in _TEXT_VRS:
        element.value = "ANONYMIZED"
    else:  # binary or numeric: no meaningful dummy; removing is at least as private
        del dataset[element.tag]
