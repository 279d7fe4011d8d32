"""The inward dependency rule: the core imports no adapter and no framework (STYLE.md)."""

import subprocess
import sys

FORBIDDEN = ("django", "ninja", "typer", "rich", "psycopg", "spinepath.cli", "spinepath.web", "spinepath.fhir")


def test_core_imports_no_adapter_or_framework():
    code = (
        "import sys, spinepath.core, spinepath.core.knowledge;"
        "from spinepath.core import assess, parse_intake;"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}];"
        "print(','.join(sorted(bad)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core pulled in: {result.stdout.strip()}"
