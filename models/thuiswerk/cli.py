"""The ``thuiswerk`` command.

Thin glue only: each command parses its options, calls one library function and
prints the result. Bad data never produces a traceback: it is reported with
file, row and column and the command exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Bayesian re-analysis of the Arbo in Bedrijf Special Thuiswerken survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DEFAULT_DATA = Path("data/synthetic")

EXIT_INVALID = 1  # the data violate the codebook
EXIT_UNREADABLE = 2  # a file could not be read at all


@app.command()
def simulate(
    establishments: Annotated[int, typer.Option(min=1, help="Number of establishments.")] = 206,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the embedded dataset's).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = DEFAULT_DATA,
) -> None:
    """Generate the synthetic survey (two tables and the planted truth)."""
    from thuiswerk import simulate as sim

    seed = sim.DEFAULT_SEED if seed is None else seed
    with console.status(f"Simulating {establishments} establishments (seed {seed})..."):
        survey = sim.simulate(n_establishments=establishments, seed=seed)
        sim.write(survey, out)
    console.print(
        f"Wrote {len(survey.establishments)} establishments, {len(survey.employees)} employees "
        f"and the planted truth to {out}/"
    )


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Folder with establishments.* and employees.* (csv, parquet or sav).")] = DEFAULT_DATA,
    mapping: Annotated[Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook.")] = None,
) -> None:
    """Check a survey against the codebook; print a summary or every violation."""
    report = _validate(path, mapping)
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


def _validate(path: Path, mapping: Path | None):
    from thuiswerk.data import DataError, load_survey
    from thuiswerk.schema import validate_survey

    try:
        survey = load_survey(path, mapping=mapping)
    except DataError as exc:
        err.print(f"[bold red]Cannot read the survey in {path}[/]")
        for violation in exc.violations:
            err.print(f"  {violation}", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    report = validate_survey(survey)
    if report.ok:
        _print_summary(report.summary(), path)
    else:
        err.print(f"[bold red]{len(report.violations)} violation(s) in {path}[/]")
        for violation in report.violations:
            err.print(f"  {violation}", markup=False, highlight=False)
    return report


def _print_summary(summary: dict, path: Path) -> None:
    console.print(f"[bold green]{path} is valid.[/]")
    for title, frame in summary.items():
        frame = frame.reset_index()
        if title == "missingness":
            gaps = frame[(frame["empty"].fillna(1) > 0) | (frame["not_applicable"].fillna(1) > 0)]
            title = f"missingness ({len(frame) - len(gaps)} of {len(frame)} variables complete; the others:)"
            frame = gaps
        table = Table(title=title, title_justify="left")
        for col in frame.columns:
            table.add_column(str(col))
        for row in frame.itertuples(index=False):
            table.add_row(*(_fmt(v) for v in row))
        console.print(table)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@app.command()
def run(
    data: Annotated[Path, typer.Option(help="Survey folder; the synthetic default is (re)generated there.")] = DEFAULT_DATA,
    synthetic: Annotated[bool, typer.Option(help="Regenerate the embedded synthetic survey first.")] = True,
) -> None:
    """The main job: (re)generate the synthetic survey and validate it."""
    if synthetic:
        simulate(out=data)
    report = _validate(data, None)
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)


if __name__ == "__main__":  # pragma: no cover
    app()
