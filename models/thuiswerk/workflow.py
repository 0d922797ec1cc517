"""From a survey folder to stored fits: validate, prepare, check the cache, fit, save.

The glue between the pure pieces (:mod:`prepare`, :mod:`builders`, :mod:`fit`,
:mod:`store`); the CLI and the report call these functions. A fit is reused
only when its data hash, spec hash (priors, predictors, sampler settings) and
seed all match; otherwise it is refitted, or, when only loaded, refused.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from thuiswerk import prepare, specs, store
from thuiswerk.data import Survey, load_survey
from thuiswerk.fit import SamplerSettings, fit
from thuiswerk.schema import validate_survey
from thuiswerk.specs import ModelSpec, canonical_hash

DEFAULT_SEED = 2022


class InvalidDataError(ValueError):
    """The survey violates the codebook; models are never fitted on it."""


def load_valid_survey(path: Path, mapping: Path | None = None) -> Survey:
    survey = load_survey(path, mapping=mapping)
    report = validate_survey(survey)
    if not report.ok:
        lines = "\n".join(f"  {v}" for v in report.violations[:20])
        more = f"\n  ... and {len(report.violations) - 20} more" if len(report.violations) > 20 else ""
        raise InvalidDataError(
            f"{path}: {len(report.violations)} violation(s); run `thuiswerk validate {path}`:\n{lines}{more}"
        )
    return survey


def inputs_for(spec: ModelSpec, survey: Survey) -> prepare.ModelInputs:
    est, emp = survey.establishments, survey.employees
    if spec.family == "awareness":
        return prepare.awareness_inputs(est, emp)
    if spec.family == "ordinal":
        inputs = prepare.ordinal_inputs(est, emp, spec.outcomes, spec.predictors, spec.terms)
    else:
        inputs = prepare.binary_inputs(est, emp, spec.outcomes, spec.predictors, spec.terms)
    prepare.check_design(inputs, spec.family)
    return inputs


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


def fit_model(
    spec: ModelSpec,
    survey: Survey,
    fits_dir: Path,
    settings: SamplerSettings,
    seed: int,
    *,
    force: bool = False,
    progress: bool = True,
) -> FitResult:
    """Fit one model unless a current fit is stored; store it atomically."""
    started = time.perf_counter()
    inputs = inputs_for(spec, survey)
    expected = store.Provenance(
        model=spec.name,
        spec_hash=spec_hash(spec, settings),
        data_hash=store.data_hash(survey.establishments, survey.employees),
        seed=seed,
    )
    path = store.fit_path(fits_dir, spec.name)
    if not force and not store.staleness(path, expected):
        return FitResult(spec.name, path, True, time.perf_counter() - started, inputs.excluded)
    tree = fit(spec, inputs, settings, seed, progress=progress)
    tree.attrs["settings"] = json.dumps(settings.canonical(), sort_keys=True)
    tree.attrs["spec"] = json.dumps(spec.canonical(), sort_keys=True)
    tree.attrs["excluded"] = json.dumps(inputs.excluded, sort_keys=True)
    store.save(tree, path, expected)
    return FitResult(spec.name, path, False, time.perf_counter() - started, inputs.excluded)


def _stored_provenance_check(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str):
    """The path, the expected provenance and the command to run for one model's fit.

    The sampler settings are taken from the file (any settings are acceptable for
    reading), while priors, predictors, data, seed and fit format must match.
    """
    path = store.fit_path(fits_dir, spec.name)
    attrs = store.read_attrs(path)
    stored = json.loads(attrs["settings"]) if attrs and "settings" in attrs else {}
    stored.pop("fit_format", None)  # the current format is required, whatever the file says
    expected = store.Provenance(
        model=spec.name,
        spec_hash=spec_hash(spec, SamplerSettings(**stored)),
        data_hash=store.data_hash(survey.establishments, survey.employees),
        seed=seed,
    )
    return path, expected, f"thuiswerk fit {spec.name}{data_arg} --seed {seed}"


def ensure_current(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str = "") -> None:
    """Raise :class:`store.StaleFitError` (with the command to run) unless the stored fit is current.

    Reads only the file's attributes, not the posterior.
    """
    path, expected, command = _stored_provenance_check(spec, survey, fits_dir, seed, data_arg)
    reasons = store.staleness(path, expected)
    if reasons:
        raise store.StaleFitError(f"{path}: {'; '.join(reasons)}. Run: {command}")


def load_fit(spec: ModelSpec, survey: Survey, fits_dir: Path, seed: int, data_arg: str = "") -> xr.DataTree:
    """Load a stored fit, refusing it when data, spec or seed differ from the current ones."""
    path, expected, command = _stored_provenance_check(spec, survey, fits_dir, seed, data_arg)
    return store.load_current(path, expected, command)
