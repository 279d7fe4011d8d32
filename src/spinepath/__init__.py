"""spinepath: an evidence-based spine-care navigator. Decision support only; it never replaces a clinician."""

__version__ = "0.1.0"
