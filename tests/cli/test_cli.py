"""The ``spinepath`` command as a user runs it: real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "examples"
INTAKES = sorted((SHARED / "intake").glob("*.json"))


def spinepath(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "spinepath.cli", *args], input=stdin, capture_output=True,
                          text=True, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"}, timeout=120)


def test_assess_prints_urgency_banner_before_anything_else():
    result = spinepath("assess", str(SHARED / "intake" / "01-emergency-cauda-equina.json"))
    assert result.returncode == 0, result.stderr
    first_lines = result.stdout.splitlines()[:3]
    assert any("EMERGENCY" in line and "Go to an emergency department now" in line for line in first_lines)
    assert "Numbness between the legs" in result.stdout
    assert "never replaces one" in result.stdout  # the disclaimer is always there


def test_assess_summary_has_one_row_per_procedure_with_status_and_sources():
    result = spinepath("assess", str(SHARED / "intake" / "06-routine-mild-candidate.json"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Next step: specialist consultation" in out
    assert out.count("may be suitable") >= 3  # conservative care, mild, MIS decompression
    assert "[midas-encore]" in out and "[cms-ncd-150-13]" in out
    assert "L4-L5" in out
    assert "Safety net" in out


@pytest.mark.parametrize("intake", INTAKES, ids=[p.stem for p in INTAKES])
def test_assess_json_prints_only_the_assessment(intake: Path):
    result = spinepath("assess", "--json", str(intake))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    expected = json.loads((SHARED / "assessment" / intake.name).read_text())
    assert document["schema"] == "spinepath.assessment/1"
    assert (document["urgency"], document["next_step"]) == (expected["urgency"], expected["next_step"])


def test_assess_reads_stdin():
    text = (SHARED / "intake" / "03-routine-acute-sciatica-3-weeks.json").read_text()
    result = spinepath("assess", "--json", "-", stdin=text)
    assert result.returncode == 0
    assert json.loads(result.stdout)["next_step"] == "conservative_care"


def test_invalid_intake_exits_2_naming_every_field():
    bad = {"schema": "spinepath.intake/1", "patient": {"age": 16},
           "red_flags": {"bladder_dysfuntion": True}, "symptoms": {"leg_pain": 11}}
    result = spinepath("assess", "-", stdin=json.dumps(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    flat = " ".join(result.stderr.split())
    for expected in ("/patient/age", "paediatric", "/red_flags/bladder_dysfuntion",
                     "did you mean 'bladder_dysfunction'", "/symptoms/leg_pain"):
        assert expected in flat
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_clear_error_not_a_traceback(tmp_path: Path):
    result = spinepath("assess", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "Cannot read" in result.stderr and "Traceback" not in result.stderr


def test_assess_batch_streams_and_reports_bad_lines_by_number(tmp_path: Path):
    lines = [json.dumps(json.loads(p.read_text())) for p in INTAKES[:3]]
    lines.insert(1, '{"schema": "spinepath.intake/1", "patient": {"age": 47.0}}')
    lines.insert(3, "not json")
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join(lines) + "\n")
    target = tmp_path / "out.ndjson"
    errors = tmp_path / "errors.ndjson"
    result = spinepath("assess-batch", str(source), str(target), "--errors", str(errors))
    assert result.returncode == 3
    assert "line 2: /patient/age" in result.stderr
    assert "line 4:" in result.stderr
    out = [json.loads(line) for line in target.read_text().splitlines()]
    assert [a["urgency"] for a in out] == ["emergency", "urgent", "routine"]
    assert [json.loads(line)["line"] for line in errors.read_text().splitlines()] == [2, 4]


def test_assess_batch_all_valid_exits_0(tmp_path: Path):
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(json.loads(p.read_text())) + "\n" for p in INTAKES))
    result = spinepath("assess-batch", str(source), str(tmp_path / "out.ndjson"))
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "out.ndjson").read_text().splitlines()) == len(INTAKES)


def test_assess_batch_writes_what_assess_json_prints(tmp_path: Path):
    source = tmp_path / "in.ndjson"
    source.write_text("".join(json.dumps(json.loads(p.read_text())) + "\n" for p in INTAKES))
    target = tmp_path / "out.ndjson"
    assert spinepath("assess-batch", str(source), str(target)).returncode == 0
    one_by_one = [spinepath("assess", "--json", str(p)).stdout for p in INTAKES]
    assert target.read_text().splitlines(keepends=True) == one_by_one


def test_rules_prints_the_rule_table_with_sources():
    result = spinepath("rules")
    assert result.returncode == 0
    for expected in ("ces_saddle_anaesthesia", "mild.lf_thickness", "fitness.smoker_fusion", "midas-encore",
                     "ruleset 1.2.0"):
        assert expected in result.stdout


@pytest.mark.parametrize("name", ["intake", "assessment"])
def test_schema_prints_json_schema(name: str):
    result = spinepath("schema", name)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == f"spinepath.{name}/1"


def test_unknown_schema_name_is_refused():
    result = spinepath("schema", "intak")
    assert result.returncode == 2
    assert "choose 'intake' or 'assessment'" in result.stderr


def test_procedures_lists_all_seven_and_shows_one_with_sources():
    listing = spinepath("procedures")
    assert listing.returncode == 0
    for pid in ("conservative_care", "mild", "microdiscectomy", "endoscopic_discectomy", "mis_decompression",
                "mis_tlif", "open_surgery"):
        assert pid in listing.stdout
    detail = spinepath("procedures", "mild")
    assert detail.returncode == 0
    assert "Risks" in detail.stdout and "Sources" in detail.stdout and "http" in detail.stdout


def test_unknown_procedure_suggests_the_right_id():
    result = spinepath("procedures", "mild_")
    assert result.returncode == 2
    assert "did you mean 'mild'" in result.stderr
