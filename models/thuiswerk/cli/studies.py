"""The commands that run many fits or time them: ``scenarios``, ``sbc``, ``kfold``, ``design``, ``null`` and ``bench``.

The many-fit commands run on Dask (:mod:`thuiswerk.studies.many`): they say how
much was stored before and how often a model compiled, and write the study's
CSV with a header of what shaped it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thuiswerk.cli.data import _survey
from thuiswerk.cli.main import EXIT_USAGE, _csv_list, _plain, _print_frame, console, err
from thuiswerk.cli.options import ConfigOpt, DataOpt, FitsOpt, MappingOpt, SeedOpt, _run
from thuiswerk.cli.selection import _adapt, _load_fits, _specs
from thuiswerk.core.resources import study_output
from thuiswerk.core.runconfig import DEFAULT_DATA


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

    out = out or study_output(study_module.STUDY_FILE.name)  # the project folder's, never the package's
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
    target = sbc_module.write(ranks, out or study_output(sbc_module.RESULT_FILE.name), meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


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
    target = kf.write(pointwise, out or study_output(kf.RESULT_FILE.name), meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


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
        Path | None, typer.Option(help="CSV to merge into [default: data/design.csv, which chapter 4 reads].")
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
    target = dsg.write(results_frame, out or study_output(dsg.RESULT_FILE.name), meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


def null(
    replicates: Annotated[int, typer.Option(min=1, help="Null surveys, each fitted with every outcome model.")] = 20,
    establishments: Annotated[
        int | None,
        typer.Option(
            min=10, help="Establishments per simulated survey [default: the survey's own].", show_default=False
        ),  # fmt: skip
    ] = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    results: ResultsOpt = DEFAULT_RESULTS,
    out: Annotated[
        Path | None, typer.Option(help="CSV to write [default: data/null.csv, which appendix A reads].")
    ] = None,
    data: DataOpt = None,
    mapping: MappingOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Null calibration of the evidence rule: how often it says 'duidelijk' when nothing is there.

    Simulates surveys with every exposure effect zero, fits every outcome model (the joint
    models included) as this survey allows it, and words every slope and contrast finding.
    Prints the rate per finding and the share of surveys with at least one 'duidelijk'
    (~3 min per survey on one core). Runs on Dask; an interrupted run resumes.
    """
    from thuiswerk.studies import design as dsg
    from thuiswerk.studies import many

    run = _run(data=data, mapping=mapping, seed=seed, config=config)
    survey = _survey(run)
    chosen = _adapt(_specs(list(dsg.NULL_MODELS), run), survey)
    if not chosen:
        raise typer.Exit(EXIT_USAGE)
    size = establishments or len(survey.establishments)
    job = dsg.null_job(chosen, replicates, run.seed, size)
    records = _run_study(job, run, results, scheduler, workers, "survey(s)", "simulated and fitted")
    timing = [r.get(many.TIMING, {}) for r in records]
    fits = sum(t.get("fits", 0) for t in timing)
    if fits:
        compiling = sum(t.get("compile_seconds_all", 0.0) for t in timing) / fits
        sampling = sum(t.get("sampling_seconds_all", 0.0) for t in timing) / fits
        console.print(f"{fits} fits: compiling {compiling:.1f} s and sampling {sampling:.1f} s per fit on average",
                      markup=False, highlight=False)  # fmt: skip
    frame = dsg.null_frame(records)
    summary = dsg.null_summary(frame)
    lo, hi = summary.share_clear_interval
    console.print(
        f"Null calibration, {summary.surveys} surveys of {size} establishments, {summary.findings} findings. "
        f"Per finding: 'duidelijk' {summary.rate_clear:.4f} (MC SE {summary.se_clear:.4f}; the rule's nominal rate "
        f"{dsg.NOMINAL_RATE:.3f}), 'duidelijk tegen de verwachting' {summary.rate_opposite:.4f} "
        f"(MC SE {summary.se_opposite:.4f}). Surveys with at least one 'duidelijk': {summary.surveys_clear} of "
        f"{summary.surveys} ({summary.share_clear:.2f}, {dsg.NULL_LEVEL:.0%} interval {lo:.2f}-{hi:.2f}); "
        f"'duidelijk' per survey {summary.mean_clear:.2f} of {summary.findings_per_survey:.0f} findings; "
        f"mean P(expected direction) {summary.mean_p_expected:.3f}.",
        markup=False, highlight=False, soft_wrap=True,
    )  # fmt: skip
    meta = _study_meta(job, run, replicates=replicates, establishments=size)
    target = dsg.null_write(frame, out or study_output(dsg.NULL_FILE.name), meta)
    console.print(f"Wrote {target}", markup=False, highlight=False)


def _require_bench_modules(bm, samplers: list[str]) -> None:
    missing = bm.missing_modules(samplers)
    for sampler, modules in missing.items():
        err.print(
            f"--samplers {sampler} needs {', '.join(modules)}: {bm.EXTRA_HINT}",
            style="bold red", markup=False, soft_wrap=True,
        )  # fmt: skip
    if missing:
        raise typer.Exit(EXIT_USAGE)


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
