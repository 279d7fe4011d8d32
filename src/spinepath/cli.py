"""The ``spinepath`` command line: parse arguments, call the core, print with rich.

Exit codes (the only place they are decided):
  0  success
  2  invalid input: the intake (or a file argument) is not usable; the message names every offending field
  3  assess-batch finished, but some lines were invalid (each reported by line number)
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from .core import RULESET_VERSION, Assessment, IntakeError, assess, assess_json, parse_intake
from .core.assessment import status_label
from .core.errors import KnowledgeError
from .core.knowledge import load_knowledge
from .core.knowledge.render import procedure_sections
from .core.rules import rule_table
from .schemas import shipped

EXIT_INVALID_INPUT = 2
EXIT_SOME_LINES_INVALID = 3

app = typer.Typer(
    help="spinepath: red flags first, then the next step and each procedure's candidacy, with reasons and "
    "sources. Supports a clinician's decision; never replaces one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

URGENCY_STYLE = {"emergency": "bold white on red", "urgent": "bold black on yellow", "routine": "bold white on green"}
STATUS_STYLE = {"candidate": "green", "possible": "yellow", "not_candidate": "red",
                "insufficient_information": "blue"}


def _fail(message: str, code: int = EXIT_INVALID_INPUT) -> typer.Exit:
    err.print(Text(message, style="red"))
    return typer.Exit(code)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"Cannot read {path}: {exc}") from exc


def _procedure_name(procedure_id: str) -> str:
    try:
        return load_knowledge().procedure(procedure_id).short_name
    except KnowledgeError:
        return procedure_id


def print_summary(a: Assessment, console: Console) -> None:
    """The human-readable assessment: urgency banner first, then next step, then one row per procedure."""
    banner = Text(f" {a.urgency.upper()} ", style=URGENCY_STYLE[a.urgency])
    banner.append(f"  {a.advice}", style="bold")
    console.print(Panel(banner, title="spinepath assessment", subtitle=f"ruleset {a.ruleset_version}"))
    for flag in a.red_flags:
        console.print(Text.assemble(("  RED FLAG ", "bold red"), (f"{flag.title}: ", "bold"), flag.explanation,
                                    (f" [{flag.source}]", "dim")))
    console.print(Text.assemble(("Next step: ", "bold"), a.next_step.replace("_", " ")))
    if a.safety_net:
        console.print(Text.assemble(("Safety net: ", "bold"), a.safety_net))
    table = Table(show_lines=True, expand=True)
    table.add_column("Procedure", style="bold", ratio=2)
    table.add_column("Status", ratio=2)
    table.add_column("Levels", ratio=1)
    table.add_column("Reasons [source]", ratio=7)
    for p in a.procedures:
        status = Text(status_label(p.procedure, p.status), style=STATUS_STYLE[p.status])
        status.append(f"\n({p.status})", style="dim")
        reasons = Text()
        for n, r in enumerate(p.reasons):
            reasons.append(("\n" if n else "") + f"• {r.text} ")
            reasons.append(f"[{r.source}]", style="dim")
        table.add_row(_procedure_name(p.procedure), status, ", ".join(p.levels) or "—", reasons)
    console.print(table)
    if a.risk_factors:
        console.print(Text("Risk factors", style="bold"))
        for rf in a.risk_factors:
            console.print(Text.assemble(f"  • {rf.text} ", (f"[{rf.source}]", "dim")))
    if a.missing_information:
        console.print(Text("What would let us say more", style="bold"))
        console.print("  " + ", ".join(a.missing_information))
    console.print(Text(a.disclaimer, style="italic"))


@app.command("assess")
def assess_command(
    file: Annotated[str, typer.Argument(help="An intake JSON file (spinepath.intake/1), or - for stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only the assessment JSON")] = False,
) -> None:
    """Assess one intake and print the result."""
    try:
        assessment = assess(parse_intake(_read(file)))
    except IntakeError as exc:
        raise _fail(f"Invalid intake {file}:\n" + "\n".join(f"  {p}" for p in exc.problems)) from exc
    if as_json:
        sys.stdout.write(assessment.to_json() + "\n")
    else:
        print_summary(assessment, out)


@contextmanager
def _open(path: str, mode: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdin if "r" in mode else sys.stdout
        return
    try:
        # Large buffers: a batch moves ~6 kB of JSON per assessment, and an 8 kB buffer makes that a system call
        # for nearly every line.
        handle = open(path, mode, encoding="utf-8", buffering=1 << 20)  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _fail(f"Cannot open {path}: {exc}") from exc
    with handle:
        yield handle


@app.command("assess-batch")
def assess_batch(
    source: Annotated[str, typer.Argument(help="NDJSON file of intakes, one per line (- for stdin)")],
    target: Annotated[str, typer.Argument(help="NDJSON file to write the assessments to (- for stdout)")],
    errors: Annotated[str | None, typer.Option(help="Also write invalid lines as NDJSON {line, problems}")] = None,
) -> None:
    """Stream NDJSON intakes to NDJSON assessments; invalid lines are reported by line number, not fatal.

    Each valid input line gives one output line, in order. Blank lines are skipped.
    """
    size = Path(source).stat().st_size if source != "-" and Path(source).is_file() else None
    invalid = 0
    written = 0
    progress = Progress(TextColumn("assessing"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                        TextColumn("{task.fields[done]} done, {task.fields[bad]} invalid"),
                        console=err, transient=False, disable=target == "-" and not err.is_terminal)
    error_file = open(errors, "w", encoding="utf-8") if errors else None  # noqa: SIM115
    # Assessing makes no reference cycles (tests/core/test_properties.py), so reference counting frees everything
    # and the cycle collector would only walk the same live objects again and again: it is off for the batch.
    gc.disable()
    try:
        with _open(source, "r") as reader, _open(target, "w") as writer, progress:
            task = progress.add_task("assess", total=size, done=0, bad=0)
            consumed = 0
            for number, line in enumerate(reader, start=1):
                consumed += len(line)
                if not line.isspace():  # (a line from a file is never empty: at least its newline)
                    try:
                        writer.write(assess_json(parse_intake(line)) + "\n")
                        written += 1
                    except IntakeError as exc:
                        invalid += 1
                        progress.console.print(f"line {number}: " + "; ".join(str(p) for p in exc.problems),
                                               style="red", markup=False, highlight=False)
                        if error_file:
                            error_file.write(json.dumps({"line": number, "problems": [
                                {"pointer": p.pointer, "message": p.message} for p in exc.problems]}) + "\n")
                if number % 2000 == 0:
                    progress.update(task, completed=consumed, done=written, bad=invalid)
            progress.update(task, completed=consumed, done=written, bad=invalid)
    finally:
        gc.enable()
        if error_file:
            error_file.close()
    err.print(f"{written} assessed, {invalid} invalid line(s).")
    if invalid:
        raise typer.Exit(EXIT_SOME_LINES_INVALID)


@app.command("procedures")
def procedures(
    procedure_id: Annotated[str | None, typer.Argument(help="A procedure id, e.g. mild")] = None,
) -> None:
    """List the procedures, or show everything known about one, with sources."""
    kb = load_knowledge()
    if procedure_id is None:
        table = Table("id", "procedure", "in short")
        for p in kb.procedures.values():
            table.add_row(p.id, p.name, p.summary)
        out.print(table)
        return
    try:
        procedure = kb.procedure(procedure_id)
    except KnowledgeError as exc:
        raise _fail(str(exc)) from exc
    out.print(Panel(Text(procedure.summary), title=procedure.name))
    for heading, lines in procedure_sections(procedure, kb):
        out.print(Text(heading, style="bold"))
        for line in lines:
            out.print(f"  {line}", markup=False)


@app.command("rules")
def rules() -> None:
    """Print the rule table: every rule with its condition, effect, text and source."""
    table = Table(title=f"spinepath ruleset {RULESET_VERSION}", show_lines=False, expand=True)
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("when", ratio=3)
    table.add_column("effect", ratio=2)
    table.add_column("text", ratio=4)
    table.add_column("source", no_wrap=True)
    area = None
    for row in rule_table():
        if row["area"] != area:
            area = row["area"]
            table.add_section()
            table.add_row(Text(area.upper(), style="bold cyan"), "", "", "", "")
        table.add_row(row["id"], row["when"], row["effect"], row["text"], row["source"])
    out.print(table)


@app.command("schema")
def schema(name: Annotated[str, typer.Argument(help="intake or assessment")]) -> None:
    """Print the JSON Schema of the intake or the assessment contract."""
    if name not in ("intake", "assessment"):
        raise _fail(f"Unknown schema '{name}': choose 'intake' or 'assessment'.")
    sys.stdout.write(shipped(name))  # type: ignore[arg-type]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
