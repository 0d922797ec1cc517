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
        _unreadable(path, exc)
    report = validate_survey(survey)
    if report.ok:
        _print_summary(report.summary(), path)
    else:
        err.print(f"[bold red]{len(report.violations)} violation(s) in {path}[/]")
        for violation in report.violations:
            err.print(f"  {violation}", markup=False, highlight=False, soft_wrap=True)
    return report


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


def _survey(data: Path, mapping: Path | None):
    from thuiswerk.data import DataError
    from thuiswerk.workflow import InvalidDataError, load_valid_survey

    try:
        return load_valid_survey(data, mapping)
    except DataError as exc:
        _unreadable(data, exc)
    except InvalidDataError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(EXIT_INVALID) from None


def _specs(models: list[str], config: Path | None):
    from thuiswerk import specs
    from thuiswerk.workflow import resolve_specs

    try:
        return resolve_specs(models, specs.load_overrides(config))
    except (KeyError, ValueError) as exc:
        err.print(f"[bold red]{exc.args[0]}[/]")
        raise typer.Exit(EXIT_USAGE) from None


DEFAULT_FITS = Path("data/fits")
EXIT_USAGE = 3  # unknown model, bad option or config
EXIT_STALE = 4  # a stored fit is missing or stale
EXIT_DIAGNOSTICS = 5  # convergence diagnostics fail the policy

ModelsArg = Annotated[list[str], typer.Argument(help="Model name(s), or 'all'.")]
DataOpt = Annotated[Path, typer.Option(help="Survey folder.")]
MappingOpt = Annotated[Path | None, typer.Option(help="YAML file mapping the data's own names onto the codebook.")]
FitsOpt = Annotated[Path, typer.Option(help="Folder of stored fits.")]
SeedOpt = Annotated[int | None, typer.Option(help="The seed the fits were made with.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(help="YAML overrides: {model: {priors: {...}, predictors: [...], exposures: {predictor: [roles]}}}."),
]


@app.command("fit")
def fit_command(
    models: ModelsArg = None,  # type: ignore[assignment]
    data: DataOpt = DEFAULT_DATA,
    mapping: MappingOpt = None,
    fits: FitsOpt = DEFAULT_FITS,
    seed: Annotated[int | None, typer.Option(help="Sampling seed (default: the project's fixed seed).")] = None,
    sampler: Annotated[str, typer.Option(help="nutpie (default), pymc, numpyro or nutpie-jax (the last two need the bench extra).")] = "nutpie",
    chains: Annotated[int, typer.Option(min=1)] = 4,
    tune: Annotated[int, typer.Option(min=1)] = 1000,
    draws: Annotated[int, typer.Option(min=1)] = 2000,
    target_accept: Annotated[float, typer.Option(min=0.5, max=0.999)] = 0.9,
    config: ConfigOpt = None,
    force: Annotated[bool, typer.Option(help="Refit even when a current fit is stored.")] = False,
) -> None:
    """Fit models and store each as data/fits/MODEL.nc; a current stored fit is reused."""
    from thuiswerk.fit import JAX_HINT, SAMPLERS, SamplerSettings, missing_modules
    from thuiswerk.workflow import DEFAULT_SEED, fit_model

    if sampler not in SAMPLERS:
        err.print(f"[bold red]--sampler must be one of {', '.join(SAMPLERS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    if missing_modules(sampler):
        err.print(f"--sampler {sampler} {JAX_HINT}", style="bold red", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    selected = _specs(models or ["all"], config)
    survey = _survey(data, mapping)
    settings = SamplerSettings(sampler=sampler, chains=chains, tune=tune, draws=draws, target_accept=target_accept)
    seed = DEFAULT_SEED if seed is None else seed
    from thuiswerk.prepare import DesignError

    for i, spec in enumerate(selected, 1):
        console.print(f"[bold][{i}/{len(selected)}] {spec.name}[/] ({spec.title})")
        try:
            result = fit_model(spec, survey, fits, settings, seed, force=force, progress=console.is_terminal)
        except DesignError as exc:
            err.print(f"{spec.name}: {exc}", style="bold red", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None
        what = "cached, not refitted" if result.cached else f"fitted in {result.seconds:.0f} s"
        console.print(f"  {what} -> {result.path}")
        for reason, n in result.excluded.items():
            console.print(f"  excluded: {n} x {reason}")


@app.command()
def check(
    models: ModelsArg = None,  # type: ignore[assignment]
    data: DataOpt = DEFAULT_DATA,
    mapping: MappingOpt = None,
    fits: FitsOpt = DEFAULT_FITS,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Print convergence diagnostics; exit non-zero unless every model passes the policy."""
    from thuiswerk import diagnostics

    trees = _load_fits(_specs(models or ["all"], config), _survey(data, mapping), fits, seed, data)
    policy = diagnostics.Policy()
    frame = diagnostics.table(trees, policy)
    table = Table(
        title=f"Convergence (pass: R-hat <= {policy.rhat_max}, bulk ESS >= {policy.ess_bulk_min:.0f}, "
        f"divergences <= {policy.divergences_max}, E-BFMI >= {policy.bfmi_min})",
        title_justify="left",
    )
    for col in ("model", "max R-hat", "min bulk ESS", "min tail ESS", "divergences", "min E-BFMI", "verdict"):
        table.add_column(col, no_wrap=True)
    for name, row in frame.iterrows():
        table.add_row(
            str(name),
            f"{row['max_rhat']:.3f}",
            f"{row['min_ess_bulk']:.0f}",
            f"{row['min_ess_tail']:.0f}",
            str(row["divergences"]),
            f"{row['min_bfmi']:.2f}",
            "[green]pass[/]" if row["passed"] else "[red]FAIL[/]",
        )
    console.print(table)
    for name, row in frame[~frame["passed"]].iterrows():
        err.print(f"[red]{name}: {row['failures']}[/]", highlight=False)
    if not frame["passed"].all():
        raise typer.Exit(EXIT_DIAGNOSTICS)


def _load_fits(selected, survey, fits: Path, seed: int | None, data: Path) -> dict:
    from thuiswerk.store import StaleFitError
    from thuiswerk.workflow import DEFAULT_SEED, load_fit

    seed = DEFAULT_SEED if seed is None else seed
    data_arg = "" if data == DEFAULT_DATA else f" --data {data}"
    trees = {}
    for spec in selected:
        try:
            trees[spec.name] = load_fit(spec, survey, fits, seed, data_arg)
        except StaleFitError as exc:
            err.print(f"[bold red]{exc}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_STALE) from None
    return trees


def _check_current(selected, survey, fits: Path, seed: int | None, data: Path) -> None:
    from thuiswerk.store import StaleFitError
    from thuiswerk.workflow import DEFAULT_SEED, ensure_current

    seed = DEFAULT_SEED if seed is None else seed
    data_arg = "" if data == DEFAULT_DATA else f" --data {data}"
    for spec in selected:
        try:
            ensure_current(spec, survey, fits, seed, data_arg)
        except StaleFitError as exc:
            err.print(f"[bold red]{exc}[/]", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_STALE) from None


def _print_frame(frame, title: str) -> None:
    frame = frame.reset_index()
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col))
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


@app.command()
def compare(
    data: DataOpt = DEFAULT_DATA,
    mapping: MappingOpt = None,
    fits: FitsOpt = DEFAULT_FITS,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """PSIS-LOO per model (with Pareto k) and employee-known versus employer-reported measures."""
    from thuiswerk import compare as cmp

    trees = _load_fits(_specs(["all"], config), _survey(data, mapping), fits, seed, data)
    _print_frame(cmp.loo_table(trees), "PSIS-LOO per model (unit: employee)")
    _print_frame(
        cmp.knowledge_vs_employer(trees),
        "Known by the employee vs reported by the employer (elpd_diff > 0 favours knowledge)",
    )


FINDINGS_FORMATS = ("table", "csv", "json")


@app.command()
def findings(
    format: Annotated[str, typer.Option("--format", help="table (default), csv or json.")] = "table",
    data: DataOpt = DEFAULT_DATA,
    mapping: MappingOpt = None,
    fits: FitsOpt = DEFAULT_FITS,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """The findings table: one row per estimand of the report, with its posterior and wording.

    Columns: id, outcome, role, exposure, model, scale, direction (the source report's
    expected direction), mean, q05, q95 (90% interval), p_expected_direction, wording
    (duidelijk at P >= 0.975, aanwijzing at P >= 0.90), chapter, source (the sentence of
    the source report it answers).
    """
    from thuiswerk import findings as fnd

    if format not in FINDINGS_FORMATS:
        err.print(f"[bold red]--format must be one of {', '.join(FINDINGS_FORMATS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    models = sorted({e.model for e in fnd.ESTIMANDS})
    trees = _load_fits(_specs(models, config), _survey(data, mapping), fits, seed, data)
    try:
        table = fnd.compute(trees)
    except KeyError as exc:  # a --config that removed an exposure a finding is about
        err.print(f"{exc.args[0]}; the findings need the default exposures", style="bold red", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if format == "csv":
        typer.echo(table.to_csv(index=False), nl=False)
    elif format == "json":
        typer.echo(table.to_json(orient="records", force_ascii=False, indent=1))
    else:
        shown = table[["id", "role", "mean", "q05", "q95", "p_expected_direction", "wording"]]
        _print_frame(shown.set_index("id"), "Findings (mean, 90% interval, P(expected direction), wording)")


QUARTO_HELP = (
    "Quarto is not installed (no `quarto` on PATH and none under ~/.cache/quarto-offline). "
    "Install it from https://quarto.org/docs/get-started/ (or, offline, build it with "
    "quarto-offline/setup.sh as README.md \"Report (for authors)\" says); then run `thuiswerk report` again."
)
EXIT_NO_QUARTO = 6
EXIT_RENDER = 7  # Quarto failed or wrote less than a book render must


@app.command()
def report(
    data: DataOpt = DEFAULT_DATA,
    mapping: MappingOpt = None,
    fits: FitsOpt = DEFAULT_FITS,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    to: Annotated[str, typer.Option(help="html, pdf, docx, or all (one HTML site, one PDF, one DOCX).")] = "all",
) -> None:
    """Render the Dutch report (a Quarto book) into _output/ from the stored fits (never samples)."""
    from thuiswerk import render
    from thuiswerk.workflow import DEFAULT_SEED

    try:
        fmts = render.formats(to)
    except ValueError as exc:
        err.print(f"[bold red]{exc}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    quarto = render.find_quarto()
    if quarto is None:
        err.print(QUARTO_HELP, soft_wrap=True, markup=False)
        raise typer.Exit(EXIT_NO_QUARTO)
    _check_current(_specs(["all"], config), _survey(data, mapping), fits, seed, data)  # refuse before rendering
    seed = DEFAULT_SEED if seed is None else seed
    console.print(f"Rendering {', '.join(fmts)} with {quarto}", highlight=False)
    import time

    started = time.monotonic()
    try:
        outputs = render.render(quarto, data, fits, seed, mapping, config, ",".join(fmts), echo=_plain)
    except render.RenderError as exc:
        err.print(f"[bold red]{exc}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_RENDER) from None
    from thuiswerk.resources import REPO_ROOT

    written = ", ".join(str(p.relative_to(REPO_ROOT)) for p in outputs)
    console.print(f"Wrote {written} in {time.monotonic() - started:.0f} s", highlight=False)


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
) -> None:
    """Time every model with every sampler on the same simulated data; write a CSV, a markdown table and a figure."""
    from thuiswerk import bench as bm
    from thuiswerk import specs
    from thuiswerk.workflow import DEFAULT_SEED

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


@app.command()
def run(
    data: Annotated[Path, typer.Option(help="Survey folder; the synthetic default is (re)generated there.")] = DEFAULT_DATA,
    synthetic: Annotated[bool, typer.Option(help="Regenerate the embedded synthetic survey first.")] = True,
    fits: FitsOpt = DEFAULT_FITS,
) -> None:
    """The main job: (re)generate the synthetic survey, validate it, fit every model, check convergence."""
    if synthetic:
        simulate(out=data)
    validation = _validate(data, None)
    if not validation.ok:
        raise typer.Exit(EXIT_INVALID)
    fit_command(models=["all"], data=data, fits=fits)
    check(models=["all"], data=data, fits=fits)
    compare(data=data, fits=fits)
    findings(data=data, fits=fits)
    from thuiswerk.render import find_quarto

    if find_quarto() is not None:
        report(data=data, fits=fits)
    else:
        console.print(f"Report not rendered: {QUARTO_HELP}", markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
