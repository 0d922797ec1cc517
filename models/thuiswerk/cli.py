"""The ``thuiswerk`` command.

Thin glue only: each command resolves one :class:`~thuiswerk.core.runconfig.RunConfig`
from its options (else the ``THUISWERK_*`` variables, else the defaults), calls
one library function and prints the result. No traceback reaches the user for
anything the user can cause: every command is guarded (:class:`_App`), which
maps a :class:`~thuiswerk.core.errors.ThuiswerkError` to its message, its hint
(repeating the options given) and its exit code (listed in
:mod:`thuiswerk.core.errors`).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Annotated, cast

import click
import typer
from rich.console import Console
from rich.table import Table

from thuiswerk.core import errors
from thuiswerk.core.runconfig import DEFAULT_DATA, DEFAULT_FITS  # noqa: F401  (the defaults: one definition)

# Exit codes: one table, in thuiswerk.core.errors (each error class carries its code).
EXIT_INVALID = errors.InvalidDataError.exit_code  # the data violate the codebook
EXIT_UNREADABLE = 2  # a file could not be read at all (thuiswerk.data.survey.DataError.exit_code)
EXIT_USAGE = errors.UsageError.exit_code  # unknown model, bad option or config
EXIT_STALE = errors.StaleFitError.exit_code  # a stored fit is missing or stale
EXIT_DIAGNOSTICS = errors.DiagnosticsError.exit_code  # convergence diagnostics fail the policy
EXIT_NO_QUARTO = errors.NoQuartoError.exit_code
EXIT_RENDER = errors.RenderError.exit_code  # Quarto failed or wrote less than a book render must


def _internal(exc: BaseException, where: str) -> errors.InternalError:
    """An unexpected exception as an :class:`errors.InternalError`: its traceback written to a log file."""
    import tempfile
    import time
    import traceback

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "thuiswerk" / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    log = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{id(exc):x}.log"
    text = "".join(traceback.format_exception(exc))
    try:
        log.write_text(f"thuiswerk {where}\n{text}", encoding="utf-8")
        where_logged = f"the traceback is in {log}"
    except OSError:
        where_logged = "the traceback could not be written to a log file"
    message = str(exc).splitlines()[0] if str(exc) else ""
    return errors.InternalError(
        f"{where}: unexpected {type(exc).__name__}{': ' + message if message else ''} (a bug in thuiswerk; "
        f"{where_logged})",
        hint="Please report it with that file. THUISWERK_DEBUG=1 shows the traceback here instead.",
    )


def _report_error(exc) -> None:
    err.print(exc.message, style="bold red", markup=False, highlight=False, soft_wrap=True)
    if exc.hint:
        err.print(exc.hint, markup=False, highlight=False, soft_wrap=True)


class _App(typer.Typer):
    """A Typer whose commands turn the package's errors into their message, hint and exit code."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(fn):
            @functools.wraps(fn)
            def guarded(*a, **kw):
                try:
                    return fn(*a, **kw)
                except errors.ThuiswerkError as exc:
                    _report_error(exc)
                    raise typer.Exit(exc.exit_code) from None
                except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
                    raise
                except Exception as exc:  # a bug: one line here, the traceback in a log file
                    if os.environ.get("THUISWERK_DEBUG"):
                        raise
                    _report_error(_internal(exc, fn.__name__))
                    raise typer.Exit(errors.InternalError.exit_code) from None

            register(guarded)
            return fn  # called directly (as `run` does), errors reach the outer command's guard

        return decorator


app = _App(
    help="Bayesian re-analysis of the Arbo in Bedrijf Special Thuiswerken survey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)


@app.command()
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


@app.command()
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


def _validate(run, limit: int | None = VIOLATIONS_SHOWN):
    """Validate in chunks (memory about 3x the largest file at most), print the summary or the violations."""
    from thuiswerk.data.survey import DataError, validate_folder

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


def _run(**options):
    """The run configuration from the options given, else THUISWERK_*, else the defaults."""
    from thuiswerk.core.runconfig import RunConfig

    try:
        return RunConfig.resolve(**options)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None


def _survey(run):
    """The validated survey of this run; invalid data exit 1 with the violations and the command to see them."""
    from thuiswerk.data.schema import validate_survey
    from thuiswerk.data.survey import DataError, load_survey

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


def _specs(models: list[str], run):
    from thuiswerk.modelling import specs
    from thuiswerk.modelling.workflow import resolve_specs

    try:
        return resolve_specs(models, specs.load_overrides(run.config))
    except (KeyError, ValueError) as exc:
        err.print(f"[bold red]{exc.args[0]}[/]")
        raise typer.Exit(EXIT_USAGE) from None


def _adapted(selected, survey, out=None) -> list:
    """Every selected model as this survey allows it (:func:`thuiswerk.modelling.workflow.adapt`); what is left out
    is named on ``out`` (a console; None: quiet)."""
    from thuiswerk.modelling.workflow import adapt

    adapted = [adapt(spec, survey) for spec in selected]
    if out is not None:
        for a in adapted:
            for line in a.notices():
                out.print(f"{a.name}: {line}", markup=False, highlight=False, soft_wrap=True)
    return adapted


def _adapt(selected, survey, quiet: bool = False) -> list:
    """The specs of the models this survey's columns allow; the others and everything left out are named."""
    return [a.spec for a in _adapted(selected, survey, None if quiet else err) if a.spec is not None]


ModelsArg = Annotated[list[str], typer.Argument(help="Model name(s), or 'all'.")]
DataOpt = Annotated[
    Path | None, typer.Option(help="Survey folder [THUISWERK_DATA; default data/synthetic].", show_default=False)
]
MappingOpt = Annotated[
    Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook [THUISWERK_MAPPING].")
]
FitsOpt = Annotated[
    Path | None, typer.Option(help="Folder of stored fits [THUISWERK_FITS; default data/fits].", show_default=False)
]
SeedOpt = Annotated[
    int | None,
    typer.Option(help="The seed the fits were made with [THUISWERK_SEED; default 2022].", show_default=False),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        help="YAML overrides: {model: {priors: {...}, predictors: [...], exposures: {predictor: [roles]}}} [THUISWERK_CONFIG]."
    ),
]
AllowFailingOpt = Annotated[
    bool,
    typer.Option(
        "--allow-failing", help="Use fits that fail the convergence policy (`thuiswerk check`), marked as such."
    ),
]


@app.command("fit")
def fit_command(
    models: ModelsArg = None,  # type: ignore[assignment]
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: Annotated[
        int | None, typer.Option(help="Sampling seed [THUISWERK_SEED; default 2022].", show_default=False)
    ] = None,
    sampler: Annotated[
        str, typer.Option(help="nutpie (default), pymc, numpyro or nutpie-jax (the last two need the bench extra).")
    ] = "nutpie",
    chains: Annotated[int, typer.Option(min=1)] = 4,
    tune: Annotated[int, typer.Option(min=1)] = 1000,
    draws: Annotated[int, typer.Option(min=1)] = 2000,
    target_accept: Annotated[float, typer.Option(min=0.5, max=0.999)] = 0.9,
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option(help="Refit even when a current fit is stored.")] = False,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to wait for another fit of the same model into the same folder to finish (then exit 9).",
        ),
    ] = 5.0,
) -> None:
    """Fit models and store each as data/fits/MODEL.nc; a current stored fit is reused."""
    from thuiswerk.modelling.fit import JAX_HINT, SAMPLERS, Sampler, SamplerSettings, missing_modules
    from thuiswerk.modelling.workflow import fit_model

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    if sampler not in SAMPLERS:
        err.print(f"[bold red]--sampler must be one of {', '.join(SAMPLERS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    if missing_modules(sampler):
        err.print(f"--sampler {sampler} {JAX_HINT}", style="bold red", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    survey = _survey(run)
    names, population = _split_population(models or ["all"])
    adapted = _adapted(_specs(names, run), survey, console) if names else []
    frame = _frame(run, survey, required=population == "named") if population else None
    settings = SamplerSettings(
        sampler=cast(Sampler, sampler), chains=chains, tune=tune, draws=draws, target_accept=target_accept
    )
    from thuiswerk.modelling.workflow import FitResult

    usable = [a for a in adapted if a.spec is not None]
    total = len(usable) + (frame is not None)
    outcome = [(a.name, "skipped", a.reason, 0) for a in adapted if a.spec is None]
    for i, a in enumerate(usable, 1):
        spec = a.spec
        console.print(f"[bold][{i}/{total}] {spec.name}[/] ({spec.title})")

        def one(spec=spec, a=a) -> FitResult:
            return fit_model(spec, survey, run.fits, settings, run.seed, force=force, progress=console.is_terminal,
                             data_arg=_data_arg(run), lock_timeout=wait, left_out=a.left_out)  # fmt: skip

        result, failure = _carry_on(spec.name, one, run)
        if result is None:
            outcome.append((spec.name, "failed", *failure))
            continue
        what = f"fitted in {result.seconds:.0f} s"
        if result.cached:
            what = (
                "fitted before with these inputs: taken back, not refitted"
                if result.restored
                else "cached, not refitted"
            )
        console.print(f"  {what} -> {result.path}")
        for path in result.removed:
            console.print(f"  removed {path.name}, left by an interrupted earlier fit", highlight=False)
        for reason, n in result.excluded.items():
            console.print(f"  excluded: {n} x {reason}")
        outcome.append((spec.name, "reused" if result.cached else "fitted", _left_out_summary(a), 0))
    if frame is not None:
        result, failure = _carry_on(
            "population", lambda: _fit_population(run, survey, settings, force, wait, total), run
        )
        if result is None:
            outcome.append(("population", "failed", *failure))
        else:
            outcome.append(("population", "reused" if result.cached else "fitted", "", 0))
    _finish(outcome, "Fits")


def _left_out_summary(a) -> str:
    """What a fitted model leaves out, in a few words, for the summary table."""
    parts = []
    if a.items:
        parts.append(f"without item(s) {', '.join(a.items)}")
    if a.dropped:
        parts.append(f"without covariate(s) {', '.join(a.dropped)}")
    if a.unidentified:
        parts.append(f"left out (not identified): {', '.join(d.column for d in a.unidentified)}")
    return "; ".join(parts)


def _carry_on(name: str, step, run):
    """``(step(), None)``, or ``(None, (reason, exit code))`` after printing why ``step`` failed.

    One model's failure never stops the others: the package's errors are reported with
    their hint (a broken fit's names ``--force`` with the run's options), anything else as
    a bug whose traceback goes to a log file.
    """
    try:
        return step(), None
    except errors.BrokenFitError as exc:
        exc = errors.BrokenFitError(exc.message, hint=_broken_hint(exc, run, name))
        _report_error(exc)
        return None, (exc.message.splitlines()[0], exc.exit_code)
    except errors.ThuiswerkError as exc:
        _report_error(exc)
        return None, (exc.message.splitlines()[0], exc.exit_code)
    except Exception as exc:
        if os.environ.get("THUISWERK_DEBUG"):
            raise
        bug = _internal(exc, f"fit {name}")
        _report_error(bug)
        return None, (bug.message, bug.exit_code)


def _finish(outcome: list[tuple[str, str, str, int]], title: str) -> None:
    """Print what happened to each model and exit with the most severe code of those that failed."""
    import pandas as pd

    if len(outcome) > 1 or any(code for *_, code in outcome):
        table = pd.DataFrame(outcome, columns=["model", "status", "reason", "exit code"]).set_index("model")
        table["exit code"] = table["exit code"].map(lambda c: str(c) if c else "")
        _print_frame(table, f"{title}: {len(outcome)} model(s)")
    code = errors.most_severe(code for *_, code in outcome)
    if code:
        raise typer.Exit(code)


def _split_population(names: list[str]) -> tuple[list[str], str | None]:
    """The model names without 'population', and whether the population model is wanted ('named', 'all', None)."""
    from thuiswerk.modelling.strata import MODEL

    rest = [n for n in names if n != MODEL]
    if MODEL in names:
        return rest, "named"
    return rest, ("all" if "all" in names else None)


def _frame(run, survey, required: bool = False, quiet: bool = False):
    """The survey folder's validated population frame (checked against the survey), or None without one."""
    from thuiswerk.data import population

    frame = population.frame_of(run.data, survey.establishments)
    if frame is None:
        message = (f"population: no population frame ({population.FRAME_FILE}) in {run.data}: the population "
                   "model and the population rows are left out (data/README.md, 'The population frame')")  # fmt: skip
        if required:
            raise errors.UsageError(message)
        (err if quiet else console).print(message, markup=False, highlight=False, soft_wrap=True)
    return frame


def _fit_population(run, survey, settings, force: bool, wait: float, total: int):
    from dataclasses import replace

    from thuiswerk.modelling.fit import STRATA_SETTINGS
    from thuiswerk.modelling.workflow import fit_population

    console.print(f"[bold][{total}/{total}] population[/] (shares per sector x size class, for post-stratification)")
    # the options' chains, warm-up and draws (defaults: those of STRATA_SETTINGS); target_accept at least its
    pop_settings = replace(settings, target_accept=max(settings.target_accept, STRATA_SETTINGS.target_accept),
                           prior_draws=STRATA_SETTINGS.prior_draws)  # fmt: skip
    result = fit_population(survey, run.fits, pop_settings, run.seed, force=force, progress=console.is_terminal,
                            data_arg=_data_arg(run), lock_timeout=wait)  # fmt: skip
    what = "cached, not refitted" if result.cached else f"fitted in {result.seconds:.0f} s"
    console.print(f"  {what} -> {result.path}")
    n = sum(result.excluded.values())
    if n:
        console.print(f"  excluded: {n} empty answers over {len(result.excluded)} shares (listed in the fit's "
                      "attribute 'excluded'; each share leaves out only its own empty answers)", markup=False)  # fmt: skip
    return result


fits_app = _App(help="The stored fits: list them, or delete the kept ones.", no_args_is_help=True)
app.add_typer(fits_app, name="fits")


@fits_app.command("list")
def fits_list(fits: FitsOpt = None) -> None:
    """Every current fit (FITS/MODEL.nc) and every kept one (fits of other inputs, reused when those come back)."""
    from thuiswerk.modelling import store

    run = _run(fits=fits)
    frame = store.list_fits(run.fits)
    _print_frame(frame, f"Fits in {run.fits} (current: used now; kept: taken back by a fit with the same inputs)")
    total = frame["size_mb"].sum() if len(frame) else 0.0
    kept = frame.loc[frame["state"] == "kept", "size_mb"].sum() if len(frame) else 0.0
    console.print(f"{len(frame)} file(s), {total:.0f} MB, of which kept {kept:.0f} MB "
                  f"(`{run.command('fits', 'prune')}` deletes those)", markup=False, highlight=False)  # fmt: skip


@fits_app.command("prune")
def fits_prune(
    fits: FitsOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted.")] = False,
) -> None:
    """Delete the kept fits; the current ones stay."""
    from thuiswerk.modelling import store

    run = _run(fits=fits)
    removed = store.prune_kept(run.fits, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    for path, size in removed:
        console.print(f"{verb} {path} ({size / 2**20:.0f} MB)", markup=False, highlight=False)
    parts = [path for path, _ in removed if path.name.endswith(".part")]
    leftovers = f" and {len(parts)} leftover .part file(s) of a killed fit" if parts else ""
    console.print(f"{verb} {len(removed) - len(parts)} kept fit(s){leftovers}, "
                  f"{sum(s for _, s in removed) / 2**20:.0f} MB.", highlight=False)  # fmt: skip


@app.command()
def check(
    models: ModelsArg = None,  # type: ignore[assignment]
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print convergence diagnostics; exit non-zero unless every model passes the policy.

    The diagnostics are computed when a model is fitted and stored with the fit;
    for a fit stored without them they are computed here.
    """
    import pandas as pd

    from thuiswerk.modelling import diagnostics

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    survey = _survey(run)
    names, population = _split_population(models or ["all"])
    selected = _adapt(_specs(names, run), survey, quiet=True) if names else []
    with_population = bool(population) and _frame(run, survey, required=population == "named") is not None
    _, state = _current(selected, survey, run, "Not checked", population=with_population)
    checked = state["current"]
    policy = diagnostics.Policy()
    frame = pd.DataFrame.from_dict(_verdicts(checked, run), orient="index")
    frame.index.name = "model"
    shown = frame.assign(verdict=frame["passed"].map({True: "pass", False: "FAIL"}))[
        ["max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "min_bfmi", "verdict"]
    ].rename(columns={"max_rhat": "max R-hat", "min_ess_bulk": "min bulk ESS", "min_ess_tail": "min tail ESS",
                      "min_bfmi": "min E-BFMI"})  # fmt: skip
    shown.index.name = "model"
    digits = {"max R-hat": "{:.3f}", "min bulk ESS": "{:.0f}", "min tail ESS": "{:.0f}", "min E-BFMI": "{:.2f}"}
    _print_frame(
        pd.DataFrame(
            {c: shown[c].map(digits[c].format) if c in digits else shown[c] for c in shown}, index=shown.index
        ),
        f"Convergence (pass: R-hat <= {policy.rhat_max}, bulk ESS >= {policy.ess_bulk_min:.0f}, "
        f"divergences <= {policy.divergences_max}, E-BFMI >= {policy.bfmi_min})",
    )
    for name, row in frame[~frame["passed"]].iterrows():
        err.print(f"[red]{name}: {row['failures']}[/]", highlight=False)
    code = errors.most_severe([*state["codes"], 0 if frame["passed"].all() else EXIT_DIAGNOSTICS])
    if code:
        raise typer.Exit(code)


def _current(selected, survey, run, verb: str, population: bool = False) -> tuple[list, dict]:
    """The selected models whose fits are current, naming the others (with the command that fits them).

    Returns the current specs and ``{"current": names (with 'population' when its fit is
    current), "codes": exit codes of what was left out}``. Refuses (exit 4) when nothing
    selected is current.
    """
    stale = _stale(selected, survey, run)
    current = [spec for spec in selected if spec.name not in stale]
    names = [spec.name for spec in current]
    if population:
        try:
            _population_fit(run, survey)  # refuses a missing or stale fit
            names.append("population")
        except errors.StaleFitError as exc:
            stale["population"] = exc.message
    if stale and not names:
        _refuse_stale(stale, run)
    for why in stale.values():
        err.print(f"{verb}: {why}", markup=False, highlight=False, soft_wrap=True)
    if stale:
        err.print(f"To include them: {run.command('fit', *stale)}", markup=False, highlight=False, soft_wrap=True)
    return current, {"current": names, "codes": [EXIT_STALE] if stale else []}


def _stale(selected, survey, run) -> dict[str, str]:
    """Model -> why its stored fit cannot be used (missing or stale); empty when all are current."""
    from thuiswerk.modelling.workflow import stale_fits

    stale: dict[str, str] = {}
    for spec in selected:  # one at a time: a broken file's hint names its model with the options given
        try:
            stale |= stale_fits([spec], survey, run.fits, run.seed, _data_arg(run))
        except errors.BrokenFitError as exc:
            raise errors.BrokenFitError(exc.message, hint=_broken_hint(exc, run, spec.name)) from None
    return stale


def _broken_hint(exc, run, model: str) -> str:
    """The command that rewrites a broken fit, with the run's options; a path that is no file (a directory
    named MODEL.nc) must be removed first, and its own hint says so."""
    if exc.hint and exc.hint.startswith("Run, once it is gone"):
        return f"Run, once it is gone: {run.command('fit', model)}"
    return f"Run: {run.command('fit', model, '--force')}"


def _data_arg(run) -> str:
    """The options besides --seed, as the workflow's messages append them to `thuiswerk fit MODEL`."""
    import shlex

    options = run.options(seed=False)
    return " " + shlex.join(options) if options else ""


def _refuse_stale(stale: dict[str, str], run) -> None:
    """Name every stale model and the one command that refits them all, with the options given."""
    from thuiswerk.core.errors import StaleFitError
    from thuiswerk.modelling.specs import SPECS

    if stale:
        models = ["all"] if set(stale) == set(SPECS) else list(stale)
        raise StaleFitError("\n".join(stale.values()), hint=f"Run: {run.command('fit', *models)}")


def _load_fits(selected, survey, run) -> dict:
    """Every selected model's stored fit; refuses (exit 4) naming every missing or stale one."""
    from thuiswerk.modelling.workflow import load_fit

    _refuse_stale(_stale(selected, survey, run), run)
    return {spec.name: load_fit(spec, survey, run.fits, run.seed) for spec in selected}


def _verdicts(names, run, trees: dict | None = None) -> dict[str, dict]:
    """Model -> its convergence verdict: stored with the fit, else computed from it."""
    import json

    from thuiswerk.modelling import diagnostics, store

    out = {}
    for name in names:
        attrs = store.read_attrs(store.fit_path(run.fits, name)) or {}
        if "diagnostics" in attrs:
            out[name] = json.loads(attrs["diagnostics"])
        else:
            tree = trees[name] if trees and name in trees else store.read(store.fit_path(run.fits, name))
            out[name] = diagnostics.diagnose(tree)
    return out


def _gate(names, run, allow_failing: bool, trees: dict | None = None) -> tuple[list[str], list[str]]:
    """The models that fail the convergence policy, and those of them left out.

    Without --allow-failing each failing model is named with the command that refits it
    and left out (the caller goes on with the others and exits 5 at the end); with it,
    they are used, and every result of theirs is marked as failing.
    """
    failing = {n: v["failures"] for n, v in _verdicts(names, run, trees).items() if not v["passed"]}
    if not failing:
        return [], []
    lines = "\n".join(f"{name}: fails the convergence policy ({why})" for name, why in failing.items())
    if not allow_failing:
        _report_error(errors.DiagnosticsError(
            f"{lines}\nLeft out: {', '.join(failing)}.",
            hint=f"Refit with more draws, e.g. `{run.command('fit', *failing, '--force', '--draws', '4000')}`, "
            "or pass --allow-failing to use them, marked as failing.",
        ))  # fmt: skip
        return list(failing), list(failing)
    err.print(f"{lines}\nUsed anyway (--allow-failing); every result of these models is marked as failing.",
              style="yellow", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    return list(failing), []


def _print_frame(frame, title: str, fmt=None) -> None:
    """A table: drawn by rich on a terminal, as plain full-width text otherwise (a log keeps every column)."""
    fmt = fmt or (lambda v: f"{v:.2f}" if isinstance(v, float) else str(v))
    if frame.index.name is not None or any(frame.index.names):
        frame = frame.reset_index()
    cells = frame.map(fmt) if len(frame) else frame.astype(str)
    if not console.is_terminal:
        typer.echo(title)
        typer.echo(cells.to_string(index=False) if len(cells) else "(none)")
        typer.echo("")
        return
    table = Table(title=title, title_justify="left")
    for col in cells.columns:
        table.add_column(str(col))
    for row in cells.itertuples(index=False):
        table.add_row(*row)
    console.print(table)


@app.command()
def compare(
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    allow_failing: AllowFailingOpt = False,
) -> None:
    """PSIS-LOO per fitted model (with Pareto k) and employee-known versus employer-reported measures."""
    from thuiswerk.analysis import compare as cmp
    from thuiswerk.modelling.workflow import load_fit

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    survey = _survey(run)
    selected = _adapt(_specs(["all"], run), survey)
    usable, state = _current(selected, survey, run, "Not compared")
    trees = {spec.name: load_fit(spec, survey, run.fits, run.seed) for spec in usable}
    failing, left = _gate(list(trees), run, allow_failing, trees)
    trees = {n: t for n, t in trees.items() if n not in left}
    codes = [*state["codes"], EXIT_DIAGNOSTICS if left else 0]
    if trees:
        mark = lambda frame: frame.rename(index=lambda n: f"{n} (FAILS check)" if n in failing else n)  # noqa: E731
        _print_frame(mark(cmp.loo_table(trees, report=_plain)), "PSIS-LOO per model (unit: employee)")
        pairs = cmp.knowledge_vs_employer(trees)
        if len(pairs):
            _print_frame(pairs, "Known by the employee vs reported by the employer (elpd_diff > 0 favours knowledge)")
        else:
            console.print("No employee-known / employer-reported pair of models is fitted: nothing to compare.")
    code = errors.most_severe(codes)
    if code:
        raise typer.Exit(code)


FINDINGS_FORMATS = ("table", "csv", "json")


@app.command()
def scenarios(
    out: Annotated[
        Path | None, typer.Option(help="CSV to write [default: data/scenarios.csv, which appendix A reads].")
    ] = None,
    names: Annotated[
        list[str] | None, typer.Option("--scenario", help="Only these scenarios (repeat the option); default all.")
    ] = None,
) -> None:
    """Fit the outcome and joint models on each generator scenario; write what the findings say (~20 min)."""
    from thuiswerk.core.errors import UsageError
    from thuiswerk.data import simulate as sim
    from thuiswerk.studies import scenarios as study_module

    out = out or study_module.STUDY_FILE
    chosen = tuple(names or sim.SCENARIOS)
    unknown = [n for n in chosen if n not in sim.SCENARIOS]
    if unknown or "default" not in chosen:
        raise UsageError(
            f"scenarios must be among {', '.join(sim.SCENARIOS)} and include default (the reference); got {', '.join(chosen)}"
        )
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent} is not a folder")
    with console.status("Scenario study...") as status:
        result = study_module.study(chosen, progress=lambda text: status.update(f"Scenario study: {text}"))
    study_module.write(result, out)
    changed = study_module.verdicts(result).sum()
    for threat, n in changed.items():
        console.print(f"{threat}: {n} of {len(result['id'].unique())} findings read differently than on the default")
    console.print(f"Wrote {out}")


SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="Address of a running Dask scheduler (tcp://host:8786) whose workers run the fits; "
        "default: a cluster on this machine, one worker per core."
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Workers of the local cluster [default: one per core].", show_default=False)
]
ResultsOpt = Annotated[
    Path,
    typer.Option(help="Folder of per-replicate results; a run resumes from what is there [default data/replicates]."),
]
DEFAULT_RESULTS = Path("data/replicates")


def _many_spec(model: str, run):
    """The one model a many-fit command works on, adapted to the survey's columns."""
    selected = _specs([model], run)
    survey = _survey(run)
    usable = _adapt(selected, survey)
    if not usable:
        raise typer.Exit(EXIT_USAGE)
    return usable[0], survey


def _timing_line(records: list[dict]) -> str:
    from thuiswerk.studies import many

    timing = [r.get(many.TIMING, {}) for r in records]
    compiles = [t["compile_seconds"] for t in timing if t.get("compile_seconds", 0) > 0]
    sampling = [t["sampling_seconds"] for t in timing if "sampling_seconds" in t]
    if not sampling:
        return ""
    return (
        f"{len(records)} fits: compiled {len(compiles)} time(s) (mean {sum(compiles) / max(len(compiles), 1):.1f} s), "
        f"reused {len(records) - len(compiles)} time(s); sampling {sum(sampling) / len(sampling):.1f} s per fit on average"
    )


def _run_study(
    job, run, results: Path, scheduler: str | None, workers: int | None, noun: str, done: str = "computed"
) -> list[dict]:
    """Run a many-fit job, say how much was stored before and how often it compiled; its records in task order."""
    from thuiswerk.studies import many

    outcome = many.run(job, results, run.seed, scheduler=scheduler, workers=workers)
    records = outcome.ordered(job)
    console.print(f"{outcome.reused} {noun} stored before, {outcome.computed} {done} in "
                  f"{outcome.seconds / 60:.1f} min ({outcome.folder})", markup=False, highlight=False)  # fmt: skip
    console.print(_timing_line(records), markup=False, highlight=False)
    return records


def _study_meta(job, run, **extra) -> dict:
    """What a study file's header records: the options that shaped it, seed, settings, job key, the data and
    spec hashes it belongs to (``stamp``: the report shows it only for those), commit, versions."""
    from thuiswerk.studies import many

    return (
        extra
        | {"seed": run.seed, "settings": job.config["settings"], "job": job.key, "stamp": job.stamp}
        | many.provenance()
    )


@app.command()
def sbc(
    model: Annotated[str, typer.Argument(help="The model to calibrate (one name).")],
    replicates: Annotated[int, typer.Option(min=1, help="Prior draws, each fitted once.")] = 200,
    establishments: Annotated[
        int | None,
        typer.Option(
            min=2, help="Simulate a design of this many establishments [default: the survey's own].", show_default=False
        ),  # fmt: skip
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    results: ResultsOpt = DEFAULT_RESULTS,
    out: Annotated[
        Path | None, typer.Option(help="CSV of ranks to merge into [default: data/sbc.csv, which appendix B reads].")
    ] = None,
    data: DataOpt = None,
    mapping: MappingOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Simulation-based calibration: fit the model to answers drawn from its prior on the survey's design.

    Records the rank of every finding, SD and cut point among the posterior draws and
    tests each for uniformity. Runs on Dask; an interrupted run resumes.
    """
    from thuiswerk.studies import sbc as sbc_module

    run = _run(data=data, mapping=mapping, seed=seed, config=config)
    spec, survey = _many_spec(model, run)
    inputs = sbc_module.design_inputs(spec, survey, establishments, run.seed)
    job = sbc_module.job(spec, inputs, replicates, run.seed)
    records = _run_study(job, run, results, scheduler, workers, "replicate(s)")
    ranks = sbc_module.frame(spec, records)
    _print_frame(sbc_module.summary(ranks, run.seed).set_index("model"), "Simulation-based calibration")
    meta = _study_meta(job, run, replicates=replicates, establishments=len(inputs.coords["establishment"]))
    target = sbc_module.write(ranks, out or sbc_module.RESULT_FILE, meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


@app.command()
def kfold(
    models: Annotated[list[str], typer.Argument(help="One model, or several to compare on the same folds.")],
    folds: Annotated[int, typer.Option(min=2, help="Number of folds.")] = 10,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    results: ResultsOpt = DEFAULT_RESULTS,
    out: Annotated[
        Path | None,
        typer.Option(help="CSV of elpd per establishment to merge into [default: data/kfold.csv, read by appendix B]."),
    ] = None,
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """K-fold cross-validation by establishment (folds stratified by sector and size class).

    Fits each model K times without one fold and scores the left-out establishments;
    prints elpd per model beside PSIS-LOO by establishment (where the fit is current)
    and, for several models, their difference on the same folds.
    """
    from thuiswerk.modelling.workflow import stale_fits
    from thuiswerk.studies import kfold as kf

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    survey = _survey(run)
    selected = _adapt(_specs(models, run), survey)
    if len(selected) < len(models):
        raise typer.Exit(EXIT_USAGE)
    try:
        job = kf.job(selected, survey, folds, run.seed)
    except ValueError as exc:
        err.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    records = _run_study(job, run, results, scheduler, workers, "fold fit(s)")
    pointwise = kf.frame(records)
    current = [s for s in selected if s.name not in stale_fits([s], survey, run.fits, run.seed)]
    loo = {}
    if current:
        from thuiswerk.analysis import compare

        trees = _load_fits(current, survey, run)
        loo = {
            name: compare.loo_establishment(tree)
            for name, tree in trees.items()
            if compare.ESTABLISHMENT_GROUP in tree.children
        }
    _print_frame(kf.totals(pointwise, loo).set_index("model"), f"{folds}-fold cross-validation by establishment")
    missing = [s.name for s in selected if s.name not in loo]
    if missing:
        console.print(f"No PSIS-LOO beside it for {', '.join(missing)} (no current fit); "
                      f"`{run.command('fit', *missing)}` adds it.", markup=False, highlight=False)  # fmt: skip
    for first, second in zip(selected, selected[1:]):
        d = kf.difference(pointwise, first.name, second.name)
        console.print(f"elpd {first.name} - {second.name}: {d['elpd_diff']:.1f} (SE {d['se_diff']:.1f}) over "
                      f"{d['establishments']} establishments", markup=False, highlight=False)  # fmt: skip
    meta = _study_meta(job, run, folds=folds)
    target = kf.write(pointwise, out or kf.RESULT_FILE, meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


@app.command()
def design(
    finding: Annotated[str, typer.Option(help="The finding's id (`thuiswerk findings` lists them); a slope finding.")],
    establishments: Annotated[str, typer.Option(help="Survey sizes to simulate, comma-separated.")] = "100,206,400,800",
    replicates: Annotated[int, typer.Option(min=1, help="Simulated surveys per size.")] = 100,
    effect: Annotated[
        float | None,
        typer.Option(
            help="Stated effect on the finding's log-odds scale [default: drawn from the current posterior].",
            show_default=False,
        ),  # fmt: skip
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    results: ResultsOpt = DEFAULT_RESULTS,
    out: Annotated[
        Path | None, typer.Option(help="CSV to merge into [default: data/design.csv, which chapter 2 reads].")
    ] = None,
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Design of the next survey: the probability that a finding is 'duidelijk' at each survey size.

    Simulates surveys of each size from the current posterior of the finding's model
    (or with a stated effect), fits each, and words the finding by the evidence rule.
    """
    from thuiswerk.studies import design as dsg

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    try:
        estimand = dsg.slope_finding(finding)
    except (KeyError, ValueError) as exc:
        err.print(str(exc.args[0]), style="bold red", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    items = _csv_list(establishments, "--establishments")
    if not all(v.isdigit() for v in items) or min(int(v) for v in items) < 10:
        err.print(f"--establishments: whole numbers of at least 10, comma-separated; got {establishments}",
                  style="bold red", markup=False)  # fmt: skip
        raise typer.Exit(EXIT_USAGE)
    sizes = tuple(sorted({int(v) for v in items}))
    spec, survey = _many_spec(estimand.model, run)
    tree = _load_fits([spec], survey, run)[spec.name]
    try:
        job = dsg.job(spec, finding, tree, sizes, replicates, run.seed, effect)
    except ValueError as exc:
        err.print(str(exc), style="bold red", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    records = _run_study(job, run, results, scheduler, workers, "survey(s)", "simulated and fitted")
    results_frame = dsg.frame(finding, effect, records)
    table = dsg.power(results_frame)
    _print_frame(table.set_index("establishments"), f"P(duidelijk) for {finding}")
    smallest = dsg.smallest_size(table)
    console.print(f"P(duidelijk) >= {dsg.TARGET_POWER:.0%} from {smallest} establishments" if smallest else
                  f"P(duidelijk) stays below {dsg.TARGET_POWER:.0%} up to {max(sizes)} establishments",
                  markup=False, highlight=False)  # fmt: skip
    meta = _study_meta(job, run, sizes=list(sizes), replicates=replicates, effect=effect)
    target = dsg.write(results_frame, out or dsg.RESULT_FILE, meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


@app.command()
def findings(
    format: Annotated[str, typer.Option("--format", help="table (default), csv or json.")] = "table",
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    allow_failing: AllowFailingOpt = False,
) -> None:
    """The findings table: one row per estimand of the report, with its posterior and wording.

    Columns: id, outcome, role, exposure, model, scale, direction (the source report's
    expected direction), mean, q05, q95 (90% interval), p_expected_direction, wording
    (duidelijk at P >= 0.975, aanwijzing at P >= 0.90), chapter, source (the sentence of
    the source report it answers), items (the outcome items it stands for, where the
    survey lacks some) and reason. A finding the survey cannot answer (an item it lacks,
    a term its data cannot identify, a model it cannot support) has no number and the
    wording "niet te schatten op deze gegevens"; one whose model has no current fit,
    "niet geschat" (the command exits 4 and names it).

    With a population frame (population.csv in the survey folder) every percentage of
    chapters V, VI and VIII gets three rows, column population: sample (the survey's
    share), establishments and employees (post-stratified to all establishments or all
    employees of the surveyed sectors, 90% interval; the design-based estimate beside it
    in design_mean, design_q05, design_q95). Columns level, by and n say for whom.
    """
    import pandas as pd

    from thuiswerk.analysis import findings as fnd

    if format not in FINDINGS_FORMATS:
        err.print(f"[bold red]--format must be one of {', '.join(FINDINGS_FORMATS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    models = sorted({e.model for e in fnd.ESTIMANDS})
    survey = _survey(run)
    adapted = _adapted(_specs(models, run), survey, err)
    not_fitted = {a.name: a.reason_nl for a in adapted if a.spec is None}
    usable = [a.spec for a in adapted if a.spec is not None]
    frame = _frame(run, survey, quiet=True)
    current, state = _current(usable, survey, run, "Not in the findings", population=frame is not None) if usable else ([], {"current": [], "codes": []})  # fmt: skip
    trees = _load_fits(current, survey, run)
    failing, left = _gate(list(trees), run, allow_failing, trees)
    trees = {n: t for n, t in trees.items() if n not in left}
    try:
        table = fnd.compute(trees, not_fitted=not_fitted)
    except KeyError as exc:  # a --config that removed an exposure a finding is about
        err.print(f"{exc.args[0]}; the findings need the default exposures", style="bold red", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    codes = [*state["codes"], EXIT_DIAGNOSTICS if left else 0]
    if frame is not None and "population" in state["current"]:
        from thuiswerk.analysis import mrp

        pop_failing, pop_left = _gate(["population"], run, allow_failing)
        failing += pop_failing
        if not pop_left:
            tree, inputs = _population_fit(run, survey)
            table = pd.concat([table.assign(population=""), mrp.rows(tree, inputs, frame)], ignore_index=True)
        else:
            codes.append(EXIT_DIAGNOSTICS)
    table["fit_fails_check"] = table["model"].isin(failing)
    if format == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
    elif format == "json":
        typer.echo(table.to_json(orient="records", force_ascii=False, indent=1))
    else:
        estimands = table[table.get("population", "") == ""] if "population" in table else table
        shown = estimands[["id", "role", "mean", "q05", "q95", "p_expected_direction", "wording"]]
        _print_frame(shown.set_index("id"), "Findings (mean, 90% interval, P(expected direction), wording)")
        if "population" in table and (table["population"] != "").any():
            shares = table[table["population"] != ""]
            wide = shares.pivot_table(index="id", columns="population", values=["mean", "q05", "q95"], sort=False)
            shown = pd.DataFrame({
                "sample": wide[("mean", "sample")],
                "establishments": wide[("mean", "establishments")],
                "(90%)": [f"{a:.2f}-{b:.2f}" for a, b in zip(wide[("q05", "establishments")], wide[("q95", "establishments")])],
                "employees": wide[("mean", "employees")],
                "(90% )": [f"{a:.2f}-{b:.2f}" for a, b in zip(wide[("q05", "employees")], wide[("q95", "employees")])],
            })  # fmt: skip
            _print_frame(shown, "Shares: sample, and post-stratified to all establishments and all employees (MRP)")
    code = errors.most_severe(codes)
    if code:
        raise typer.Exit(code)


def _population_fit(run, survey):
    """The stored population fit and its inputs (exit 4 with the command when missing or stale)."""
    from thuiswerk.modelling.workflow import load_population

    try:
        return load_population(survey, run.fits, run.seed, _data_arg(run))
    except errors.BrokenFitError as exc:
        raise errors.BrokenFitError(exc.message, hint=f"Run: {run.command('fit', 'population', '--force')}") from None


QUARTO_HELP = (
    "Quarto is not installed (no `quarto` on PATH and none under ~/.cache/quarto-offline). "
    "Install it from https://quarto.org/docs/get-started/ (or, offline, build it with "
    'quarto-offline/setup.sh as README.md "Report (for authors)" says); then run `thuiswerk report` again.'
)


@app.command()
def report(
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    to: Annotated[str, typer.Option(help="html, pdf, docx, or all (one HTML site, one PDF, one DOCX).")] = "all",
    allow_failing: AllowFailingOpt = False,
) -> None:
    """Render the Dutch report (a Quarto book) into _output/ from the stored fits (never samples)."""
    import time

    from thuiswerk.core.errors import NoQuartoError
    from thuiswerk.reporting import render

    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    try:
        fmts = render.formats(to)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    quarto = render.find_quarto()
    if quarto is None:
        raise NoQuartoError(QUARTO_HELP)
    survey = _survey(run)
    selected = _adapt(_specs(["all"], run), survey)
    frame = _frame(run, survey)
    _, state = _current(selected, survey, run, "Not in the report", population=frame is not None)
    failing, left = _gate(state["current"], run, allow_failing)
    codes = [*state["codes"], EXIT_DIAGNOSTICS if left else 0]
    console.print(f"Rendering {', '.join(fmts)} with {quarto}", highlight=False)
    started = time.monotonic()
    outputs = render.render(quarto, run, ",".join(fmts), echo=_plain, failing=failing, left_out=left)
    from thuiswerk.core.resources import REPO_ROOT

    written = ", ".join(str(p.relative_to(REPO_ROOT)) for p in outputs)
    console.print(f"Wrote {written} in {time.monotonic() - started:.0f} s", highlight=False)
    code = errors.most_severe(codes)
    if code:
        err.print("The report leaves out the models named above; its opening says so.", markup=False)
        raise typer.Exit(code)


def _csv_list(value: str, option: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if allowed is not None and v not in allowed]
    if not items or unknown:
        what = f"unknown {', '.join(unknown)}; " if unknown else ""
        choices = f"choose from {', '.join(allowed)}" if allowed else "give a comma-separated list"
        err.print(f"[bold red]{option}: {what}{choices}[/]")
        raise typer.Exit(EXIT_USAGE)
    return items


def _plain(line: str) -> None:
    """Print a progress line as it is (no rich markup, no wrapping)."""
    console.print(line, highlight=False, markup=False, soft_wrap=True)


def _require_bench_modules(bm, samplers: list[str]) -> None:
    missing = bm.missing_modules(samplers)
    for sampler, modules in missing.items():
        err.print(
            f"--samplers {sampler} needs {', '.join(modules)}: {bm.EXTRA_HINT}",
            style="bold red", markup=False, soft_wrap=True,
        )  # fmt: skip
    if missing:
        raise typer.Exit(EXIT_USAGE)


@app.command()
def bench(
    models: Annotated[str, typer.Option(help="Comma-separated model names, or 'all'.")] = "all",
    establishments: Annotated[str, typer.Option(help="Comma-separated survey sizes, e.g. 206,2060,20600.")] = "206",
    samplers: Annotated[str, typer.Option(help="Comma-separated: nutpie, nutpie-jax, pymc, numpyro, stan.")] = (
        "nutpie,pymc,numpyro,stan"
    ),
    repeats: Annotated[int, typer.Option(min=1, help="Runs per configuration; the first is cold-cache.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for bench.csv, bench.md, bench.png, data and caches.")] = Path(
        "data/bench"
    ),
    chains: Annotated[int, typer.Option(min=1)] = 4,
    tune: Annotated[int, typer.Option(min=1)] = 1000,
    draws: Annotated[int, typer.Option(min=1)] = 1000,
    seed: Annotated[int | None, typer.Option(help="Sampling seed (default: the project's fixed seed).")] = None,
    timeout_minutes: Annotated[float, typer.Option(min=0.1, help="Stop a run after this long.")] = 20.0,
    workflow: Annotated[
        bool,
        typer.Option(
            help="Instead: time `fit all` from a cold cache, a rerun, and a refit after one prior change "
            "(on the embedded survey, with the first of --samplers).",
        ),
    ] = False,
    many: Annotated[
        bool,
        typer.Option(
            "--many",
            help="Instead: the many-fit runner's per-task overhead, and SBC replicates per hour on 1 and 2 "
            "workers, with the projection to 50 workers (many.md).",
        ),
    ] = False,
) -> None:
    """Time every model with every sampler on the same simulated data; write a CSV, a markdown table and a figure."""
    from thuiswerk.modelling import specs
    from thuiswerk.modelling.workflow import DEFAULT_SEED
    from thuiswerk.studies import bench as bm

    if many:
        bm.many_fits(out, report=_plain)
        console.print((out / "many.md").read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
        return

    if workflow:
        pymc_samplers = tuple(s for s in bm.SAMPLERS if s != bm.REFERENCE)  # `fit` samples the PyMC models
        sampler = _csv_list(samplers, "--samplers", pymc_samplers)[0]
        _require_bench_modules(bm, [sampler])
        frame = bm.workflow(out, DEFAULT_DATA, timeout_minutes * 60, sampler,
                            report=_plain)  # fmt: skip
        console.print((out / "workflow.md").read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
        if (frame["status"] != "ok").any():
            raise typer.Exit(1)
        return

    model_list = list(specs.SPECS) if models == "all" else _csv_list(models, "--models", tuple(specs.SPECS))
    sampler_list = _csv_list(samplers, "--samplers", bm.SAMPLERS)
    sizes = _csv_list(establishments, "--establishments")
    if not all(s.isdigit() and int(s) > 0 for s in sizes):
        err.print(f"[bold red]--establishments: positive whole numbers, not {establishments!r}[/]")
        raise typer.Exit(EXIT_USAGE)
    _require_bench_modules(bm, sampler_list)
    settings = bm.BenchSettings(
        chains=chains, tune=tune, draws=draws, seed=DEFAULT_SEED if seed is None else seed,
        timeout_seconds=timeout_minutes * 60,
    )  # fmt: skip
    frame = bm.run(
        model_list, [int(s) for s in sizes], sampler_list, repeats, out, settings,
        report=_plain,
    )  # fmt: skip
    paths = bm.write_outputs(frame, out)
    console.print(paths["markdown"].read_text(encoding="utf-8"), markup=False, highlight=False, soft_wrap=True)
    console.print("Wrote " + ", ".join(str(p) for p in paths.values()))
    if (frame["status"] == "error").any():
        raise typer.Exit(1)


@app.command("run")
def run_command(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Survey folder; the synthetic default is (re)generated there [THUISWERK_DATA].", show_default=False
        ),
    ] = None,
    synthetic: Annotated[
        bool | None,
        typer.Option(
            help="Regenerate the embedded synthetic survey first [default: only into data/synthetic, never with --mapping].",
            show_default=False,
        ),
    ] = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The main job: (re)generate the synthetic survey, validate it, fit every model, check, compare, render."""
    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    options = dict(data=run.data, mapping=run.mapping, fits=run.fits, seed=run.seed, config=run.config)
    if synthetic is None:  # never overwrite a survey of one's own with the synthetic one
        synthetic = run.data == DEFAULT_DATA and run.mapping is None
    if synthetic:
        if run.mapping is not None:
            err.print("[bold red]--synthetic writes the codebook's own names: it cannot be combined with --mapping[/]")
            raise typer.Exit(EXIT_USAGE)
        simulate(out=run.data)
    validation = _validate(run)
    if not validation.ok:
        raise typer.Exit(EXIT_INVALID)
    from thuiswerk.reporting.render import find_quarto

    # One step's failure never stops the others: each works on the models that are fitted and current.
    steps = [
        ("fit", lambda: fit_command(models=["all"], **options)),
        ("check", lambda: check(models=["all"], **options)),
        ("compare", lambda: compare(**options)),
        ("findings", lambda: findings(**options)),
    ]
    if find_quarto() is not None:
        steps.append(("report", lambda: report(**options)))
    codes = []
    for _name, step in steps:
        try:
            step()
        except typer.Exit as exc:
            codes.append(exc.exit_code)
        except errors.ThuiswerkError as exc:
            _report_error(exc)
            codes.append(exc.exit_code)
        else:
            codes.append(0)
    if find_quarto() is None:
        console.print(f"Report not rendered: {QUARTO_HELP}", markup=False)
    code = errors.most_severe(codes)
    if code:
        failed = ", ".join(f"{name} (exit {c})" for (name, _), c in zip(steps, codes) if c)
        err.print(f"thuiswerk run: {failed}; exit {code}", markup=False, highlight=False)
        raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()
