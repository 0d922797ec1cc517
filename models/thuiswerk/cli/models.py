"""The commands that act on the models and their stored fits: ``fit``, ``fits``, ``check``, ``compare``, ``findings``.

``fit`` carries on past a model that fails (its reason and exit code go into
the summary table; the command exits with the most severe code); the others
work on the models whose fits are current and name the rest.
"""

from __future__ import annotations

import os
from typing import Annotated, cast

import typer

from thuiswerk.cli.data import _survey
from thuiswerk.cli.main import (
    EXIT_DIAGNOSTICS,
    EXIT_USAGE,
    _App,
    _internal,
    _plain,
    _print_frame,
    _report_error,
    console,
    err,
)
from thuiswerk.cli.options import (
    AllowFailingOpt,
    ConfigOpt,
    DataOpt,
    FitsOpt,
    MappingOpt,
    ModelsArg,
    SeedOpt,
    _data_arg,
    _run,
)
from thuiswerk.cli.selection import (
    _adapt,
    _adapted,
    _broken_hint,
    _current,
    _frame,
    _gate,
    _load_fits,
    _population_fit,
    _specs,
    _split_population,
    _verdicts,
)
from thuiswerk.core import errors


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


def findings(
    format: Annotated[str, typer.Option("--format", help="table (default), csv or json.")] = "table",
    data: DataOpt = None,
    mapping: MappingOpt = None,
    fits: FitsOpt = None,
    seed: SeedOpt = None,
    config: ConfigOpt = None,
    allow_failing: AllowFailingOpt = False,
    nonresponse: Annotated[
        bool,
        typer.Option(
            "--nonresponse",
            help="Print chapter 4's non-response sensitivity of every 'duidelijk' finding instead.",
        ),
    ] = False,
) -> None:
    """The findings table: one row per estimand of the report, with its posterior and wording.

    Columns: id, outcome, role, exposure, model, scale, direction (the source report's
    expected direction), mean, q05, q95 (90% interval), p_expected_direction,
    p_practically_none (posterior mass within odds ratios 0.8-1.25), wording (duidelijk at
    P >= 0.975, aanwijzing at P >= 0.90, duidelijk tegen de verwachting at P <= 0.025; geen
    relevant verband for a "no relation" sentence inside 0.8-1.25), chapter, source (the sentence of
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

    With --nonresponse: chapter 4's table instead, one row per 'duidelijk' finding: p_main
    (as published), p_ipw (weighted for response given the interview data; k_ipw its Pareto
    k, empty above 0.7), tip_gamma (the smallest log odds ratio of outcome-dependent response
    at which the finding is no longer 'duidelijk', signed; empty: it stays) and reach (how far
    the reweighting could look).
    """
    import pandas as pd

    from thuiswerk.analysis import findings as fnd
    from thuiswerk.analysis.estimands import ESTIMANDS

    if format not in FINDINGS_FORMATS:
        err.print(f"[bold red]--format must be one of {', '.join(FINDINGS_FORMATS)}[/]")
        raise typer.Exit(EXIT_USAGE)
    run = _run(data=data, mapping=mapping, fits=fits, seed=seed, config=config)
    models = sorted({e.model for e in ESTIMANDS})
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
    if nonresponse:
        from thuiswerk.analysis import sensitivity

        sens = sensitivity.compute(trees, table, survey.employees)
        if format == "csv":
            typer.echo(sens.to_csv(index=False), nl=False)
        elif format == "json":
            typer.echo(sens.to_json(orient="records", force_ascii=False, indent=1))
        else:
            _print_frame(sens.set_index("id"), "Non-response sensitivity of the 'duidelijk' findings (chapter 4)")
        code = errors.most_severe(codes)
        if code:
            raise typer.Exit(code)
        return
    if frame is not None and "population" in state["current"]:
        from thuiswerk.analysis import mrp
        from thuiswerk.data import linked

        pop_failing, pop_left = _gate(["population"], run, allow_failing)
        failing += pop_failing
        if not pop_left:
            tree, inputs = _population_fit(run, survey)
            rows = mrp.rows(tree, inputs, frame, linked.protect_groups(survey.establishments, frame))
            table = pd.concat([table.assign(population=""), rows], ignore_index=True)
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
