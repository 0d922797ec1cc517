"""Which models a command works on: named, adapted to the survey, stored and current, passing the policy.

Every model a command leaves out is named with why and with the command that
brings it back (``thuiswerk fit ...`` with the options given); a broken fit's
hint names ``--force``. The population model is selected apart from the others
(it needs the survey folder's population frame).
"""

from __future__ import annotations

import typer

from thuiswerk.cli.main import EXIT_STALE, EXIT_USAGE, _report_error, console, err
from thuiswerk.cli.options import _data_arg
from thuiswerk.core import errors


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


def _population_fit(run, survey):
    """The stored population fit and its inputs (exit 4 with the command when missing or stale)."""
    from thuiswerk.modelling.workflow import load_population

    try:
        return load_population(survey, run.fits, run.seed, _data_arg(run))
    except errors.BrokenFitError as exc:
        raise errors.BrokenFitError(exc.message, hint=f"Run: {run.command('fit', 'population', '--force')}") from None
