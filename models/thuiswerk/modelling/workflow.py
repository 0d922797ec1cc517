"""From a survey folder to stored fits: validate, prepare, check the cache, fit, save.

The glue between the pure pieces (:mod:`prepare`, :mod:`builders`, :mod:`fit`,
:mod:`store`); the CLI and the report call these functions. A fit is reused
only when its data hash, spec hash (priors, predictors, sampler settings) and
seed all match; otherwise it is refitted, or, when only loaded, refused.

:func:`fit_model` guards the fits folder (see :mod:`thuiswerk.modelling.store`): it holds
the model's lock for the whole check-fit-save, removes the model's leftover
``.part`` files, and checks that the folder is writable with room for the fit
before it samples.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from thuiswerk.core import errors
from thuiswerk.core.runconfig import DEFAULT_SEED  # noqa: F401  (one definition, re-exported)
from thuiswerk.data.survey import Survey, load_survey
from thuiswerk.data.validation import validate_survey
from thuiswerk.modelling import prepare, specs, store, strata
from thuiswerk.modelling.fit import SamplerSettings, expected_bytes, fit
from thuiswerk.modelling.specs import ModelSpec, canonical_hash

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

InvalidDataError = errors.InvalidDataError  # the survey violates the codebook; models are never fitted on it


def load_valid_survey(path: Path, mapping: Path | None = None) -> Survey:
    survey = load_survey(path, mapping=mapping)
    report = validate_survey(survey)
    if not report.ok:
        from thuiswerk.core.runconfig import RunConfig

        command = RunConfig(data=Path(path), mapping=Path(mapping) if mapping else None).command("validate", "--all")
        raise InvalidDataError(
            f"{path}: {len(report.violations)} violation(s):\n"
            + report.format_violations(20, more=f"run `{command}` to see every one")
        )
    return survey


def inputs_for(spec: ModelSpec, survey: Survey, check: bool = True) -> prepare.ModelInputs:
    """The model's inputs; ``check=False`` skips the design rule (for data that are only scored, not fitted)."""
    est, emp = survey.establishments, survey.employees
    if spec.family == "awareness":
        return prepare.awareness_inputs(est, emp)
    if spec.family == "ordinal":
        inputs = prepare.ordinal_inputs(est, emp, spec.outcomes, spec.predictors, spec.terms)
    else:
        inputs = prepare.binary_inputs(est, emp, spec.outcomes, spec.predictors, spec.terms)
    if check:
        prepare.check_design(inputs, spec.family)
    return inputs


@dataclass(frozen=True)
class Adapted:
    """A model as this survey allows it.

    ``spec`` is None when the model cannot be fitted at all (``reason``, in English, and
    ``reason_nl``, in Dutch): none of its outcome items, or an exposure's column, is in
    the survey. Otherwise ``spec`` is the model as fitted: without the outcome items the
    survey lacks (``items``), without the adjustment covariates whose columns are absent
    (``dropped``), and without the design columns the data cannot identify
    (``unidentified``: an exactly collinear covariate, or an exposure term such as an
    interaction with an empty cell). :attr:`left_out` is what the fit records of it.
    """

    name: str
    spec: ModelSpec | None
    reason: str = ""
    dropped: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    unidentified: tuple[prepare.Dependency, ...] = ()
    reason_nl: str = ""

    @property
    def left_out(self) -> dict[str, Any]:
        """What the fit leaves out and why (stored with the fit as the attribute ``left_out``)."""
        return {
            "items": list(self.items),
            "covariates": list(self.dropped),
            "unidentified": [d.as_dict() for d in self.unidentified],
        }

    def notices(self) -> list[str]:
        """One line per thing left out, for the terminal (English)."""
        if self.spec is None:
            return [f"not fitted on this survey: {self.reason}"]
        lines = []
        if self.items:
            used = ", ".join(self.spec.outcomes)
            lines.append(f"fitted without the item(s) {', '.join(self.items)} (absent in the data), on {used}")
        if self.dropped:
            lines.append(
                f"fitted without the covariate(s) {', '.join(self.dropped)} (their columns are absent in the data)"
            )
        lines += [f"{d.column} left out: {d.english()}, so the data cannot identify it" for d in self.unidentified]
        return lines


def left_out_of(tree: xr.DataTree) -> dict[str, Any]:
    """What a stored fit left out (:attr:`Adapted.left_out`; empty lists for a fit that left out nothing)."""
    raw = tree.attrs.get("left_out")
    stored = json.loads(raw) if isinstance(raw, str) and raw else {}
    return {
        "items": list(stored.get("items", [])),
        "covariates": list(stored.get("covariates", [])),
        "unidentified": [prepare.Dependency.from_dict(d) for d in stored.get("unidentified", [])],
    }


def lacking(compute, establishments: pd.DataFrame, employees: pd.DataFrame, absent: set[str]) -> list[str]:
    """The columns of ``absent`` that ``compute(establishments, employees)`` reads, in the order it asks.

    ``compute`` runs on the tables without the ``absent`` columns; each one it asks
    for (``KeyError``) is put back as it was, and it runs again, until it runs
    through. A ``KeyError`` for any other column is raised.
    """
    found: list[str] = []
    while absent:
        hidden = absent - set(found)
        tables = [t.drop(columns=[c for c in t.columns if c in hidden]) for t in (establishments, employees)]
        try:
            compute(*tables)
        except KeyError as exc:
            found += _named(exc, hidden)
        else:
            break
    return found


def _named(exc: KeyError, columns: set[str]) -> list[str]:
    """The ``columns`` a pandas ``KeyError`` asks for (one name, or a list of names); re-raises it if none."""
    key = exc.args[0] if exc.args else None
    named = [c for c in sorted(columns) if c == key or f"'{c}'" in str(exc)]
    if not named:
        raise exc
    return named


def _absent_column(compute, absent: set[str]) -> str | None:
    """The absent column that ``compute()`` needs (None when it needs none)."""
    try:
        compute()
    except KeyError as exc:
        return ", ".join(_named(exc, absent))
    return None


def adapt(spec: ModelSpec, survey: Survey) -> Adapted:
    """Fit what the survey holds, never with a made-up value.

    A model with none of its outcome items, or without an exposure's column (what its
    findings are about), cannot be fitted. Otherwise it is fitted on the outcome items
    present, without the adjustment covariates whose columns are absent, and without the
    design columns the data cannot identify (:func:`thuiswerk.modelling.prepare.dependencies`): a
    covariate is dropped, an exposure term loses that role. The fit records all three
    (:attr:`Adapted.left_out`); the findings that need a left-out term or item are "niet
    te schatten op deze gegevens".
    """
    absent = {c for cols in getattr(survey, "absent", {}).values() for c in cols}
    items: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    if absent:
        items = tuple(o for o in spec.outcomes if o in absent)
        if spec.outcomes and len(items) == len(spec.outcomes):
            return Adapted(spec.name, None, f"none of its outcome items ({', '.join(items)}) is in the data",
                           reason_nl=f"geen van de uitkomsten ({_labels_nl(items)}) zit in de enquête")  # fmt: skip
        joined = prepare._joined(survey.establishments, survey.employees)
        for predictor, _roles in spec.exposures:
            column = _absent_column(lambda p=predictor: prepare.predictor_values(joined, p), absent)
            if column:
                return Adapted(spec.name, None, f"exposure {predictor} needs column {column}, absent in the data",
                               reason_nl=f"‘{prepare._label_nl(predictor)}’ vraagt {_labels_nl(column.split(', '))}, "
                               "die niet in de enquête zit")  # fmt: skip
        dropped = tuple(
            p for p in spec.predictors if _absent_column(lambda p=p: prepare.predictor_values(joined, p), absent)
        )
        spec = replace(
            spec,
            outcomes=tuple(o for o in spec.outcomes if o not in items),
            predictors=tuple(p for p in spec.predictors if p not in dropped),
        )
        column = _absent_column(lambda: inputs_for(spec, survey, check=False), absent)
        if column:
            return Adapted(spec.name, None, f"needs column {column}, absent in the data",
                           reason_nl=f"het model vraagt {_labels_nl(column.split(', '))}, die niet in de enquête zit")  # fmt: skip
    unidentified: list[prepare.Dependency] = []
    if spec.family != "awareness":
        for _ in range(len(spec.predictors) + len(spec.terms) + 1):  # each pass drops at least one column
            found = [
                d
                for d in prepare.dependencies(inputs_for(spec, survey, check=False), spec.family)
                if not d.column.startswith("intercept")
            ]
            if not found:
                break
            unidentified += found
            spec = _without(spec, {d.column for d in found})
    return Adapted(spec.name, spec, dropped=dropped, items=items, unidentified=tuple(unidentified))


def _without(spec: ModelSpec, columns: set[str]) -> ModelSpec:
    """``spec`` without the covariates and exposure terms (``predictor|role``) named in ``columns``."""
    exposures = []
    for predictor, roles in spec.exposures:
        kept = tuple(r for r in roles if specs.term_name(predictor, r) not in columns)
        if kept:
            exposures.append((predictor, kept))
    return replace(spec, predictors=tuple(p for p in spec.predictors if p not in columns), exposures=tuple(exposures))


def _labels_nl(columns) -> str:
    from thuiswerk.core import codebook, nl

    cb = codebook.load()
    names = []
    for c in columns:
        try:
            names.append(f"‘{cb.find(c).label}’")
        except KeyError:
            names.append(c)
    return nl.join_words(names)


def inputs_hash(inputs: prepare.ModelInputs) -> str:
    """Hash of what one model sees of the survey: its arrays, coordinates and exclusion counts.

    A fit's ``data_hash``: a fit depends on the survey only through these, so
    changing a column no model reads (a figure's question, say) leaves every fit
    current, while changing a model's cells, or the code that prepares them, makes
    that model's fit stale.
    """
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for key in sorted(inputs.data):
        value = np.asarray(inputs.data[key])
        if value.dtype == object:
            value = np.asarray([str(v) for v in value.ravel()], dtype=str).reshape(value.shape)
        value = np.ascontiguousarray(value)
        digest.update(f"{key}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    digest.update(canonical_hash({"coords": {k: [str(v) for v in c] for k, c in inputs.coords.items()},
                                  "excluded": inputs.excluded}).encode())  # fmt: skip
    return digest.hexdigest()


def spec_hash(spec: ModelSpec, settings: SamplerSettings) -> str:
    return canonical_hash({"spec": spec.canonical(), "settings": settings.canonical()})


def resolve_specs(names: list[str], overrides: dict[str, dict[str, Any]] | None = None) -> list[ModelSpec]:
    if names == ["all"]:
        names = list(specs.SPECS)
    overrides = overrides or {}
    return [specs.with_overrides(specs.get(n), overrides[n]) if n in overrides else specs.get(n) for n in names]


@dataclass(frozen=True)
class FitResult:
    model: str
    path: Path
    cached: bool
    seconds: float
    excluded: dict[str, int]
    removed: tuple[Path, ...] = field(default=())  # leftover .part files of interrupted earlier fits
    restored: bool = False  # taken back from the kept fits (store.restore_kept), not sampled


def fit_model(
    spec: ModelSpec,
    survey: Survey,
    fits_dir: Path,
    settings: SamplerSettings,
    seed: int,
    *,
    force: bool = False,
    progress: bool = True,
    data_arg: str = "",
    lock_timeout: float = store.LOCK_TIMEOUT,
    left_out: dict[str, Any] | None = None,
) -> FitResult:
    """Fit one model unless a current fit is stored; store it atomically.

    ``left_out`` is what :func:`adapt` left out of ``spec`` (:attr:`Adapted.left_out`),
    recorded with the fit.

    Under the model's lock in ``fits_dir`` (:class:`errors.FitsLockedError` when
    another process holds it for ``lock_timeout`` seconds): remove leftover
    ``.part`` files (returned in :attr:`FitResult.removed`), reuse a current fit,
    else check the folder (:class:`errors.FitsFolderError`, before any sampling),
    sample and save. A stored fit that cannot be read raises
    :class:`errors.BrokenFitError` naming ``thuiswerk fit MODEL{data_arg} --seed
    SEED --force``; with ``force`` it is replaced without being read.
    """
    started = time.perf_counter()
    inputs = inputs_for(spec, survey)
    expected = store.Provenance(
        model=spec.name,
        spec_hash=spec_hash(spec, settings),
        data_hash=inputs_hash(inputs),
        seed=seed,
    )

    def sample() -> xr.DataTree:
        tree = fit(spec, inputs, settings, seed, progress=progress)
        tree.attrs["spec"] = json.dumps(spec.canonical(), sort_keys=True)
        # what the survey could not support: absent items and covariates, unidentified columns
        tree.attrs["left_out"] = json.dumps(left_out or {}, sort_keys=True)
        # what the survey lacked (the spec above lists the covariates the model has)
        tree.attrs["absent_columns"] = json.dumps(
            {t: list(c) for t, c in getattr(survey, "absent", {}).items()}, sort_keys=True
        )
        # the convergence verdict travels with the fit: compare, findings and report gate on it
        # without recomputing R-hat and ESS (thuiswerk check recomputes and prints them)
        from thuiswerk.modelling import diagnostics

        if "sample_stats" in tree.children:
            tree.attrs["diagnostics"] = json.dumps(diagnostics.diagnose(tree), sort_keys=True)
        return tree

    return _stored_fit(
        expected, fits_dir, settings, inputs.excluded, lambda: expected_bytes(spec, inputs, settings), sample,
        force=force, data_arg=data_arg, lock_timeout=lock_timeout, started=started,
    )  # fmt: skip


def _stored_fit(
    expected: store.Provenance,
    fits_dir: Path,
    settings: SamplerSettings,
    excluded: dict[str, int],
    size: Callable[[], int],
    sample: Callable[[], xr.DataTree],
    *,
    force: bool,
    data_arg: str,
    lock_timeout: float,
    started: float,
) -> FitResult:
    """Reuse the current (or a kept) fit of ``expected``, else check the folder, ``sample()`` and save it.

    The sequence every stored fit follows (:func:`fit_model`, :func:`fit_population`),
    under the model's lock: leftover ``.part`` files removed, a current fit reused, a
    kept one taken back, the folder's room checked for ``size()`` bytes before any
    sampling, the replaced fit kept, the new one written atomically.
    """
    name = expected.model
    path = store.fit_path(fits_dir, name)
    command = f"thuiswerk fit {name}{data_arg} --seed {expected.seed}"
    store.prepare_folder(fits_dir)
    with store.model_lock(fits_dir, name, timeout=lock_timeout):
        removed = tuple(store.remove_leftovers(fits_dir, name))
        if not force and not store.staleness(path, expected, command):
            return FitResult(name, path, True, time.perf_counter() - started, excluded, removed)
        if not force and store.restore_kept(fits_dir, expected):  # fitted before with exactly these inputs
            return FitResult(name, path, True, time.perf_counter() - started, excluded, removed, restored=True)
        store.check_folder(fits_dir, name, size())
        tree = sample()
        tree.attrs["settings"] = json.dumps(settings.canonical(), sort_keys=True)
        tree.attrs["excluded"] = json.dumps(excluded, sort_keys=True)
        kept = store.keep_current(fits_dir, name)  # the fit being replaced stays available to a later fit
        try:
            store.save(tree, path, expected)
        except BaseException:
            if kept is not None:  # MODEL.nc is still that fit: no second name left behind
                store.forget_kept(kept)
            raise
    return FitResult(name, path, False, time.perf_counter() - started, excluded, removed)


def _stored_settings(attrs: dict[str, Any] | None) -> SamplerSettings:
    """The sampler settings a stored fit was made with (any are acceptable for reading); the current fit
    format is required whatever the file says. The defaults without a stored fit."""
    stored = json.loads(attrs["settings"]) if attrs and "settings" in attrs else {}
    stored.pop("fit_format", None)
    return SamplerSettings(**stored)


def _stored_provenance_check(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str):
    """The path, the expected provenance and the command to run for one model's fit.

    The sampler settings are taken from the file (any settings are acceptable for
    reading), while priors, predictors, data, seed and fit format must match.
    """
    path = store.fit_path(fits_dir, spec.name)
    command = f"thuiswerk fit {spec.name}{data_arg} --seed {seed}"
    attrs = store.read_attrs(path, command)
    expected = store.Provenance(
        model=spec.name,
        spec_hash=spec_hash(spec, _stored_settings(attrs)),
        # without a stored fit there is nothing to compare (and the inputs may not even be buildable)
        data_hash=inputs_hash(inputs_for(spec, survey)) if attrs is not None else "",
        seed=seed,
    )
    return path, expected, command


def ensure_current(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str = "") -> None:
    """Raise :class:`errors.StaleFitError` (with the command to run) unless the stored fit is current.

    Reads only the file's attributes, not the posterior; a file that cannot be
    read raises :class:`errors.BrokenFitError` naming the command with ``--force``.
    """
    path, expected, command = _stored_provenance_check(spec, survey, fits_dir, seed, data_arg)
    reasons = store.staleness(path, expected, command)
    if reasons:
        raise store.stale_error(path, reasons, command)


def stale_fits(
    specs_: list[ModelSpec], survey: Survey, fits_dir: Path, seed: int, data_arg: str = ""
) -> dict[str, str]:
    """Model -> ``PATH: why its stored fit cannot be used`` for every missing or stale fit (empty: all current).

    Reads only the files' attributes; a file that cannot be read raises
    :class:`errors.BrokenFitError` naming the command with ``--force``.
    """
    stale = {}
    for spec in specs_:
        path, expected, command = _stored_provenance_check(spec, survey, fits_dir, seed, data_arg)
        reasons = store.staleness(path, expected, command)
        if reasons:
            stale[spec.name] = f"{path}: {'; '.join(reasons)}"
    return stale


def load_fit(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str = "") -> xr.DataTree:
    """Load a stored fit, refusing it when data, spec or seed differ from the current ones.

    Raises :class:`errors.StaleFitError` or, for a file that cannot be read,
    :class:`errors.BrokenFitError`; both name the command to run.
    """
    path, expected, command = _stored_provenance_check(spec, survey, fits_dir, seed, data_arg)
    return store.load_current(path, expected, command)


# --------------------------------------------------------------------------- the population model


def population_spec_hash(settings: SamplerSettings) -> str:
    from thuiswerk.modelling.fit import STRATA_KEEP
    from thuiswerk.modelling.specs import STRATA_PRIORS

    return canonical_hash(
        {"model": "population", "priors": STRATA_PRIORS, "settings": settings.canonical(), "stored": STRATA_KEEP}
    )


def population_inputs(survey: Survey):
    """The population model's counts (:func:`thuiswerk.modelling.strata.strata_inputs`) of the survey."""
    return strata.strata_inputs(survey.establishments, survey.employees)


def fit_population(
    survey: Survey,
    fits_dir: Path,
    settings: SamplerSettings,
    seed: int,
    *,
    force: bool = False,
    progress: bool = True,
    data_arg: str = "",
    lock_timeout: float = store.LOCK_TIMEOUT,
) -> FitResult:
    """Fit the population model unless a current fit is stored (as :func:`fit_model`: locked, atomic, kept)."""
    from thuiswerk.modelling.fit import fit_strata

    started = time.perf_counter()
    inputs = population_inputs(survey)
    expected = store.Provenance(strata.MODEL, population_spec_hash(settings), strata.inputs_hash(inputs), seed)
    excluded = {f"{share}: {why}": n for share, reasons in inputs.excluded.items() for why, n in reasons.items()}
    n_values = inputs.successes.size * (settings.chains * settings.draws + settings.prior_draws)
    return _stored_fit(
        expected, fits_dir, settings, excluded, lambda: 4 * n_values + 2**22,
        lambda: fit_strata(inputs, settings, seed, progress=progress),
        force=force, data_arg=data_arg, lock_timeout=lock_timeout, started=started,
    )  # fmt: skip


def load_population(survey: Survey, fits_dir: Path, seed: int, data_arg: str = ""):
    """The stored population fit and its inputs; refuses a missing, stale or broken fit with the command to run."""

    path = store.fit_path(fits_dir, strata.MODEL)
    command = f"thuiswerk fit {strata.MODEL}{data_arg} --seed {seed}"
    inputs = population_inputs(survey)
    settings = _stored_settings(store.read_attrs(path, command))
    expected = store.Provenance(strata.MODEL, population_spec_hash(settings), strata.inputs_hash(inputs), seed)
    return store.load_current(path, expected, command), inputs
