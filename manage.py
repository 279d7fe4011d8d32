#!/usr/bin/env python
"""Django's command-line utility for the spinepath web app (same as ``python -m spinepath.web``)."""

from spinepath.web.__main__ import main

if __name__ == "__main__":
    main()
