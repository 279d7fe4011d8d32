"""Upload checks judge files by content, one verdict per file, and a bad file never spoils the rest."""

from __future__ import annotations

import gzip
import io
import os
import random
import stat
import struct
import time
import zipfile
from pathlib import Path

import pytest
from imaging_testdata import make_zip, pydicom_bytes
from PIL import Image

from spinepath.imaging import FileKind, NotDicomError, Refusal, UploadLimits, inspect_upload, load_dicom

MR = pydicom_bytes("MR_small.dcm")
CT = pydicom_bytes("CT_small.dcm")
JPEG_LS = pydicom_bytes("emri_small_jpeg_ls_lossless.dcm")

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"
)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "grey").save(buffer, format="JPEG")
    return buffer.getvalue()


# (test id, file name, content, expected refusal or None when accepted, expected kind)
SINGLE_FILES = [
    ("real-mr-dicom-accepted", "scan.dcm", MR, None, FileKind.DICOM),
    ("accepted-without-dcm-suffix", "IM000001", CT, None, FileKind.DICOM),
    ("jpeg-ls-compressed-dicom-accepted", "IMG", JPEG_LS, None, FileKind.DICOM),
    (
        "bare-dataset-without-preamble-accepted",
        "old.dcm",
        pydicom_bytes("ExplVR_LitEndNoMeta.dcm"),
        None,
        FileKind.DICOM,
    ),
    ("big-endian-bare-dataset-accepted", "old", pydicom_bytes("ExplVR_BigEndNoMeta.dcm"), None, FileKind.DICOM),
    ("pdf-report-accepted", "report.pdf", MINIMAL_PDF, None, FileKind.PDF),
    ("pdf-named-dcm-is-still-a-pdf", "report.dcm", MINIMAL_PDF, None, FileKind.PDF),
    ("dcm-that-is-not-dicom", "scan.dcm", b"This is a text file, not an image.\n" * 20, Refusal.NOT_DICOM, None),
    ("empty-file", "empty.dcm", b"", Refusal.EMPTY, None),
    ("random-bytes", "data.bin", random.Random(7).randbytes(4096), Refusal.NOT_RECOGNISED, None),
    ("random-bytes-named-dcm", "data.dcm", random.Random(7).randbytes(4096), Refusal.NOT_DICOM, None),
    ("dicom-cut-in-half", "cut.dcm", MR[: len(MR) // 2], Refusal.TRUNCATED, None),
    ("dicom-cut-in-the-header", "cut.dcm", MR[:300], Refusal.TRUNCATED, None),
    ("dicom-preamble-only", "cut.dcm", MR[:132], Refusal.TRUNCATED, None),
    ("compressed-dicom-cut-short", "cut.dcm", JPEG_LS[:-100], Refusal.TRUNCATED, None),
    ("pydicom-truncated-pixel-data", "t.dcm", pydicom_bytes("MR_truncated.dcm"), Refusal.TRUNCATED, None),
    ("dicomdir-index-skipped", "DICOMDIR", pydicom_bytes("DICOMDIR"), Refusal.DISC_INDEX, None),
    ("pdf-without-trailer", "report.pdf", MINIMAL_PDF[:-30], Refusal.PDF_DAMAGED, None),
    (
        "password-protected-pdf",
        "report.pdf",
        MINIMAL_PDF.replace(b"/Size 3", b"/Size 3 /Encrypt 4 0 R"),
        Refusal.PDF_ENCRYPTED,
        None,
    ),
    ("phone-photo", "IMG_0001.jpg", _photo(), Refusal.PICTURE, None),
    ("gzip-archive", "scans.gz", gzip.compress(MR), Refusal.OTHER_ARCHIVE, None),
]


@pytest.mark.parametrize(
    ("name", "content", "refusal", "kind"), [row[1:] for row in SINGLE_FILES], ids=[row[0] for row in SINGLE_FILES]
)
def test_single_file_is_judged_by_content(tmp_path: Path, name: str, content: bytes, refusal, kind) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    (item,) = inspect_upload(path).items

    assert item.name == name
    assert item.refusal is refusal
    assert item.accepted is (refusal is None)
    assert item.kind is kind
    if refusal is None:
        assert item.data == content and item.message == ""
    else:
        assert item.data == b""
        assert f"“{name}”" in item.message  # the patient is told which file


def test_accepted_dicom_can_be_read_back() -> None:
    (item,) = inspect_upload(("scan.dcm", io.BytesIO(MR))).items
    assert item.read_dataset().SOPInstanceUID == load_dicom(MR).SOPInstanceUID


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"plain text, long enough to look at" * 10, "not_dicom"), (MR[:4000], "truncated")],
    ids=["text", "cut-short"],
)
def test_load_dicom_says_why_it_refuses(content: bytes, problem: str) -> None:
    with pytest.raises(NotDicomError) as caught:
        load_dicom(content)
    assert caught.value.problem == problem


def test_streams_and_name_stream_pairs_are_sources() -> None:
    named = io.BytesIO(CT)
    named.name = "/tmp/whatever/CT.dcm"
    report = inspect_upload([named, ("report.pdf", io.BytesIO(MINIMAL_PDF)), io.BytesIO(b"junk")])
    assert [(i.name, i.accepted) for i in report.items] == [("CT.dcm", True), ("report.pdf", True), ("upload", False)]
    assert len(report.dicom) == 1 and len(report.pdf) == 1 and len(report.refused) == 1


def test_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    real = tmp_path / "real.dcm"
    real.write_bytes(MR)
    link = tmp_path / "link.dcm"
    link.symlink_to(real)
    items = inspect_upload([link, real]).items
    assert [(i.name, i.refusal) for i in items] == [("link.dcm", Refusal.LINK), ("real.dcm", None)]


def test_directory_and_missing_path_are_refused(tmp_path: Path) -> None:
    items = inspect_upload([tmp_path, tmp_path / "missing.dcm"]).items
    assert [i.refusal for i in items] == [Refusal.NOT_A_FILE, Refusal.NOT_A_FILE]


# --------------------------------------------------------------------------------------------------------------------
# ZIP archives


def _verdicts(zip_bytes: bytes, limits: UploadLimits | None = None) -> dict[str, Refusal | None]:
    report = inspect_upload(("study.zip", io.BytesIO(zip_bytes)), limits=limits)
    return {item.name.removeprefix("study.zip › "): item.refusal for item in report.items}


def test_mixed_zip_keeps_the_good_members() -> None:
    archive = make_zip(
        [
            ("DICOM/IM1", MR),
            ("DICOM/IM2", CT),
            ("DICOM/IM3", JPEG_LS),
            ("DICOM/", b""),  # a folder entry: silently skipped
            ("autorun.inf", b"[autorun]\nopen=viewer.exe\n"),
            ("DICOMDIR", pydicom_bytes("DICOMDIR")),
            ("report.pdf", MINIMAL_PDF),
        ]
    )
    assert _verdicts(archive) == {
        "DICOM/IM1": None,
        "DICOM/IM2": None,
        "DICOM/IM3": None,
        "autorun.inf": Refusal.NOT_RECOGNISED,
        "DICOMDIR": Refusal.DISC_INDEX,
        "report.pdf": None,
    }


@pytest.mark.parametrize(
    "unsafe_name",
    ["../evil.dcm", "/etc/evil.dcm", "C:/evil.dcm", "a/../../evil.dcm", "..\\..\\evil.dcm"],
    ids=["parent", "absolute", "drive-letter", "nested-parent", "backslash-parent"],
)
def test_zip_slip_member_is_refused_and_the_rest_kept(unsafe_name: str) -> None:
    verdicts = _verdicts(make_zip([(unsafe_name, MR), ("good.dcm", CT)]))
    assert list(verdicts.values()) == [Refusal.UNSAFE_PATH, None]


def test_nested_zip_is_refused_and_the_rest_kept() -> None:
    inner = make_zip([("IM1", MR)])
    assert _verdicts(make_zip([("inner.zip", inner), ("IM2", CT)])) == {
        "inner.zip": Refusal.NESTED_ARCHIVE,
        "IM2": None,
    }


def _set_flag_bits(zip_bytes: bytes, bits: int) -> bytes:
    """Mark every member as encrypted (general purpose bit 0) in the local and central headers."""
    data = bytearray(zip_bytes)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            (flags,) = struct.unpack_from("<H", data, start + flag_offset)
            struct.pack_into("<H", data, start + flag_offset, flags | bits)
            start += 4
    return bytes(data)


def test_password_protected_member_is_refused() -> None:
    assert _verdicts(_set_flag_bits(make_zip([("IM1", MR)]), 0x1)) == {"IM1": Refusal.ENCRYPTED}


def test_symlink_member_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("IM1")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("IM2", CT)
    assert _verdicts(buffer.getvalue()) == {"IM1": Refusal.LINK, "IM2": None}


def _bomb_zip() -> bytes:
    """A 1 GiB member of zeros next to a good file, written streaming so building it costs ~1 s and 5 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("IM2", CT)
        with archive.open("bomb.dcm", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(1024):
                member.write(zeros)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb_zip() -> bytes:
    return _bomb_zip()


def test_zip_bomb_is_refused_quickly_and_the_rest_kept(bomb_zip: bytes) -> None:
    assert len(bomb_zip) < 10 * 1024 * 1024
    started = time.perf_counter()
    verdicts = _verdicts(bomb_zip)
    assert verdicts == {"IM2": None, "bomb.dcm": Refusal.COMPRESSION_BOMB}
    assert time.perf_counter() - started < 5


def test_zip_bomb_with_a_lying_header_is_cut_off_while_inflating(bomb_zip: bytes) -> None:
    """The headers claim a harmless 2 MiB; reading stops at the real bytes, never trusting the header."""
    real_size = struct.pack("<Q", 1024**3)
    assert real_size in bomb_zip
    lied = bomb_zip.replace(real_size, struct.pack("<Q", 2 * 1024 * 1024))  # the Zip64 size fields

    started = time.perf_counter()
    verdicts = _verdicts(lied)
    assert verdicts["IM2"] is None
    assert verdicts["bomb.dcm"] in (Refusal.COMPRESSION_BOMB, Refusal.DAMAGED_ARCHIVE)
    assert time.perf_counter() - started < 5


def test_streaming_ratio_check_stops_a_member_that_inflates_past_the_ratio() -> None:
    """With a header that is honest but a ratio limit the data exceeds, inflating stops at ratio x compressed."""
    zeros = bytes(4 * 1024 * 1024)
    archive = make_zip([("blank.dcm", zeros), ("IM2", CT)])
    verdicts = _verdicts(archive, UploadLimits(max_compression_ratio=10, ratio_grace_bytes=1024))
    assert verdicts == {"blank.dcm": Refusal.COMPRESSION_BOMB, "IM2": None}


def test_total_size_limit_refuses_what_does_not_fit_and_keeps_what_does(tmp_path: Path) -> None:
    """The limit counts uncompressed bytes over the whole upload: a file first, then a ZIP's members."""
    single = tmp_path / "CT.dcm"
    single.write_bytes(CT)
    archive = ("study.zip", io.BytesIO(make_zip([(f"IM{i}", MR) for i in range(3)])))
    limits = UploadLimits(max_total_bytes=len(CT) + 2 * len(MR) + 100)

    report = inspect_upload([single, archive], limits=limits)

    assert [i.refusal for i in report.items] == [None, None, None, Refusal.TOO_LARGE]
    assert "size limit" in report.refused[0].message


def test_zip_larger_than_the_limit_is_refused_whole() -> None:
    archive = make_zip([(f"IM{i}", CT) for i in range(4)], compression=zipfile.ZIP_STORED)
    report = inspect_upload(("study.zip", io.BytesIO(archive)), limits=UploadLimits(max_total_bytes=len(CT) * 2))
    assert [(i.name, i.refusal) for i in report.items] == [("study.zip", Refusal.TOO_LARGE)]


def test_total_size_limit_spans_all_files_of_an_upload(tmp_path: Path) -> None:
    paths = []
    for index in range(3):
        paths.append(tmp_path / f"IM{index}.dcm")
        paths[-1].write_bytes(CT)
    items = inspect_upload(paths, limits=UploadLimits(max_total_bytes=len(CT) * 2)).items
    assert [i.refusal for i in items] == [None, None, Refusal.TOO_LARGE]


def test_too_many_members_refuses_the_archive() -> None:
    archive = make_zip([(f"IM{i}", MR) for i in range(5)])
    report = inspect_upload(("study.zip", io.BytesIO(archive)), limits=UploadLimits(max_members=4))
    assert [(i.name, i.refusal) for i in report.items] == [("study.zip", Refusal.TOO_MANY_FILES)]
    assert "4 files" in report.items[0].message


@pytest.mark.parametrize(
    ("content", "refusal"),
    [
        (make_zip([("IM1", MR)])[:-30], Refusal.DAMAGED_ARCHIVE),
        (make_zip([]), Refusal.EMPTY_ARCHIVE),
    ],
    ids=["cut-short", "no-members"],
)
def test_broken_or_empty_zip_is_refused(content: bytes, refusal: Refusal) -> None:
    assert [i.refusal for i in inspect_upload(("study.zip", io.BytesIO(content))).items] == [refusal]


def test_member_with_corrupt_data_is_refused_alone() -> None:
    archive = bytearray(make_zip([("IM1", MR), ("IM2", CT)]))
    first_data = 30 + len("IM1")  # local header + name; the data follows
    archive[first_data + 100 : first_data + 200] = bytes(100)
    verdicts = _verdicts(bytes(archive))
    assert verdicts["IM1"] in (Refusal.DAMAGED_ARCHIVE, Refusal.TRUNCATED, Refusal.DAMAGED)
    assert verdicts["IM2"] is None


def test_member_names_are_shown_not_used_as_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inspect_upload(("study.zip", io.BytesIO(make_zip([("sub/IM1.dcm", MR), ("../x.dcm", MR)]))))
    assert os.listdir(tmp_path) == []  # nothing was extracted anywhere


def test_zip_path_source(tmp_path: Path) -> None:
    path = tmp_path / "cd.zip"
    path.write_bytes(make_zip([("IM1", MR), ("notes.txt", b"hello")]))
    report = inspect_upload(path)
    assert [(i.name, i.accepted) for i in report.items] == [("cd.zip › IM1", True), ("cd.zip › notes.txt", False)]


def test_limits_have_the_documented_defaults() -> None:
    limits = UploadLimits()
    assert (limits.max_total_bytes, limits.max_members, limits.max_compression_ratio) == (200 * 1024**2, 2000, 100)


def test_bomb_fixture_really_is_a_gibibyte(bomb_zip: bytes) -> None:
    assert zipfile.ZipFile(io.BytesIO(bomb_zip)).getinfo("bomb.dcm").file_size == 1024**3
