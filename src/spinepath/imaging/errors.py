"""The imaging package's errors, rooted in one class so the web layer can translate them in one place.

::

    ImagingError                      anything this package raises on purpose
    ├── NotDicomError                 bytes given to a DICOM-only function are not a readable DICOM object
    └── DeidentificationError         the verification pass found identifying data left behind (fail closed)

Upload problems are *not* raised: :func:`spinepath.imaging.inspect_upload` reports them per file, so one bad file
never costs the patient the rest of the upload.
"""

from __future__ import annotations


class ImagingError(Exception):
    """Root of the errors raised by :mod:`spinepath.imaging`."""


class NotDicomError(ImagingError):
    """The bytes are not a complete DICOM object that this package can read.

    ``problem`` says why, as one of the upload refusal codes: ``not_dicom``, ``truncated``, ``damaged``,
    ``disc_index`` (a DICOMDIR) or ``compression_bomb``; the message adds a technical detail.
    """

    def __init__(self, problem: str, detail: str) -> None:
        self.problem = problem
        super().__init__(f"{problem}: {detail}")


class DeidentificationError(ImagingError):
    """De-identification did not verifiably remove identifying data; the dataset must not be released.

    The message names the attributes (tag and name) but never their values, so it is safe to log.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"de-identification could not be verified ({len(problems)} problem(s)): {shown}")
