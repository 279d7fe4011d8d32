"""What a (de-identified) upload contains, and a small picture of each series for the reviewer.

:func:`summarize_studies` groups datasets by study and series and counts them; each series gets a PNG
:class:`Preview` of its middle slice (middle frame for multi-frame objects), windowed as the scanner suggested
(VOI LUT, or Window Center/Width incl. enhanced multi-frame functional groups), otherwise stretched min to max;
MONOCHROME1 is inverted, colour and palette images stay colour, and the picture fits in ``max_px`` square.
A compressed image that cannot be decoded here leaves the summary intact and the preview marked unavailable.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import apply_color_lut, apply_voi_lut, pixel_array

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
#: Decoded size above which no preview is made (a frame this large is not a spine MRI slice).
MAX_DECODED_FRAME_BYTES = 256 * 1024 * 1024
# What decoding a damaged or unsupported image raises in pydicom and its plugins.
_DECODE_ERRORS = (
    RuntimeError,
    ValueError,
    NotImplementedError,
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    OSError,
    MemoryError,
)


@dataclass(frozen=True)
class Preview:
    """A PNG of one slice, or the reason there is none."""

    png: bytes | None
    width: int = 0
    height: int = 0
    unavailable_reason: str | None = None

    @property
    def available(self) -> bool:
        return self.png is not None


@dataclass(frozen=True)
class SeriesSummary:
    series_uid: str
    series_number: int | None
    description: str
    modality: str
    body_part: str
    instance_count: int
    """DICOM objects (files) in the series."""
    image_count: int
    """Slices: frames summed over the image objects (a multi-frame object counts its frames)."""
    preview: Preview | None
    """None when previews were not asked for or the series holds no image."""


@dataclass(frozen=True)
class StudySummary:
    study_uid: str
    description: str
    modalities: tuple[str, ...]
    body_parts: tuple[str, ...]
    series: tuple[SeriesSummary, ...]
    total_instances: int

    @property
    def series_count(self) -> int:
        return len(self.series)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the PNG bytes (store those separately)."""
        return {
            "study_uid": self.study_uid,
            "description": self.description,
            "modalities": list(self.modalities),
            "body_parts": list(self.body_parts),
            "series_count": self.series_count,
            "total_instances": self.total_instances,
            "series": [
                {
                    "series_uid": s.series_uid,
                    "series_number": s.series_number,
                    "description": s.description,
                    "modality": s.modality,
                    "body_part": s.body_part,
                    "instance_count": s.instance_count,
                    "image_count": s.image_count,
                    "preview_available": bool(s.preview and s.preview.available),
                    "preview_unavailable_reason": s.preview.unavailable_reason if s.preview else None,
                }
                for s in self.series
            ],
        }


def summarize_studies(
    datasets: Iterable[Dataset], *, previews: bool = True, max_preview_px: int = 512
) -> tuple[StudySummary, ...]:
    """Summarise datasets (normally de-identified ones) per study, series by series number."""
    studies: dict[str, dict[str, list[Dataset]]] = defaultdict(lambda: defaultdict(list))
    for dataset in datasets:
        study_uid = _text(dataset, "StudyInstanceUID") or "unknown"
        studies[study_uid][_text(dataset, "SeriesInstanceUID") or "unknown"].append(dataset)
    summaries = []
    for study_uid, series_map in studies.items():
        series = sorted(
            (_summarize_series(uid, members, previews, max_preview_px) for uid, members in series_map.items()),
            key=lambda s: (s.series_number is None, s.series_number or 0, s.description, s.series_uid),
        )
        members = [ds for group in series_map.values() for ds in group]
        summaries.append(
            StudySummary(
                study_uid=study_uid,
                description=_first(members, "StudyDescription"),
                modalities=tuple(sorted({s.modality for s in series if s.modality})),
                body_parts=tuple(sorted({s.body_part for s in series if s.body_part})),
                series=tuple(series),
                total_instances=len(members),
            )
        )
    return tuple(sorted(summaries, key=lambda s: s.study_uid))


def render_preview(dataset: Dataset, *, frame: int | None = None, max_px: int = 512) -> Preview:
    """A PNG of one frame (default: the middle one) that fits in ``max_px`` x ``max_px``."""
    if not any(keyword in dataset for keyword in _PIXEL_KEYWORDS):
        return Preview(None, unavailable_reason="This object holds no image.")
    try:
        rows, columns = int(dataset.Rows), int(dataset.Columns)
        samples = int(dataset.get("SamplesPerPixel", 1) or 1)
        bits = int(dataset.BitsAllocated)
        frames = _frame_count(dataset)
    except (AttributeError, TypeError, ValueError):
        return Preview(None, unavailable_reason="The image size is missing or invalid.")
    if rows * columns * samples * max(bits, 8) // 8 > MAX_DECODED_FRAME_BYTES:
        return Preview(None, unavailable_reason="The image is too large for a preview.")
    index = frames // 2 if frame is None else frame
    try:
        decoded = pixel_array(dataset, index=index)
        picture = _to_8bit(decoded, dataset, index)
    except _DECODE_ERRORS as exc:
        return Preview(
            None,
            unavailable_reason=f"This image cannot be decoded here ({_syntax_name(dataset)}: {type(exc).__name__}).",
        )
    image = Image.fromarray(picture)  # uint8: "L" for grey, "RGB" for colour
    image = _correct_aspect(image, dataset)
    image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return Preview(buffer.getvalue(), image.width, image.height)


# --------------------------------------------------------------------------------------------------------------------
# internals


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    return "" if value is None else str(value).strip()


def _first(datasets: Iterable[Dataset], keyword: str) -> str:
    return next((text for ds in datasets if (text := _text(ds, keyword))), "")


def _has_pixels(dataset: Dataset) -> bool:
    return any(keyword in dataset for keyword in _PIXEL_KEYWORDS)


def _frame_count(dataset: Dataset) -> int:
    try:
        return max(int(dataset.get("NumberOfFrames", 1) or 1), 1)
    except (TypeError, ValueError):
        return 1


def _orientation(dataset: Dataset) -> tuple[float, ...] | None:
    try:
        return tuple(round(float(v), 3) for v in dataset.ImageOrientationPatient)
    except (AttributeError, TypeError, ValueError):
        return None


def _instance_number(dataset: Dataset) -> float:
    try:
        return float(dataset.get("InstanceNumber"))
    except (TypeError, ValueError):
        return math.inf


def _in_slice_order(images: list[Dataset]) -> list[Dataset]:
    """Along the slice normal for a parallel stack (one orientation, positions given); else by instance number.

    Localizers (three planes) and radial sets share no normal, so their positions cannot be compared.
    """
    orientations = {_orientation(ds) for ds in images}
    if len(orientations) == 1 and None not in orientations:
        orientation = next(iter(orientations))
        assert orientation is not None
        normal = np.cross(orientation[:3], orientation[3:])
        try:
            positions = [float(np.dot(normal, [float(v) for v in ds.ImagePositionPatient])) for ds in images]
        except (AttributeError, TypeError, ValueError):
            positions = []
        if len(positions) == len(images):
            order = sorted(range(len(images)), key=lambda i: (positions[i], _instance_number(images[i])))
            return [images[i] for i in order]
    return sorted(images, key=lambda ds: (_instance_number(ds), _text(ds, "SOPInstanceUID")))


def _summarize_series(uid: str, members: list[Dataset], previews: bool, max_px: int) -> SeriesSummary:
    images = _in_slice_order([ds for ds in members if _has_pixels(ds)])
    frames = [(ds, index) for ds in images for index in range(_frame_count(ds))]
    try:
        number: int | None = int(members[0].get("SeriesNumber"))
    except (TypeError, ValueError):
        number = None
    preview = None
    if previews and frames:
        middle, index = frames[len(frames) // 2]
        preview = render_preview(middle, frame=index, max_px=max_px)
    return SeriesSummary(
        series_uid=uid,
        series_number=number,
        description=_first(members, "SeriesDescription"),
        modality=_first(members, "Modality"),
        body_part=_first(members, "BodyPartExamined"),
        instance_count=len(members),
        image_count=len(frames),
        preview=preview,
    )


def _syntax_name(dataset: Dataset) -> str:
    meta = getattr(dataset, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    return syntax.name if syntax is not None else "unknown transfer syntax"


def _frame_item(dataset: Dataset, index: int, sequence: str) -> Dataset | None:
    """The enhanced multi-frame macro item for a frame: per-frame first, then shared (PS3.3 C.7.6.16)."""
    for groups, position in (("PerFrameFunctionalGroupsSequence", index), ("SharedFunctionalGroupsSequence", 0)):
        items = dataset.get(groups)
        if items and len(items) > position and items[position].get(sequence):
            return items[position].get(sequence)[0]
    return None


def _rescaled(values: np.ndarray, dataset: Dataset, index: int) -> np.ndarray:
    source = dataset if "RescaleSlope" in dataset else _frame_item(dataset, index, "PixelValueTransformationSequence")
    if source is None or "ModalityLUTSequence" in dataset:
        return values.astype(np.float64)
    slope = float(source.get("RescaleSlope", 1) or 1)
    intercept = float(source.get("RescaleIntercept", 0) or 0)
    return values.astype(np.float64) * slope + intercept


def _first_number(value: Any) -> float:
    """Window Center/Width may hold several alternatives; the first is the scanner's default."""
    if isinstance(value, MultiValue | list | tuple):
        value = value[0]
    return float(value)


def _window(values: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """Window to 0..1 as PS3.3 C.11.2.1.2 defines it."""
    if function == "SIGMOID":
        return 1.0 / (1.0 + np.exp(-4.0 * (values - center) / max(width, 1e-6)))
    if function == "LINEAR_EXACT":
        return np.clip((values - (center - width / 2)) / max(width, 1e-6), 0.0, 1.0)
    if width <= 1:
        return (values > center - 0.5).astype(np.float64)
    return np.clip((values - (center - 0.5)) / (width - 1) + 0.5, 0.0, 1.0)


def _stretch(values: np.ndarray) -> np.ndarray:
    low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return np.zeros_like(values, dtype=np.float64)
    return (values - low) / (high - low)


def _grey_to_unit(decoded: np.ndarray, dataset: Dataset, index: int) -> np.ndarray:
    if "VOILUTSequence" in dataset:
        lut = dataset.VOILUTSequence[0]
        out = apply_voi_lut(decoded, dataset, index=0, prefer_lut=True).astype(np.float64)
        bits = int(lut.LUTDescriptor[2])
        return np.clip(out / float(2**bits - 1), 0.0, 1.0)
    values = _rescaled(decoded, dataset, index)
    source = dataset if "WindowCenter" in dataset else _frame_item(dataset, index, "FrameVOILUTSequence")
    if source is not None and "WindowCenter" in source and "WindowWidth" in source:
        center, width = _first_number(source.WindowCenter), _first_number(source.WindowWidth)
        function = str(source.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
        return _window(values, center, width, function)
    return _stretch(values)


def _to_8bit(decoded: np.ndarray, dataset: Dataset, index: int) -> np.ndarray:
    photometric = str(dataset.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        coloured = apply_color_lut(decoded, dataset)
        bits = int(dataset.RedPaletteColorLookupTableDescriptor[2])
        return np.clip(coloured.astype(np.float64) / (2**bits - 1) * 255.0, 0, 255).astype(np.uint8)
    if decoded.ndim == 3:  # colour: pydicom has already converted YBR to RGB
        stored = int(dataset.get("BitsStored", 8) or 8)
        return np.clip(decoded.astype(np.float64) / (2**stored - 1) * 255.0, 0, 255).astype(np.uint8)
    unit = _grey_to_unit(decoded, dataset, index)
    if photometric == "MONOCHROME1":  # low values are white
        unit = 1.0 - unit
    return np.round(unit * 255.0).astype(np.uint8)


def _correct_aspect(image: Image.Image, dataset: Dataset) -> Image.Image:
    """Non-square pixels (Pixel Spacing = row, column spacing) are stretched so anatomy keeps its shape."""
    try:
        row_spacing, column_spacing = (float(v) for v in dataset.PixelSpacing)
    except (AttributeError, TypeError, ValueError):
        return image
    if row_spacing <= 0 or column_spacing <= 0 or math.isclose(row_spacing, column_spacing, rel_tol=0.01):
        return image
    ratio = min(max(row_spacing / column_spacing, 0.25), 4.0)
    height = max(1, round(image.height * ratio))
    return image.resize((image.width, height), Image.Resampling.LANCZOS)
