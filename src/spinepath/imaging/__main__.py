"""Demo: ``python -m spinepath.imaging DIR_OR_ZIP [...]`` — verdicts per file, then the de-identified summary.

A directory is read one level deep plus subfolders (links are not followed); nothing is written.
Exit codes: 0 when at least one file was accepted, 1 when none was, 2 on wrong usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from spinepath.imaging import (
    DeidentificationError,
    FileKind,
    RequestDeidentifier,
    inspect_upload,
    new_request_seed,
    summarize_studies,
)


def _files(argument: str) -> list[str]:
    path = Path(argument)
    if path.is_dir() and not path.is_symlink():
        found = []
        for folder, _dirs, names in os.walk(path, followlinks=False):
            found.extend(os.path.join(folder, name) for name in sorted(names))
        return sorted(found)
    return [argument]


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    report = inspect_upload([file for argument in argv for file in _files(argument)])
    for item in report.items:
        verdict = f"accepted  {item.kind}" if item.accepted else f"refused   {item.refusal}"
        print(f"{verdict:28} {item.name}")
        if not item.accepted:
            print(f"{'':28} {item.message}")
    print(f"\n{len(report.accepted)} accepted, {len(report.refused)} refused")

    deidentifier = RequestDeidentifier(new_request_seed())
    datasets, flagged = [], 0
    for item in report.dicom:
        try:
            result = deidentifier.deidentify_bytes(item.data)
        except DeidentificationError as exc:
            print(f"NOT RELEASED {item.name}: {exc}")
            continue
        datasets.append(result.dataset)
        flagged += result.burned_in_flag
    for study in summarize_studies(datasets, previews=False):
        print(
            f"\nStudy: {study.description or '(no description)'} — {', '.join(study.modalities) or '?'}, "
            f"{', '.join(study.body_parts) or 'body part not stated'}; "
            f"{study.series_count} series, {study.total_instances} files"
        )
        for series in study.series:
            print(
                f"  #{series.series_number if series.series_number is not None else '?':>4} "
                f"{series.description or '(no description)':40} {series.modality:3} {series.image_count} images"
            )
    if flagged:
        print(f"\n{flagged} file(s) may show names or dates burned into the picture: a reviewer must check them.")
    if report.pdf:
        print(f"{len(report.pdf)} PDF report(s): not de-identified, a reviewer must check them.")
    return 0 if any(item.kind in (FileKind.DICOM, FileKind.PDF) for item in report.accepted) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
