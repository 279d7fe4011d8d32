"""JSON Schemas of the contract, generated from the core models and shipped with the package.

Regenerate after a model change with ``python -m spinepath.schemas``; a test fails while the shipped files
differ from the models.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ..core.assessment import Assessment
from ..core.intake import Intake

SchemaName = Literal["intake", "assessment"]
_MODELS = {"intake": Intake, "assessment": Assessment}
_IDS = {"intake": "urn:spinepath:schema:intake:1", "assessment": "urn:spinepath:schema:assessment:1"}


_NULLABLE_SECTIONS = ("patient", "symptoms", "red_flags", "history")


def generate(name: SchemaName) -> dict[str, Any]:
    schema = _MODELS[name].model_json_schema(by_alias=True, mode="validation")
    if name == "intake":
        # A whole section given as null means "all of it unknown" (spec §1: every field may be null); the model
        # accepts it through a before-validator that the generated schema cannot see, so say it here.
        for section in _NULLABLE_SECTIONS:
            prop = schema["properties"][section]
            ref = {k: v for k, v in prop.items() if k == "$ref"}
            rest = {k: v for k, v in prop.items() if k != "$ref"}
            schema["properties"][section] = {**rest, "anyOf": [ref, {"type": "null"}]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": _IDS[name], **schema}


def shipped(name: SchemaName) -> str:
    return resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def write_all() -> None:
    here = Path(__file__).parent
    for name in _MODELS:
        text = json.dumps(generate(name), indent=2, ensure_ascii=False) + "\n"  # type: ignore[arg-type]
        (here / f"{name}.schema.json").write_text(text, encoding="utf-8")


