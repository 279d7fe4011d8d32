"""The JSON Schemas shipped with the package are the ones the models generate, and they accept the examples."""

import json
from pathlib import Path

import jsonschema
import pytest

from spinepath.schemas import generate, shipped

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples"


@pytest.mark.parametrize("name", ["intake", "assessment"])
def test_shipped_schema_matches_the_models(name):
    assert json.loads(shipped(name)) == generate(name), "run: python -m spinepath.schemas"


@pytest.mark.parametrize("kind", ["intake", "assessment"])
def test_every_example_validates_against_the_schema(kind):
    schema = json.loads(shipped(kind))
    for path in sorted((EXAMPLES / kind).glob("*.json")):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_intake_schema_rejects_unknown_keys_and_wrong_types():
    schema = json.loads(shipped("intake"))
    validator = jsonschema.Draft202012Validator(schema)
    bad = {"schema": "spinepath.intake/1", "red_flags": {"bladder_dysfuntion": True}, "patient": {"age": "47"}}
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    assert "bladder_dysfuntion" in messages
