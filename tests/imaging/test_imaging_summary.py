"""Study summary and previews from de-identified datasets; the demo command; the package stays framework-free."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from imaging_testdata import load, make_zip, mr_series_dir, pydicom_bytes, pydicom_path
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000, ExplicitVRLittleEndian

from spinepath.imaging import RequestDeidentifier, inspect_upload, render_preview, summarize_studies
from spinepath.imaging.__main__ import main

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:pydicom")
SEED = b"s" * 32


def _png(data: bytes | None) -> Image.Image:
    assert data is not None
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def test_summary_of_a_real_mr_study_counts_what_the_files_contain() -> None:
    paths = sorted(p for p in mr_series_dir().rglob("*") if p.is_file())
    originals = [load(str(p)) for p in paths]
    request = RequestDeidentifier(SEED)
    deidentified = [request.deidentify(ds).dataset for ds in originals]
    # What the files say, counted independently from the originals.
    expected = Counter((str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID)) for ds in originals)
    expected_studies = {study for study, _series in expected}

    summaries = summarize_studies(deidentified)

    assert len(summaries) == len(expected_studies)
    assert sum(s.total_instances for s in summaries) == len(paths)
    assert sum(s.series_count for s in summaries) == len(expected)
    assert sorted(series.instance_count for s in summaries for series in s.series) == sorted(expected.values())
    for study in summaries:
        assert study.modalities == ("MR",)
        assert study.study_uid not in expected_studies  # de-identified UIDs, not the originals
        for series in study.series:
            assert series.image_count == series.instance_count  # single-frame MR: one slice per file
            image = _png(series.preview.png)
            assert image.size == (series.preview.width, series.preview.height)
            assert max(image.size) <= 512 and image.mode == "L"
    biggest = max((series for s in summaries for series in s.series), key=lambda x: x.instance_count)
    assert biggest.instance_count == max(expected.values()) == 7
    assert biggest.description  # "ANGIO Projected from C" is kept under the Clean Descriptors Option
    as_dict = summaries[0].as_dict()
    assert as_dict["series_count"] == summaries[0].series_count and "png" not in str(as_dict)


def test_middle_slice_of_a_radial_series_is_the_middle_instance_number() -> None:
    """The real 7-image MR series is radial (every slice has its own orientation): instance numbers decide."""
    members = [load(str(p)) for p in sorted((mr_series_dir() / "MR700").iterdir())]
    middle = next(ds for ds in members if int(ds.InstanceNumber) == 4)
    (study,) = summarize_studies(members[::-1])  # the order of the input must not matter
    assert study.series[0].preview.png == render_preview(middle).png


def test_middle_slice_of_a_parallel_stack_is_chosen_by_position_not_instance_number() -> None:
    stack = []
    for rank, instance_number in enumerate([5, 1, 4, 2, 3]):  # numbering deliberately out of step with position
        slice_ = _synthetic(np.full((8, 8), rank * 100, dtype=np.uint16), InstanceNumber=instance_number)
        slice_.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        slice_.ImagePositionPatient = [0, 0, -10.0 * rank]  # rank 0 is the top slice
        slice_.WindowCenter, slice_.WindowWidth = 200, 400
        stack.append(slice_)
    (study,) = summarize_studies([stack[i] for i in (3, 0, 4, 1, 2)])
    assert study.series[0].preview.png == render_preview(stack[2]).png
    assert render_preview(stack[2]).png != render_preview(stack[1]).png


@pytest.mark.parametrize(
    ("name", "frames", "mode"),
    [("rtdose.dcm", 15, "L"), ("SC_rgb_rle_2frame.dcm", 2, "RGB"), ("examples_ybr_color.dcm", 30, "RGB")],
    ids=["multi-frame-dose", "multi-frame-rgb-rle", "multi-frame-ybr-jpeg"],
)
def test_multi_frame_objects_count_frames_and_preview_the_middle_frame(name: str, frames: int, mode: str) -> None:
    dataset = RequestDeidentifier(SEED).deidentify(load(pydicom_path(name))).dataset
    (study,) = summarize_studies([dataset])
    (series,) = study.series
    assert (series.instance_count, series.image_count) == (1, frames)
    image = _png(series.preview.png)
    assert image.mode == mode and max(image.size) <= 512
    assert series.preview.png == render_preview(dataset, frame=frames // 2).png


def _synthetic(pixels: np.ndarray, **attributes: object) -> Dataset:
    dataset = load(pydicom_path("MR_small.dcm"))
    for keyword in ("WindowCenter", "WindowWidth", "RescaleSlope", "RescaleIntercept", "PixelSpacing"):
        if keyword in dataset:
            delattr(dataset, keyword)
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.BitsAllocated = dataset.BitsStored = 16
    dataset.HighBit = 15
    dataset.PixelRepresentation = 0
    dataset.PhotometricInterpretation = "MONOCHROME2"
    dataset.PixelData = pixels.astype(np.uint16).tobytes()
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset


def _grey(dataset: Dataset) -> np.ndarray:
    preview = render_preview(dataset)
    return np.asarray(_png(preview.png))


RAMP = np.tile(np.arange(0, 1000, 10, dtype=np.uint16), (20, 1))  # 20 x 100, values 0..990


def test_min_max_when_no_window_is_given() -> None:
    pixels = _grey(_synthetic(RAMP))
    assert pixels.min() == 0 and pixels.max() == 255


def test_window_centre_and_width_are_applied() -> None:
    pixels = _grey(_synthetic(RAMP, WindowCenter=500, WindowWidth=200))
    row = pixels[0]
    assert row[:30].max() == 0  # values up to 290, far below the window
    assert row[70:].min() == 255  # values from 700, above it
    assert 0 < row[50] < 255


def test_monochrome1_is_inverted() -> None:
    normal = _grey(_synthetic(RAMP))
    inverted = _grey(_synthetic(RAMP, PhotometricInterpretation="MONOCHROME1"))
    assert np.array_equal(inverted.astype(int), 255 - normal.astype(int))


def test_large_images_are_scaled_down_to_512_keeping_the_aspect() -> None:
    preview = render_preview(_synthetic(np.zeros((600, 1024), dtype=np.uint16)))
    assert (preview.width, preview.height) == (512, 300)


def test_non_square_pixels_keep_the_anatomy_in_shape() -> None:
    preview = render_preview(_synthetic(np.zeros((100, 100), dtype=np.uint16), PixelSpacing=[2.0, 1.0]))
    assert (preview.width, preview.height) == (100, 200)


def test_undecodable_compressed_image_keeps_the_summary_and_marks_the_preview() -> None:
    dataset = load(pydicom_path("MR_small.dcm"))
    dataset.file_meta.TransferSyntaxUID = JPEG2000
    dataset.PixelData = encapsulate([b"\xff\x4f\xff\x51 not really a JPEG 2000 codestream"])
    (study,) = summarize_studies([dataset])
    preview = study.series[0].preview
    assert study.total_instances == 1 and study.series[0].image_count == 1
    assert not preview.available and "JPEG 2000" in preview.unavailable_reason


def test_objects_without_pixels_are_counted_but_get_no_preview() -> None:
    report = load(pydicom_path("test-SR.dcm"))
    (study,) = summarize_studies([report])
    assert study.total_instances == 1 and study.series[0].image_count == 0 and study.series[0].preview is None


def test_summary_without_previews() -> None:
    (study,) = summarize_studies([load(pydicom_path("CT_small.dcm"))], previews=False)
    assert study.series[0].preview is None and study.series[0].image_count == 1


def test_uncompressed_native_syntax_renders() -> None:
    dataset = load(pydicom_path("CT_small.dcm"))
    assert dataset.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert _png(render_preview(dataset).png).size == (128, 128)


# --------------------------------------------------------------------------------------------------------------------
# the whole path, the demo, and the dependency rule


def test_upload_to_summary_end_to_end() -> None:
    archive = make_zip([(p.name, p.read_bytes()) for p in mr_series_dir().rglob("*") if p.is_file()])
    report = inspect_upload(("cd.zip", io.BytesIO(archive)))
    request = RequestDeidentifier(SEED)
    results = [request.deidentify_bytes(item.data) for item in report.dicom]
    summaries = summarize_studies(result.dataset for result in results)
    assert sum(s.total_instances for s in summaries) == len(report.dicom) == len(report.items)
    assert not any(result.burned_in_flag for result in results)


def test_demo_prints_verdicts_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "IM1.dcm").write_bytes(pydicom_bytes("MR_small.dcm"))
    (tmp_path / "notes.txt").write_text("not a scan")
    assert main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "accepted  dicom" in out and "refused   not_recognised" in out
    assert "1 accepted, 1 refused" in out and "Study:" in out


def test_demo_without_arguments_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "python -m spinepath.imaging" in capsys.readouterr().out


def test_imaging_imports_no_web_framework() -> None:
    forbidden = ("django", "ninja", "spinepath.web", "spinepath.cli")
    code = (
        "import sys, spinepath.imaging, spinepath.imaging.__main__;"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r} or m in {forbidden!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
