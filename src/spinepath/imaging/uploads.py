"""What a patient uploaded, judged by content (never by file name), one verdict per file.

:func:`inspect_upload` takes one or more uploaded files — paths or binary streams — and returns an
:class:`UploadReport` with an :class:`UploadItem` per file, or per member for a ZIP. Accepted kinds:

* **DICOM**: the DICOM file format (128-byte preamble + ``DICM``), or a bare DICOM data set without preamble that
  names its SOP Class and Instance; loaded fully and checked for completeness (:func:`load_dicom`).
* **ZIP** of those (one level: an archive inside an archive is refused). Its members are read streaming with a hard
  byte cap; the sizes in the ZIP headers are never trusted. Names are only shown, never used as paths.
* **PDF** radiology report: ``%PDF-`` header and an end-of-file trailer; password-protected PDFs are refused.

Everything else is refused with a sentence a patient can act on, naming the file. A refused file never harms the
others: a ZIP with three good DICOM files and one stray file accepts three and reports one.
"""

from __future__ import annotations

import os
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, TypeAlias

from pydicom.dataset import Dataset

from spinepath.imaging._dicomfile import has_dicom_preamble, load_dicom, looks_like_bare_dataset
from spinepath.imaging.errors import NotDicomError

MiB = 1024 * 1024
_CHUNK = 64 * 1024

#: A path, a binary stream (its ``name`` attribute, if any, is shown to the patient), or ``(name, stream)``.
Source: TypeAlias = "str | os.PathLike[str] | BinaryIO | tuple[str, BinaryIO]"


class FileKind(StrEnum):
    DICOM = "dicom"
    PDF = "pdf"


class Refusal(StrEnum):
    """Why a file was refused; stable codes for the web layer to translate (the English text is in ``message``)."""

    EMPTY = "empty"
    NOT_RECOGNISED = "not_recognised"
    NOT_DICOM = "not_dicom"  # named like a DICOM file, but the content is not DICOM
    PICTURE = "picture"
    OTHER_ARCHIVE = "other_archive"
    TRUNCATED = "truncated"
    DAMAGED = "damaged"
    DISC_INDEX = "disc_index"
    PDF_DAMAGED = "pdf_damaged"
    PDF_ENCRYPTED = "pdf_encrypted"
    TOO_LARGE = "too_large"
    TOO_MANY_FILES = "too_many_files"
    COMPRESSION_BOMB = "compression_bomb"
    UNSAFE_PATH = "unsafe_path"
    LINK = "link"
    ENCRYPTED = "encrypted"
    NESTED_ARCHIVE = "nested_archive"
    DAMAGED_ARCHIVE = "damaged_archive"
    EMPTY_ARCHIVE = "empty_archive"
    NOT_A_FILE = "not_a_file"


_MESSAGES: dict[Refusal, str] = {
    Refusal.EMPTY: "“{name}” is empty (0 bytes). Please upload it again.",
    Refusal.NOT_RECOGNISED: (
        "“{name}” is not a DICOM scan file, a ZIP of scan files or a PDF report, so it was not uploaded. "
        "Please upload the files from your imaging CD or download, or the radiology report as a PDF."
    ),
    Refusal.NOT_DICOM: (
        "“{name}” is named like a scan file but its content is not DICOM, so it was not uploaded. "
        "Please upload the original files from your imaging CD or download."
    ),
    Refusal.PICTURE: (
        "“{name}” is a photo or picture, not an original scan file, so it was not uploaded. "
        "Please upload the DICOM files from your imaging CD or download, or the report as a PDF."
    ),
    Refusal.OTHER_ARCHIVE: (
        "“{name}” is a compressed archive in a format we do not accept. Please send the files as a ZIP instead."
    ),
    Refusal.TRUNCATED: (
        "“{name}” is incomplete: it looks cut short, perhaps while copying. Please copy it from the CD again "
        "and upload it again."
    ),
    Refusal.DAMAGED: "“{name}” is a damaged DICOM file that cannot be read. Please copy it again from the CD.",
    Refusal.DISC_INDEX: "“{name}” is the CD's index file (DICOMDIR), not a scan. It is not needed and was skipped.",
    Refusal.PDF_DAMAGED: "“{name}” is an incomplete or damaged PDF. Please download or scan the report again.",
    Refusal.PDF_ENCRYPTED: (
        "“{name}” is a password-protected PDF, which the hospital could not open. Please upload an unprotected copy."
    ),
    Refusal.TOO_LARGE: (
        "“{name}” was not uploaded because the upload is over the size limit of {limit}. "
        "Please upload the spine series only, or split them into several uploads."
    ),
    Refusal.TOO_MANY_FILES: (
        "“{name}” holds more than {limit} files, more than one upload may have. "
        "Please upload the spine series only, or split them into several ZIP files."
    ),
    Refusal.COMPRESSION_BOMB: (
        "“{name}” expands to far more data than a scan file could hold, so it was not opened. "
        "Please upload the original files."
    ),
    Refusal.UNSAFE_PATH: (
        "“{name}” has a folder path that points outside the ZIP file, so it was not opened. "
        "Please create the ZIP again from the CD's files."
    ),
    Refusal.LINK: "“{name}” is a link (shortcut) to another file, not a file. Please upload the file itself.",
    Refusal.ENCRYPTED: (
        "“{name}” is password-protected, so it could not be checked. Please make a ZIP without a password."
    ),
    Refusal.NESTED_ARCHIVE: (
        "“{name}” is an archive inside the ZIP file; archives inside archives are not opened. "
        "Please unpack it and include its files directly."
    ),
    Refusal.DAMAGED_ARCHIVE: "“{name}” is a damaged or incomplete ZIP file. Please create it again and upload it.",
    Refusal.EMPTY_ARCHIVE: "“{name}” is a ZIP file with no files in it.",
    Refusal.NOT_A_FILE: "“{name}” is not a readable file.",
}


@dataclass(frozen=True)
class UploadLimits:
    """Limits on one upload (all files of one request together). The defaults suit a spine MRI study."""

    max_total_bytes: int = 200 * MiB
    """Uncompressed bytes, summed over every file and ZIP member; files past it are refused, not read."""
    max_members: int = 2000
    """Entries in one ZIP file; a ZIP with more is refused whole."""
    max_compression_ratio: float = 100.0
    """Inflated bytes per compressed byte of a ZIP member (judged once it has inflated past ``ratio_grace_bytes``)."""
    ratio_grace_bytes: int = 1 * MiB
    """Small members may compress better than the ratio (a blank image does) without being a bomb."""

    def describe_total(self) -> str:
        return f"{self.max_total_bytes / MiB:g} MB"


@dataclass(frozen=True)
class UploadItem:
    """The verdict on one uploaded file or ZIP member."""

    name: str
    """What to show the patient: the file name, or ``archive.zip › folder/member``; never used as a path."""
    accepted: bool
    kind: FileKind | None
    """DICOM or PDF for an accepted file; ``None`` for a refused one."""
    refusal: Refusal | None
    message: str
    """A sentence for the patient: why the file was refused (empty when accepted)."""
    size_bytes: int
    """Bytes read (uncompressed)."""
    data: bytes = field(default=b"", repr=False)
    """The file's content when accepted (bounded by ``UploadLimits.max_total_bytes`` over the upload)."""

    def open(self) -> BinaryIO:
        """The accepted content as a binary stream."""
        return BytesIO(self.data)

    def read_dataset(self) -> Dataset:
        """The accepted DICOM object, parsed (a fresh copy each call)."""
        if self.kind is not FileKind.DICOM:
            raise ValueError(f"{self.name} is not an accepted DICOM file")
        return load_dicom(self.data)


@dataclass(frozen=True)
class UploadReport:
    items: tuple[UploadItem, ...]

    @property
    def accepted(self) -> tuple[UploadItem, ...]:
        return tuple(item for item in self.items if item.accepted)

    @property
    def refused(self) -> tuple[UploadItem, ...]:
        return tuple(item for item in self.items if not item.accepted)

    @property
    def dicom(self) -> tuple[UploadItem, ...]:
        return tuple(item for item in self.items if item.kind is FileKind.DICOM)

    @property
    def pdf(self) -> tuple[UploadItem, ...]:
        return tuple(item for item in self.items if item.kind is FileKind.PDF)


def inspect_upload(sources: Source | Iterable[Source], *, limits: UploadLimits | None = None) -> UploadReport:
    """Judge every uploaded file by its content; return one verdict per file (per member for a ZIP).

    Never raises for a bad file: problems become refused items with a patient-readable message.
    Paths that are symbolic links are refused, not followed.
    """
    limits = limits or UploadLimits()
    budget = _Budget(limits.max_total_bytes)
    items: list[UploadItem] = []
    for source in _as_sources(sources):
        items.extend(_inspect_source(source, limits, budget))
    return UploadReport(tuple(items))


# --------------------------------------------------------------------------------------------------------------------
# internals


class _Budget:
    """The uncompressed bytes the upload may still read."""

    def __init__(self, total: int) -> None:
        self.remaining = total

    def spend(self, size: int) -> None:
        self.remaining -= size


def _as_sources(sources: Source | Iterable[Source]) -> list[Source]:
    if isinstance(sources, str | os.PathLike) or hasattr(sources, "read"):
        return [sources]  # type: ignore[list-item]
    if isinstance(sources, tuple) and len(sources) == 2 and isinstance(sources[0], str) and hasattr(sources[1], "read"):
        return [sources]  # type: ignore[list-item]
    return list(sources)  # type: ignore[arg-type]


def _refuse(name: str, refusal: Refusal, *, size: int = 0, limits: UploadLimits | None = None) -> UploadItem:
    limit = ""
    if refusal is Refusal.TOO_LARGE and limits:
        limit = limits.describe_total()
    elif refusal is Refusal.TOO_MANY_FILES and limits:
        limit = f"{limits.max_members:,}"
    message = _MESSAGES[refusal].format(name=name, limit=limit)
    return UploadItem(name=name, accepted=False, kind=None, refusal=refusal, message=message, size_bytes=size)


def _accept(name: str, kind: FileKind, data: bytes) -> UploadItem:
    return UploadItem(name, True, kind, None, "", len(data), data)


def _display_name(raw: str) -> str:
    """A name safe to show: no control characters, at most 120 characters (the end is the informative part)."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in raw).strip()
    cleaned = cleaned or "(unnamed file)"
    return cleaned if len(cleaned) <= 120 else "…" + cleaned[-119:]


def _inspect_source(source: Source, limits: UploadLimits, budget: _Budget) -> list[UploadItem]:
    if isinstance(source, tuple):
        name, stream = source
        return _inspect_stream(_display_name(name), stream, limits, budget)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = _display_name(path.name)
        try:
            info = os.lstat(path)
        except OSError:
            return [_refuse(name, Refusal.NOT_A_FILE)]
        if stat.S_ISLNK(info.st_mode):
            return [_refuse(name, Refusal.LINK)]
        if not stat.S_ISREG(info.st_mode):
            return [_refuse(name, Refusal.NOT_A_FILE)]
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return [_refuse(name, Refusal.NOT_A_FILE)]
        with os.fdopen(fd, "rb") as stream:
            return _inspect_stream(name, stream, limits, budget)
    raw_name = getattr(source, "name", None)
    name = _display_name(Path(raw_name).name if isinstance(raw_name, str) else "upload")
    return _inspect_stream(name, source, limits, budget)


def _read_capped(stream: BinaryIO, cap: int) -> bytes | None:
    """Read to the end, or return None as soon as more than ``cap`` bytes arrive."""
    parts, size = [], 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > cap:
            return None
        parts.append(chunk)


def _inspect_stream(name: str, stream: BinaryIO, limits: UploadLimits, budget: _Budget) -> list[UploadItem]:
    if budget.remaining <= 0:
        return [_refuse(name, Refusal.TOO_LARGE, limits=limits)]
    # The ZIP itself may be as large as the whole budget; only what it inflates to is spent.
    data = _read_capped(stream, limits.max_total_bytes)
    if data is None:
        return [_refuse(name, Refusal.TOO_LARGE, limits=limits)]
    if _is_zip(data):
        return _inspect_zip(name, data, limits, budget)
    if len(data) > budget.remaining:
        return [_refuse(name, Refusal.TOO_LARGE, size=len(data), limits=limits)]
    budget.spend(len(data))
    return [_classify(name, data, inside_archive=False)]


def _is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


_PICTURE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_ARCHIVE_MAGIC = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"MSCF")
_DICOM_SUFFIXES = (".dcm", ".dicom", ".dic", ".ima")


def _classify(name: str, data: bytes, *, inside_archive: bool) -> UploadItem:
    if not data:
        return _refuse(name, Refusal.EMPTY)
    if _is_zip(data):
        return _refuse(name, Refusal.NESTED_ARCHIVE if inside_archive else Refusal.DAMAGED_ARCHIVE, size=len(data))
    if data.startswith(b"%PDF-"):
        return _check_pdf(name, data)
    if has_dicom_preamble(data) or looks_like_bare_dataset(data):
        try:
            load_dicom(data)
        except NotDicomError as refused:
            refusal = Refusal(refused.problem)
            if refusal is Refusal.NOT_DICOM and not name.lower().endswith(_DICOM_SUFFIXES):
                refusal = Refusal.NOT_RECOGNISED
            return _refuse(name, refusal, size=len(data))
        return _accept(name, FileKind.DICOM, data)
    if data.startswith(_PICTURE_MAGIC) or data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return _refuse(name, Refusal.PICTURE, size=len(data))
    if data.startswith(_ARCHIVE_MAGIC) or data[257:262] == b"ustar":
        return _refuse(name, Refusal.NESTED_ARCHIVE if inside_archive else Refusal.OTHER_ARCHIVE, size=len(data))
    if name.lower().endswith(_DICOM_SUFFIXES):
        return _refuse(name, Refusal.NOT_DICOM, size=len(data))
    return _refuse(name, Refusal.NOT_RECOGNISED, size=len(data))


def _check_pdf(name: str, data: bytes) -> UploadItem:
    tail = data[-2048:]
    # A complete PDF ends with a trailer: "startxref", the offset of the cross-reference data, then "%%EOF".
    if b"%%EOF" not in tail or b"startxref" not in data[-4096:]:
        return _refuse(name, Refusal.PDF_DAMAGED, size=len(data))
    if b"/Encrypt" in data:
        return _refuse(name, Refusal.PDF_ENCRYPTED, size=len(data))
    return _accept(name, FileKind.PDF, data)


def _unsafe_member_name(raw: str) -> bool:
    """Zip-slip guard: absolute paths, drive letters, parent references or NUL make a name unsafe."""
    name = raw.replace("\\", "/")
    if not name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return any(part == ".." for part in name.split("/"))


def _is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _inspect_zip(name: str, data: bytes, limits: UploadLimits, budget: _Budget) -> list[UploadItem]:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return [_refuse(name, Refusal.DAMAGED_ARCHIVE, size=len(data))]
    with archive:
        if len(members) > limits.max_members:
            return [_refuse(name, Refusal.TOO_MANY_FILES, size=len(data), limits=limits)]
        items = [item for info in members if (item := _inspect_member(name, archive, info, limits, budget))]
    return items or [_refuse(name, Refusal.EMPTY_ARCHIVE, size=len(data))]


def _inspect_member(
    archive_name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: UploadLimits, budget: _Budget
) -> UploadItem | None:
    if info.is_dir() and not _unsafe_member_name(info.filename):
        return None
    name = _display_name(f"{archive_name} › {info.filename}")
    if _unsafe_member_name(info.filename):
        return _refuse(name, Refusal.UNSAFE_PATH)
    if _is_link(info):
        return _refuse(name, Refusal.LINK)
    if info.flag_bits & 0x1:
        return _refuse(name, Refusal.ENCRYPTED)
    if info.file_size > limits.ratio_grace_bytes and info.file_size > limits.max_compression_ratio * max(
        info.compress_size, 1
    ):
        return _refuse(name, Refusal.COMPRESSION_BOMB)  # declared as a bomb: not even opened
    if budget.remaining <= 0:
        return _refuse(name, Refusal.TOO_LARGE, limits=limits)
    try:
        data, refusal = _read_member(archive, info, limits, budget)
    except NotImplementedError:  # a compression method zipfile cannot read (e.g. Deflate64)
        return _refuse(name, Refusal.DAMAGED_ARCHIVE)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
        return _refuse(name, Refusal.DAMAGED_ARCHIVE)
    if refusal is not None:
        return _refuse(name, refusal, limits=limits)
    return _classify(name, data, inside_archive=True)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: UploadLimits, budget: _Budget
) -> tuple[bytes, Refusal | None]:
    """Inflate one member in chunks, counting real bytes, never the header's sizes.

    Stops past the upload's remaining budget (too large) or past the compression ratio (a bomb). Every byte
    inflated is spent from the budget, whatever the verdict, so the work one upload can cause stays bounded.
    """
    ratio_cap = max(limits.ratio_grace_bytes, int(max(info.compress_size, 1) * limits.max_compression_ratio))
    cap = budget.remaining
    parts: list[bytes] = []
    size = 0
    with archive.open(info) as member:
        for chunk in _chunks(member):
            size += len(chunk)
            budget.spend(len(chunk))
            if size > ratio_cap:
                return b"", Refusal.COMPRESSION_BOMB
            if size > cap:
                return b"", Refusal.TOO_LARGE
            parts.append(chunk)
    return b"".join(parts), None


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk
