"""The package's Python interface for statisticians: what ``import thuiswerk as tw`` offers.

The same steps as the command line, as functions of Python objects, so a model can be
refitted in a notebook with a prior or predictor of one's own and looked at with ArviZ:

>>> import thuiswerk as tw                                              # doctest: +SKIP
>>> survey = tw.load_survey("data/synthetic")                          # doctest: +SKIP
>>> tree = tw.load_fit("workload", survey)                             # doctest: +SKIP
>>> tw.findings_table({"workload": tree})                                    # doctest: +SKIP

Every function goes through the same code as ``thuiswerk``: a survey is validated
against the codebook, a model is fitted as the survey allows it
(:func:`thuiswerk.modelling.workflow.adapt`), a fit is stored in a fits folder with its
provenance and reused while data, spec, settings and seed are unchanged, and a stored
fit is refused when it is stale. Errors are the package's (:mod:`thuiswerk.core.errors`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pandas as pd
import xarray as xr

from thuiswerk.analysis import findings as findings_module
from thuiswerk.core import errors, resources
from thuiswerk.core.runconfig import DEFAULT_DATA, DEFAULT_FITS, DEFAULT_SEED
from thuiswerk.data.simulate import SURVEY_SEED, SyntheticSurvey
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import specs, workflow
from thuiswerk.modelling.fit import Sampler, SamplerSettings
from thuiswerk.modelling.specs import ModelSpec

__all__ = ["MODELS", "findings_table", "fit_model", "load_fit", "load_survey", "model", "synthetic_survey"]
# (none named like a layer or a module of the package's top: `from thuiswerk import data` must keep giving the layer)

MODELS: tuple[str, ...] = tuple(specs.SPECS)  # the ten models, by name


def load_survey(path: str | Path | None = None, mapping: str | Path | None = None) -> Survey:
    """Load the survey in ``path`` (CSV, Parquet or SPSS files), validated against the codebook.

    Parameters
    ----------
    path : str or Path, optional
        The survey folder (``establishments.*`` and ``employees.*``). By default the project's
        ``data/synthetic`` (the checkout's, or the current folder's), else the synthetic survey
        shipped with the package, so that a notebook in any folder can start from it.
    mapping : str or Path, optional
        A YAML file mapping the data's own column names and labels onto the codebook.

    Returns
    -------
    Survey
        Its tables as ``survey.establishments`` and ``survey.employees``; the optional
        columns it lacks in ``survey.absent``.

    Raises
    ------
    thuiswerk.core.errors.InvalidDataError
        The data violate the codebook (every violation named by file, row and column).
    """
    if path is None:
        own = resources.project_dir() / DEFAULT_DATA
        path = own if own.is_dir() else resources.synthetic_survey()
    return workflow.load_valid_survey(Path(path), Path(mapping) if mapping else None)


def model(
    name: str,
    *,
    priors: dict[str, float] | None = None,
    predictors: list[str] | None = None,
    exposures: dict[str, list[str]] | None = None,
) -> ModelSpec:
    """Return a model's specification, with the priors, adjustment covariates or exposures given replaced.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    priors : dict of str to float, optional
        Prior scales by name (``thuiswerk.modelling.specs``; e.g. ``{"slope_sd": 0.3}``).
    predictors : list of str, optional
        The adjustment covariates: names of ``thuiswerk.modelling.prepare.PREDICTORS`` or formula
        terms over those names and the codebook's columns (``"age_10:female"``, ``"I(age_10 ** 2)"``;
        ``thuiswerk.modelling.formulas``), one column each.
    exposures : dict of str to list of str, optional
        ``{predictor: [role, ...]}``: the exposures with a slope per role and item.

    Returns
    -------
    ModelSpec
        The specification; its hash is part of every fit made with it.

    Raises
    ------
    thuiswerk.core.errors.UsageError
        An unknown model, prior, predictor or role, or a formula term that does not parse.
    """
    if name not in specs.SPECS:
        raise errors.UsageError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    overrides: dict[str, Any] = {}
    if priors is not None:
        overrides["priors"] = priors
    if predictors is not None:
        overrides["predictors"] = predictors
    if exposures is not None:
        overrides["exposures"] = exposures
    try:
        return specs.with_overrides(specs.get(name), overrides) if overrides else specs.get(name)
    except ValueError as exc:
        raise errors.UsageError(str(exc)) from None


def _spec(spec: ModelSpec | str) -> ModelSpec:
    return model(spec) if isinstance(spec, str) else spec


def _survey(survey: Survey | SyntheticSurvey) -> Survey:
    return survey if isinstance(survey, Survey) else Survey(survey.establishments, survey.employees)


def fit_model(
    spec: ModelSpec | str,
    survey: Survey | SyntheticSurvey,
    fits: str | Path = DEFAULT_FITS,
    *,
    seed: int = DEFAULT_SEED,
    sampler: str = "nutpie",
    chains: int = 4,
    tune: int = 1000,
    draws: int = 2000,
    target_accept: float = 0.9,
    force: bool = False,
    progress: bool = True,
) -> xr.DataTree:
    """Fit one model on ``survey`` and store it in ``fits``, as ``thuiswerk fit`` does; the fit.

    The model is fitted as the survey allows it (items it lacks, covariates whose
    columns are absent and columns its data cannot identify are left out, and the fit
    records it); a fit stored with the same data, spec, settings and seed is reused
    instead of sampled again.

    Parameters
    ----------
    spec : ModelSpec or str
        A model name or a specification from :func:`model`.
    survey : Survey or SyntheticSurvey
        From :func:`load_survey` or :func:`synthetic_survey`.
    fits : str or Path
        The fits folder (``data/fits`` by default; another one keeps a notebook's fits
        apart from the report's).
    seed, chains, tune, draws : int
        The seed and the sampler's draws per chain (``tune`` of them warm-up).
    sampler : {"nutpie", "pymc"}
        The NUTS implementation.
    target_accept : float
        The step size adaptation's target acceptance rate.
    force : bool
        Sample even when a current fit is stored.
    progress : bool
        Show the sampler's progress.

    Returns
    -------
    xarray.DataTree
        The stored fit: posterior, prior, predictive draws, log-likelihoods and its
        provenance in ``tree.attrs``; ArviZ reads it as it is.

    Raises
    ------
    thuiswerk.core.errors.UsageError
        The survey cannot support the model (none of its outcome items, or an
        exposure's column absent).
    """
    survey = _survey(survey)
    adapted = workflow.adapt(_spec(spec), survey)
    if adapted.spec is None:
        raise errors.UsageError(f"{adapted.name}: not fitted on this survey: {adapted.reason}")
    settings = SamplerSettings(
        sampler=cast(Sampler, sampler), chains=chains, tune=tune, draws=draws, target_accept=target_accept
    )
    workflow.fit_model(adapted.spec, survey, Path(fits), settings, seed, force=force, progress=progress,
                       left_out=adapted.left_out)  # fmt: skip
    return workflow.load_fit(adapted.spec, survey, Path(fits), seed)


def load_fit(
    spec: ModelSpec | str,
    survey: Survey | SyntheticSurvey,
    fits: str | Path = DEFAULT_FITS,
    *,
    seed: int = DEFAULT_SEED,
) -> xr.DataTree:
    """Load the stored fit of a model on ``survey``, refused when it is missing or stale.

    Parameters
    ----------
    spec : ModelSpec or str
        A model name or a specification from :func:`model` (as the survey allows it).
    survey : Survey or SyntheticSurvey
        The survey the fit must belong to.
    fits : str or Path
        The fits folder.
    seed : int
        The seed it must have been fitted with.

    Returns
    -------
    xarray.DataTree
        The fit (see :func:`fit_model`).

    Raises
    ------
    thuiswerk.core.errors.StaleFitError
        No fit, or one of other data, spec or seed; the message names the command that fits it.
    """
    survey = _survey(survey)
    adapted = workflow.adapt(_spec(spec), survey)
    if adapted.spec is None:
        raise errors.UsageError(f"{adapted.name}: not fitted on this survey: {adapted.reason}")
    return workflow.load_fit(adapted.spec, survey, Path(fits), seed)


def findings_table(trees: dict[str, xr.DataTree]) -> pd.DataFrame:
    """Compute the findings table of the fitted models: one row per finding those models answer.

    Parameters
    ----------
    trees : dict of str to xarray.DataTree
        Model name -> fit (:func:`fit_model` or :func:`load_fit`).

    Returns
    -------
    pandas.DataFrame
        The columns of ``thuiswerk findings`` (mean, 90% interval, P(expected direction),
        wording, the source sentence, ...), indexed by the finding's id.
    """
    return findings_module.compute(trees)


def synthetic_survey(n_establishments: int = 206, seed: int = SURVEY_SEED) -> SyntheticSurvey:
    """Draw a synthetic survey from the published margins with planted effects.

    Parameters
    ----------
    n_establishments : int
        The survey's size (206 in the source report).
    seed : int
        The generator's seed (the embedded survey's by default).

    Returns
    -------
    SyntheticSurvey
        ``.establishments``, ``.employees`` and the planted ``.truth``; fit it like a survey.
    """
    from thuiswerk.data.simulate import simulate

    return simulate(n_establishments=n_establishments, seed=seed)
