"""Reading one DICOM object from untrusted bytes, checking that it is complete.

pydicom is deliberately lenient: it reads a file whose pixel data was cut short, or whose encapsulated (compressed)
pixel data lost its end, and only warns. For an upload that would reach a hospital that is not good enough, so
:func:`load_dicom` loads the whole object (``defer_size=None``) and then checks what pydicom lets through.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from enum import StrEnum

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian

from spinepath.imaging.errors import NotDicomError

#: SOP Class of a DICOMDIR, the index file on a CD: it names the patient and holds no image.
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"

_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
# What pydicom raises, besides its own InvalidDicomError, on bytes that are not the DICOM they claim to be.
_PARSE_ERRORS = (
    InvalidDicomError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    NotImplementedError,
    OverflowError,
    struct.error,
    zlib.error,
    RecursionError,
)
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


class DicomProblem(StrEnum):
    """Why bytes were not accepted as a DICOM object (the values are the upload refusal codes)."""

    NOT_DICOM = "not_dicom"
    TRUNCATED = "truncated"
    DAMAGED = "damaged"
    DISC_INDEX = "disc_index"
    COMPRESSION_BOMB = "compression_bomb"


def has_dicom_preamble(data: bytes) -> bool:
    """True when the bytes carry the DICOM file format's 128-byte preamble followed by ``DICM``."""
    return len(data) >= 132 and data[128:132] == b"DICM"


def looks_like_bare_dataset(data: bytes) -> bool:
    """True when the bytes may be a DICOM data set written without preamble and file meta (old CDs do this).

    Such a stream starts with an element of group 0002 or 0008, little or big endian.
    """
    return data[:2] in (b"\x02\x00", b"\x08\x00", b"\x00\x08") and len(data) >= 16


def load_dicom(data: bytes, *, max_inflated_bytes: int = 512 * 1024 * 1024) -> Dataset:
    """Parse ``data`` as one complete DICOM object, or raise :class:`NotDicomError` saying why not.

    Accepted: the DICOM file format (preamble + ``DICM`` + file meta), and a bare data set without preamble whose
    first element is in group 0002/0008 and which names its SOP Class and SOP Instance (pydicom's ``force=False``
    refuses every file without the preamble, so these are read with ``force=True`` and then held to that check).
    Refused: anything else, DICOMDIR index files, objects whose pixel data is shorter than Rows x Columns x
    Samples per Pixel x Bits Allocated / 8 x Number of Frames (uncompressed) or whose encapsulated pixel data is cut
    short, and deflated objects that inflate past ``max_inflated_bytes``.

    The error's ``problem`` attribute is a :class:`DicomProblem` (a string enum).
    """
    if has_dicom_preamble(data):
        _check_deflated_size(data, max_inflated_bytes)
        force = False
    elif looks_like_bare_dataset(data):
        force = True
    else:
        raise NotDicomError(DicomProblem.NOT_DICOM, "no DICOM preamble and no DICOM data set at the start")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            dataset = pydicom.dcmread(io.BytesIO(data), force=force, defer_size=None)
        except _PARSE_ERRORS as exc:
            raise NotDicomError(DicomProblem.DAMAGED, f"pydicom could not read it: {type(exc).__name__}") from exc
    if any("End of file reached" in str(w.message) for w in caught):
        raise NotDicomError(DicomProblem.TRUNCATED, "the file ends before its data does")

    meta = getattr(dataset, "file_meta", None)
    sop_class = dataset.get("SOPClassUID") or (meta.get("MediaStorageSOPClassUID") if meta is not None else None)
    if str(sop_class or "") == MEDIA_STORAGE_DIRECTORY or "DirectoryRecordSequence" in dataset:
        raise NotDicomError(DicomProblem.DISC_INDEX, "a DICOMDIR index file")
    if force and not (_is_uid(dataset.get("SOPClassUID")) and _is_uid(dataset.get("SOPInstanceUID"))):
        raise NotDicomError(DicomProblem.NOT_DICOM, "a bare data set without SOP Class UID and SOP Instance UID")
    if not dataset.get("SOPInstanceUID") or not dataset.get("SOPClassUID"):
        raise NotDicomError(DicomProblem.TRUNCATED, "the file ends before its identifying elements")
    _check_pixel_data(dataset)
    return dataset


def _is_uid(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and bool(_UID.match(value))


def _transfer_syntax(dataset: Dataset) -> UID | None:
    meta = getattr(dataset, "file_meta", None)
    value = meta.get("TransferSyntaxUID") if meta is not None else None
    return UID(value) if value else None


def _check_pixel_data(dataset: Dataset) -> None:
    present = [k for k in _PIXEL_KEYWORDS if k in dataset]
    is_image_class = UID(str(dataset.SOPClassUID)).name.endswith("Image Storage")
    if not present:
        if "Rows" in dataset or is_image_class:
            raise NotDicomError(DicomProblem.TRUNCATED, "an image without its pixel data")
        return  # a non-image object (report, presentation state): nothing to measure
    keyword = present[0]
    value = dataset[keyword].value
    if not isinstance(value, bytes | bytearray):
        raise NotDicomError(DicomProblem.DAMAGED, "unreadable pixel data")
    syntax = _transfer_syntax(dataset)
    if keyword == "PixelData" and syntax is not None and syntax.is_encapsulated:
        _check_encapsulated(bytes(value), little_endian=syntax.is_little_endian)
        return
    try:
        rows, columns = int(dataset.Rows), int(dataset.Columns)
        samples = int(dataset.get("SamplesPerPixel", 1) or 1)
        bits = int(dataset.BitsAllocated)
        frames = int(dataset.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError) as exc:
        raise NotDicomError(DicomProblem.DAMAGED, "the image size elements are missing or invalid") from exc
    if min(rows, columns, samples, bits, frames) < 1:
        raise NotDicomError(DicomProblem.DAMAGED, "the image size elements are zero or negative")
    expected_bits = rows * columns * samples * frames * bits
    if dataset.get("PhotometricInterpretation") == "YBR_FULL_422":
        expected_bits = expected_bits * 2 // 3  # two chroma samples per two pixels (PS3.5 8.2.1)
    expected = (expected_bits + 7) // 8
    if len(value) < expected:
        raise NotDicomError(DicomProblem.TRUNCATED, f"pixel data has {len(value)} of {expected} bytes")


def _check_encapsulated(value: bytes, *, little_endian: bool) -> None:
    """Walk the items of encapsulated pixel data: each must fit in the buffer, with at least one fragment."""
    endian = "<" if little_endian else ">"
    offset, items = 0, 0
    while offset + 8 <= len(value):
        group, element, length = struct.unpack(f"{endian}HHL", value[offset : offset + 8])
        tag = group << 16 | element
        if tag == 0xFFFEE0DD:
            break
        if tag != 0xFFFEE000 or length == 0xFFFFFFFF:
            raise NotDicomError(DicomProblem.DAMAGED, "compressed pixel data is malformed")
        if offset + 8 + length > len(value):
            raise NotDicomError(DicomProblem.TRUNCATED, "compressed pixel data is cut short")
        offset += 8 + length
        items += 1
    if items < 2:  # the first item is the Basic Offset Table; a frame needs at least one more
        raise NotDicomError(DicomProblem.TRUNCATED, "compressed pixel data has no frames")


def _check_deflated_size(data: bytes, limit: int) -> None:
    """A deflated data set is inflated whole by pydicom: measure it first, streaming, with a hard cap."""
    syntax, meta_end = _scan_file_meta(data)
    if syntax != DeflatedExplicitVRLittleEndian:
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    inflated, chunk = 0, 1 << 20
    pending = data[meta_end:]
    try:
        while pending and not inflater.eof:
            out = inflater.decompress(pending, chunk)
            inflated += len(out)
            if inflated > limit:
                raise NotDicomError(DicomProblem.COMPRESSION_BOMB, "the deflated data set inflates past the limit")
            pending = inflater.unconsumed_tail
            if not out and not pending:
                break
    except zlib.error as exc:
        raise NotDicomError(DicomProblem.DAMAGED, "the deflated data set is corrupt") from exc


def _scan_file_meta(data: bytes) -> tuple[str | None, int]:
    """Return (Transfer Syntax UID, offset after group 0002) from the file meta, always explicit VR little endian."""
    offset, syntax = 132, None
    while offset + 8 <= len(data):
        group, element = struct.unpack("<HH", data[offset : offset + 4])
        if group != 0x0002:
            break
        vr = data[offset + 4 : offset + 6]
        if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
            length = struct.unpack("<L", data[offset + 8 : offset + 12])[0]
            start = offset + 12
        else:
            length = struct.unpack("<H", data[offset + 6 : offset + 8])[0]
            start = offset + 8
        if element == 0x0010:
            syntax = data[start : start + length].rstrip(b"\x00 ").decode("ascii", "replace")
        offset = start + length
    return syntax, offset
