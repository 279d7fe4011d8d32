"""Shared test configuration: hypothesis profiles.

``default``: 100 examples, no deadline (the engine's speed is measured in benchmarks/, not here).
``ci`` (loaded when the environment variable ``CI`` is set): 200 examples, reproducible (derandomized).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")
