"""The commands that act on the survey: ``simulate``, ``validate`` and ``tables``; the validated survey of a run.

:func:`_survey` is how every other command reads the survey: unreadable data
exit 2 with their file-level problems, invalid data exit 1 with their
violations and the command that lists them all.

In a folder without ``data/synthetic/`` (an installed package run in an empty
folder), the default survey is the embedded synthetic one: :func:`_embedded`
copies it from the package into ``data/synthetic/`` once, with a message, so
the folder holds the data its fits and report are about and the installed
package is never written to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thuiswerk.cli.main import EXIT_INVALID, EXIT_UNREADABLE, EXIT_USAGE, _print_frame, console, err
from thuiswerk.cli.options import DataOpt, SeedOpt, _run
from thuiswerk.core.runconfig import DEFAULT_DATA


def simulate(
    establishments: Annotated[int, typer.Option(min=1, help="Number of establishments.")] = 206,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the embedded dataset's).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = DEFAULT_DATA,
    scenario: Annotated[
        str,
        typer.Option(
            help="A threat planted on top: default, attentive, reverse, employer_effect or nonignorable "
            "(README 'Scenarios'; truth.json says which)."
        ),
    ] = "default",
) -> None:
    """Generate the synthetic survey (two tables and the planted truth)."""
    from thuiswerk.core.errors import UsageError
    from thuiswerk.data import simulate as sim

    if scenario not in sim.SCENARIOS:
        raise UsageError(f"--scenario must be one of {', '.join(sim.SCENARIOS)}, not {scenario!r}")
    seed = sim.SURVEY_SEED if seed is None else seed
    with console.status(f"Simulating {establishments} establishments (seed {seed}, scenario {scenario})..."):
        survey = sim.simulate(n_establishments=establishments, seed=seed, scenario_name=scenario, population=True)
        sim.write(survey, out)
    console.print(
        f"Wrote {len(survey.establishments)} establishments, {len(survey.employees)} employees, "
        f"the population frame and the planted truth (scenario {scenario}) to {out}/"
    )


def validate(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Folder with establishments.* and employees.* (csv, parquet or sav); default: --data, THUISWERK_DATA or data/synthetic.",
            show_default=False,
        ),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook (THUISWERK_MAPPING).")
    ] = None,
    all: Annotated[
        bool, typer.Option("--all", help="Print every violation (default: the first 20 and a count of the rest).")
    ] = False,
    data: DataOpt = None,
) -> None:
    """Check a survey against the codebook; print a summary or its violations."""
    if path is not None and data is not None and path != data:
        from thuiswerk.core.errors import UsageError

        raise UsageError(f"two survey folders given: {path} and --data {data}; give one")
    run = _run(data=path or data, mapping=mapping)
    report = _validate(run, limit=None if all else VIOLATIONS_SHOWN)
    if not report.ok:
        raise typer.Exit(EXIT_INVALID)
    _validate_frame(run)


def _validate_frame(run) -> None:
    """Check the survey folder's population frame, if it has one, and against the survey; print its totals."""
    from thuiswerk.data import population
    from thuiswerk.data.survey import load_survey

    path = population.frame_path(run.data)
    if path is None:
        console.print(f"No population frame ({population.FRAME_FILE}) in {run.data}: no population estimates "
                      "(data/README.md, 'The population frame').", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        return
    frame = population.frame_of(run.data, load_survey(run.data, mapping=run.mapping).establishments)
    assert frame is not None  # the file is there
    sources = "; ".join(sorted(frame["source"].unique()))
    console.print(f"[bold green]{path} is valid:[/] {frame['n_establishments'].sum():,} establishments and "
                  f"{frame['n_employees'].sum():,} employees in {len(frame)} strata (source: {sources}).",
                  highlight=False, soft_wrap=True)  # fmt: skip


VIOLATIONS_SHOWN = 20


def _embedded(run) -> None:
    """Copy the embedded synthetic survey into the default survey folder when that is absent (see the module)."""
    if run.data != DEFAULT_DATA or run.mapping is not None or run.data.exists():
        return
    import shutil

    from thuiswerk.core.resources import synthetic_survey

    partial = run.data.with_name(f".{run.data.name}.partial")  # renamed when complete: never half-copied
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(synthetic_survey(), partial)
    partial.replace(run.data)
    err.print(f"No survey in {run.data}/: copied the embedded synthetic survey there (`thuiswerk simulate` "
              "regenerates it; --data reads another).", markup=False, highlight=False, soft_wrap=True)  # fmt: skip


def _validate(run, limit: int | None = VIOLATIONS_SHOWN):
    """Validate in chunks (memory about 3x the largest file at most), print the summary or the violations."""
    from thuiswerk.data.survey import DataError, validate_folder

    _embedded(run)
    try:
        report = validate_folder(run.data, mapping=run.mapping)
    except DataError as exc:
        _unreadable(run.data, exc)
    if report.ok:
        _print_summary(report.summary(), run.data)
    else:
        _print_violations(report, run, limit)
    return report


def _print_violations(report, run, limit: int | None) -> None:
    err.print(f"[bold red]{len(report.violations)} violation(s) in {run.data}[/]")
    more = f"run `{run.command('validate', '--all')}` to see every one"
    for line in report.violation_lines(limit, more=more) + report.absent_lines(indent="  "):
        err.print(line, markup=False, highlight=False, soft_wrap=True)


def _unreadable(path: Path, exc) -> None:
    """Report a survey that cannot be read at all (file-level problems) and exit 2."""
    err.print(f"[bold red]Cannot read the survey in {path}[/]")
    for violation in exc.violations:
        err.print(f"  {violation}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_UNREADABLE) from None


def _print_summary(summary: dict, path: Path) -> None:
    console.print(f"[bold green]{path} is valid.[/]")
    for title, frame in summary.items():
        frame = frame.reset_index()
        if title == "missingness":
            gaps = frame[(frame["empty"].fillna(1) > 0) | (frame["not_applicable"].fillna(1) > 0)]
            title = f"missingness ({len(frame) - len(gaps)} of {len(frame)} variables complete; the others:)"
            frame = gaps
        _print_frame(frame, title, _fmt)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _survey(run):
    """The validated survey of this run; invalid data exit 1 with the violations and the command to see them."""
    from thuiswerk.data.survey import DataError, load_survey
    from thuiswerk.data.validation import validate_survey

    _embedded(run)
    try:
        survey = load_survey(run.data, mapping=run.mapping)
    except DataError as exc:
        _unreadable(run.data, exc)
    report = validate_survey(survey)
    if not report.ok:
        _print_violations(report, run, VIOLATIONS_SHOWN)
        err.print(f"Models are never fitted on invalid data; see them all with `{run.command('validate', '--all')}`.",
                  markup=False, highlight=False, soft_wrap=True)  # fmt: skip
        raise typer.Exit(EXIT_INVALID)
    return survey


TABLES_FORMATS = ("table", "csv")


def tables(
    format: Annotated[str, typer.Option("--format", help="table (default) or csv.")] = "table",
    data: DataOpt = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook (THUISWERK_MAPPING).")
    ] = None,
    seed: SeedOpt = None,
) -> None:
    """Every descriptive number the report states (shares, means, counts, correlations), one row a number.

    Columns: table, id, role (empty: every respondent), unit (share as a fraction, mean,
    hours, count, ratio, correlation; a national figure's own unit), value, lo and hi (90%
    interval where computed: Fisher z for a correlation, cluster-robust normal for a
    comparison with a national figure), n (respondents), reference, se and p_lower (a
    comparison with a national figure: its value, the standard error and P(below it)).
    A number behind fewer than 10 respondents is blank, as in the report. A table that
    needs a column the survey lacks is left out, with a notice. No fits are needed.
    """
    from thuiswerk.analysis import descriptive
    from thuiswerk.cli.selection import _frame
    from thuiswerk.data import linked

    if format not in TABLES_FORMATS:
        err.print(f"[bold red]--format must be one of {', '.join(TABLES_FORMATS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    run = _run(data=data, mapping=mapping, seed=seed)
    survey = _survey(run)
    frame = _frame(run, survey, quiet=True)
    protection = linked.protect_groups(survey.establishments, frame)  # the report's one disclosure decision
    # the run's seed, as the report's (the non-response comparison's Bayesian bootstrap)
    table = descriptive.compute(survey.establishments, survey.employees, protection, seed=run.seed)
    for name, columns in table.attrs["left_out"].items():
        err.print(f"{name}: left out, the survey lacks {', '.join(columns)}", markup=False, highlight=False,
                  soft_wrap=True)  # fmt: skip
    if format == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
        return
    for spec in descriptive.TABLES:
        rows = table[table["table"] == spec.name]
        if not len(rows):
            continue
        columns = ["id", "role", "unit", "value", "lo", "hi", "n"]
        if spec.name.startswith("national_"):
            columns += ["reference", "p_lower"]
        shown = rows[columns] if rows["lo"].notna().any() or spec.name.startswith("national_") else rows[
            [c for c in columns if c not in ("lo", "hi")]]  # fmt: skip
        _print_frame(shown, f"{spec.name}: {spec.title}", _number)


def _number(value) -> str:
    """A cell of `thuiswerk tables`: '–' for a blank, whole counts without decimals, else three decimals."""
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:.0f}" if value.is_integer() and abs(value) >= 100 else f"{value:.3f}"
    return str(value)
