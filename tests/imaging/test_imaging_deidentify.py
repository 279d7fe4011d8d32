"""De-identification, judged against DICOM PS3.15 Table E.1-1 from an independent source, over every DICOM file
pydicom ships (and pydicom-data, when installed) that pydicom itself can read."""

from __future__ import annotations

import copy
import datetime as dt
from functools import cache

import pytest
from imaging_testdata import (
    REMOVE_OR_REPLACE,
    annex_e_table,
    load,
    paired,
    pydicom_bytes,
    pydicom_path,
    pydicom_test_files,
    short_id,
    walk,
)
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from spinepath.imaging import DeidentificationError, RequestDeidentifier, load_dicom
from spinepath.imaging._annex_e import BASIC_PROFILE
from spinepath.imaging.deidentify import is_clean_description

# pydicom warns about the deliberately malformed values in its own test files; that is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")

READABLE, UNREADABLE = pydicom_test_files()
SEED = bytes(range(32))
OTHER_SEED = bytes(range(1, 33))
# Kept under the Clean Descriptors Option (113105) when they pass the product's check.
DESCRIPTIONS = {0x00081030, 0x0008103E}
NAME_AND_ID_KEYWORDS = ("PatientName", "OtherPatientNames", "PatientID", "OtherPatientIDs", "AccessionNumber")


def test_enough_real_files_are_tested() -> None:
    assert len(READABLE) > 50, f"only {len(READABLE)} readable test files ({len(UNREADABLE)} unreadable)"
    assert len(UNREADABLE) < len(READABLE)


@cache
def deidentifier(seed: bytes = SEED, keep_descriptions: bool = True) -> RequestDeidentifier:
    """One deidentifier per (seed, option): every file below belongs to one request / patient."""
    return RequestDeidentifier(seed, keep_clean_descriptions=keep_descriptions)


@cache
def deidentified(path: str, seed: bytes = SEED, keep_descriptions: bool = True) -> tuple[Dataset, Dataset]:
    original = load(path)
    result = deidentifier(seed, keep_descriptions).deidentify(original)
    return original, result.dataset


def _original_values(original: Dataset) -> dict[int, list[object]]:
    """Non-empty original values of every Table E.1-1 remove/replace attribute, at every depth."""
    table = annex_e_table()
    values: dict[int, list[object]] = {}
    for element, _depth in walk(original):
        row = table.get(int(element.tag))
        if row and row.action in REMOVE_OR_REPLACE and not element.is_empty:
            values.setdefault(int(element.tag), []).append(element.value)
    return values


def _name_and_id_words(original: Dataset) -> set[str]:
    words = set()
    for keyword in NAME_AND_ID_KEYWORDS:
        for text in str(original.get(keyword, "") or "").replace("^", " ").replace("=", " ").split():
            if len(text) >= 3:
                words.add(text.casefold())
    return words


def _declares_clean_descriptors(dataset: Dataset) -> bool:
    return any(item.CodeValue == "113105" for item in dataset.get("DeidentificationMethodCodeSequence", []))


@pytest.mark.parametrize("keep_descriptions", [True, False], ids=["clean-descriptors", "strict-basic"])
@pytest.mark.parametrize("path", READABLE, ids=[short_id(p) for p in READABLE])
def test_no_annex_e_attribute_keeps_its_original_value(path: str, keep_descriptions: bool) -> None:
    original, result = deidentified(path, keep_descriptions=keep_descriptions)
    originals = _original_values(original)
    table = annex_e_table()
    leaks = []
    for element, depth in walk(result):
        row = table.get(int(element.tag))
        if row is None or row.action not in REMOVE_OR_REPLACE:
            continue
        kept_description = depth == 0 and row.tag in DESCRIPTIONS and row.clean_descriptor_option
        if keep_descriptions and kept_description and _declares_clean_descriptors(result):
            # Clean Descriptors Option: the text may stay, but it must not name or number the patient.
            text = str(element.value).casefold()
            assert not any(word in text for word in _name_and_id_words(original)), f"{row.name} names the patient"
            continue
        if row.action == "X":
            leaks.append(f"{element.tag} {row.name}: action X, still present")
        elif not element.is_empty and element.value in originals.get(row.tag, []):
            leaks.append(f"{element.tag} {row.name}: original value kept")
    assert leaks == []


@pytest.mark.parametrize("path", READABLE, ids=[short_id(p) for p in READABLE])
def test_no_private_attributes_curves_or_overlays_remain(path: str) -> None:
    _original, result = deidentified(path)
    left = [
        str(element.tag)
        for element, _depth in walk(result)
        if element.tag.is_private or 0x5000 <= element.tag.group <= 0x50FF or 0x6000 <= element.tag.group <= 0x60FF
    ]
    assert left == []


@pytest.mark.parametrize("path", READABLE, ids=[short_id(p) for p in READABLE])
def test_result_is_marked_and_dates_move_by_the_request_shift(path: str) -> None:
    original, result = deidentified(path)
    assert result.PatientIdentityRemoved == "YES"
    assert {item.CodeValue for item in result.DeidentificationMethodCodeSequence} >= {"113100", "113107"}
    shift = deidentifier().date_shift_days
    pairs = [(a, b) for a, b in paired(original, result) if a.VR == "DA" and not a.is_empty and not b.is_empty]
    for before, after in pairs:
        old = dt.datetime.strptime(str(before.value).replace(".", ""), "%Y%m%d")
        new = dt.datetime.strptime(str(after.value), "%Y%m%d")
        assert (new - old).days == shift, before.keyword


PATIENT_KEYWORDS = ("PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "OtherPatientIDs")
PLACEHOLDERS = {"anonymous", "anonymized", "none", "unknown"}


@pytest.mark.parametrize("path", READABLE, ids=[short_id(p) for p in READABLE])
def test_patient_name_id_birth_date_and_accession_appear_nowhere(path: str) -> None:
    """Beyond the table: the patient's identifiers are not found inside any text value, at any depth."""
    original, result = deidentified(path)
    identifiers = {
        text
        for keyword in PATIENT_KEYWORDS
        if len(text := str(original.get(keyword, "") or "").strip()) >= 4 and text.casefold() not in PLACEHOLDERS
    }
    found = [
        (str(element.tag), identifier)
        for element, _depth in walk(result)
        if element.VR not in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN")
        for identifier in identifiers
        if identifier in str(element.value)
    ]
    assert found == []


def test_the_date_shift_is_whole_days_into_the_past_and_depends_on_the_seed() -> None:
    shifts = {RequestDeidentifier(bytes([n]) * 32).date_shift_days for n in range(20)}
    assert all(-730 <= shift <= -62 for shift in shifts)
    assert len(shifts) > 10
    assert RequestDeidentifier(SEED).date_shift_days == deidentifier().date_shift_days


def test_dates_move_by_the_same_days_across_all_files_of_a_request() -> None:
    seen = set()
    for path in READABLE:
        original, result = deidentified(path)
        for before, after in paired(original, result):
            if before.VR == "DA" and not before.is_empty and not after.is_empty:
                old = dt.datetime.strptime(str(before.value).replace(".", ""), "%Y%m%d")
                seen.add((dt.datetime.strptime(str(after.value), "%Y%m%d") - old).days)
    assert seen == {deidentifier().date_shift_days}


def _uid_pairs(original: Dataset, result: Dataset) -> list[tuple[str, str, str]]:
    """(keyword, original UID, new UID) for every instance UID present at the same place in both."""
    pairs = []
    for meta_before, meta_after in ((getattr(original, "file_meta", None), getattr(result, "file_meta", None)),):
        if meta_before is not None and meta_after is not None:
            pairs.extend(paired(meta_before, meta_after))
    pairs.extend(paired(original, result))
    uids = []
    for before, after in pairs:
        if before.VR != "UI" or before.is_empty or before.keyword.endswith("ClassUID"):
            continue
        if before.keyword == "TransferSyntaxUID":
            continue
        old_values = list(before.value) if before.VM > 1 else [before.value]
        new_values = list(after.value) if after.VM > 1 else [after.value]
        uids.extend((before.keyword, str(a), str(b)) for a, b in zip(old_values, new_values, strict=True))
    return uids


def test_uids_map_consistently_across_all_files_of_a_request() -> None:
    """Same original UID → same new UID wherever it appears (any file, any depth: references stay linked)."""
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    references = 0
    for path in READABLE:
        for keyword, old, new in _uid_pairs(*deidentified(path)):
            assert new != old, f"{short_id(path)}: UID {old} kept"
            assert forward.setdefault(old, new) == new, f"{short_id(path)}: {old} mapped two ways"
            assert backward.setdefault(new, old) == old, f"{short_id(path)}: two UIDs collapsed into {new}"
            references += keyword == "ReferencedSOPInstanceUID"
    assert len(forward) > 100
    assert references > 10  # references from sequences were among them


def test_repeated_calls_give_the_same_uids_and_another_seed_gives_others() -> None:
    path = pydicom_path("CT_small.dcm")
    first = deidentifier().deidentify(load(path)).dataset
    again = RequestDeidentifier(SEED).deidentify(load(path)).dataset
    other = RequestDeidentifier(OTHER_SEED).deidentify(load(path)).dataset
    keywords = ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID")
    assert [first.get(k) for k in keywords] == [again.get(k) for k in keywords]
    assert all(first.get(k) != other.get(k) for k in keywords)
    assert first.file_meta.MediaStorageSOPInstanceUID == first.SOPInstanceUID


def test_references_in_sequences_follow_the_referenced_object() -> None:
    """A key image's Referenced SOP Instance UID and Referenced Series' UID point at the de-identified image."""
    image = load(pydicom_path("MR_small.dcm"))
    note = Dataset()
    note.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.59"  # Key Object Selection Document
    note.SOPInstanceUID = generate_uid()
    note.StudyInstanceUID = image.StudyInstanceUID
    note.SeriesInstanceUID = generate_uid()
    reference = Dataset()
    reference.ReferencedSOPClassUID = image.SOPClassUID
    reference.ReferencedSOPInstanceUID = image.SOPInstanceUID
    series = Dataset()
    series.SeriesInstanceUID = image.SeriesInstanceUID
    series.ReferencedSOPSequence = [reference]
    study = Dataset()
    study.StudyInstanceUID = image.StudyInstanceUID
    study.ReferencedSeriesSequence = [series]
    note.CurrentRequestedProcedureEvidenceSequence = [study]
    note.ReferencedImageSequence = [copy.deepcopy(reference)]

    request = RequestDeidentifier(SEED)
    new_image = request.deidentify(image).dataset
    new_note = request.deidentify(note).dataset

    evidence = new_note.CurrentRequestedProcedureEvidenceSequence[0]
    assert new_note.StudyInstanceUID == evidence.StudyInstanceUID == new_image.StudyInstanceUID
    assert evidence.ReferencedSeriesSequence[0].SeriesInstanceUID == new_image.SeriesInstanceUID
    referenced = evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence[0]
    assert referenced.ReferencedSOPInstanceUID == new_image.SOPInstanceUID
    assert new_note.ReferencedImageSequence[0].ReferencedSOPInstanceUID == new_image.SOPInstanceUID
    assert new_image.SOPInstanceUID != image.SOPInstanceUID


def test_the_original_dataset_is_never_modified() -> None:
    original = load(pydicom_path("examples_overlay.dcm"))
    before = copy.deepcopy(original)
    deidentifier().deidentify(original)
    assert original == before
    assert original.PatientName == before.PatientName


def test_names_and_ids_are_replaced_and_a_pseudonym_can_be_given() -> None:
    original = load(pydicom_path("CT_small.dcm"))
    result = RequestDeidentifier(SEED, patient_pseudonym="SPINEPATH-R123").deidentify(original).dataset
    assert result.PatientName == "SPINEPATH-R123" and result.PatientID == "SPINEPATH-R123"
    default = deidentifier().deidentify(original).dataset
    assert default.PatientName != original.PatientName and default.PatientID != original.PatientID


def _with(keyword_values: dict[str, str]) -> Dataset:
    dataset = load(pydicom_path("MR_small.dcm"))
    for keyword, value in keyword_values.items():
        setattr(dataset, keyword, value)
    return dataset


BURNED_IN = [
    ("burned-in-annotation-yes", {"BurnedInAnnotation": "YES"}, True),
    ("ultrasound-without-the-attribute", {"Modality": "US"}, True),
    ("secondary-capture-without-the-attribute", {"Modality": "SC"}, True),
    ("ultrasound-that-says-no", {"Modality": "US", "BurnedInAnnotation": "NO"}, False),
    ("mr-without-the-attribute", {}, False),
    ("recognisable-face", {"RecognizableVisualFeatures": "YES", "BurnedInAnnotation": "NO"}, True),
]


@pytest.mark.parametrize(("attributes", "flagged"), [r[1:] for r in BURNED_IN], ids=[r[0] for r in BURNED_IN])
def test_burned_in_text_is_flagged_for_reviewers(attributes: dict[str, str], flagged: bool) -> None:
    result = deidentifier().deidentify(_with(attributes))
    assert result.burned_in_flag is flagged
    assert bool(result.notes) is flagged


DESCRIPTION_CASES = [
    ("sequence-name", "T2 TSE SAG", True),
    ("study-with-caret", "L-SPINE^ROUTINE", True),
    ("german", "MRT LWS nativ", True),
    ("patient-surname", "Lumbar spine Smith", False),
    ("patient-id", "LWS 7654321", False),
    ("date", "Lumbar 05/01/2023", False),
    ("too-long", "x" * 70, False),
    ("control-character", "T2\nSAG", False),
]


@pytest.mark.parametrize(("text", "clean"), [r[1:] for r in DESCRIPTION_CASES], ids=[r[0] for r in DESCRIPTION_CASES])
def test_description_cleaning(text: str, clean: bool) -> None:
    assert is_clean_description(text, {"smith", "john", "7654321"}) is clean


def test_descriptions_are_kept_only_when_clean_and_only_with_the_option() -> None:
    dataset = _with({"PatientName": "Smith^John", "StudyDescription": "L-SPINE", "SeriesDescription": "Smith T2"})
    result = deidentifier().deidentify(dataset)
    assert result.dataset.StudyDescription == "L-SPINE"
    assert "SeriesDescription" not in result.dataset
    assert any("SeriesDescription" in note for note in result.notes)
    strict = RequestDeidentifier(SEED, keep_clean_descriptions=False).deidentify(dataset).dataset
    assert "StudyDescription" not in strict
    assert "113105" not in {item.CodeValue for item in strict.DeidentificationMethodCodeSequence}


def test_verification_fails_closed_when_the_anonymizer_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    request = RequestDeidentifier(SEED)
    monkeypatch.setattr(request._anonymizer, "anonymize", lambda dataset: None)
    original = load(pydicom_path("CT_small.dcm"))
    with pytest.raises(DeidentificationError) as caught:
        request.deidentify(original)
    message = str(caught.value)
    assert "SOPInstanceUID" in message  # names the attribute ...
    assert str(original.SOPInstanceUID) not in message  # ... never its value
    assert str(original.PatientName) not in message


def test_result_writes_a_dicom_file_that_reads_back() -> None:
    result = deidentifier().deidentify_bytes(pydicom_bytes("MR_small.dcm"))
    data = result.to_bytes()
    assert data[:128] == bytes(128) and data[128:132] == b"DICM"
    again = load_dicom(data)
    assert again.SOPInstanceUID == result.dataset.SOPInstanceUID == again.file_meta.MediaStorageSOPInstanceUID
    assert again.PatientIdentityRemoved == "YES"


def test_invalid_dates_are_emptied_not_fatal() -> None:
    result = deidentifier().deidentify(_with({"StudyDate": "20231399", "ContentDate": "2023"}))
    assert result.dataset.get("StudyDate") in (None, "")
    assert any("invalid date" in note for note in result.notes)


def test_product_table_matches_the_independent_table() -> None:
    """The product's Annex E table (generated) and the test's copy of the standard agree, tag for tag."""
    independent = {tag: row.action for tag, row in annex_e_table().items()}
    product = {tag: action for tag, (action, _name) in BASIC_PROFILE.items()}
    assert product == independent


def test_seed_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="16"):
        RequestDeidentifier(b"short")
