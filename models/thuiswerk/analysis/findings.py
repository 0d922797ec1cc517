"""The findings table: every estimand's posterior summary, worded by the one evidence rule.

:func:`compute` turns stored fits into one row per estimand of
:data:`thuiswerk.analysis.estimands.ESTIMANDS` (``mean``, ``q05``, ``q95``,
``p_expected_direction``, ``wording``); ``thuiswerk findings`` prints it and the report's
tables and sentences read it (:mod:`thuiswerk.analysis.wording`), so a sentence can only
say what the table says.

How an estimand is computed from a fit
--------------------------------------
- ``slope``: the exposure's item- and role-specific slopes (``slope[item, term]`` of
  the outcome model, :mod:`thuiswerk.modelling.builders`), averaged per posterior draw over the
  outcome's items (all six workload aspects for ``workload``, both isolation items for
  ``isolation``, neck, shoulders and arm for ``kans``) and, for ``role = all``, over the
  two roles with equal weight. Scale: log-odds of a higher answer (ordinal models) or of
  a complaint (binary model) per unit of the exposure
  (:data:`thuiswerk.analysis.estimands.UNITS`).
- ``contrast``: a comparison the report words (knowing a measure against the employer
  reporting it unknown; managers against non-managers), the first slope finding minus the
  second, draw by draw from the one fit both come from; the evidence rule applies to the
  difference itself, never to the two verdicts.
- ``marginal``: a complaint slope of the employee-knowledge model on the source report's
  scale, the change in the share of employees with at least one complaint of the outcome's
  regions (average marginal effect, :mod:`thuiswerk.analysis.marginal`), per role; the
  evidence rule applies to it as to the slope (its own posterior, its own probability).
- ``information_loss``: the seed's information loss (expected number of the 15 measures
  the employer reports and the employee does not know, divided by 15), the expected number
  itself, the conditional loss 1 - P(knows | reported) as a ratio of expected counts, the
  gap between the roles, each from the awareness model's P(knows | reported) and the
  share of employees whose employer reports each measure, drawn by the Bayesian bootstrap
  over establishments (:mod:`thuiswerk.analysis.loss`: the shares are estimates too); and
  per measure P(not known | reported).

The evidence rule (:func:`wording`, :func:`thuiswerk.core.nl.evidence`), one for the whole report
-------------------------------------------------------------------------------------------
With ``p`` the posterior probability of the direction the source report expects::

    p >= 0.975         -> "duidelijk"               (as strict as a one-sided p < 0.025,
                                                      i.e. a two-sided test at 5%)
    0.90 <= p < 0.975  -> "aanwijzing"
    0.025 < p < 0.90   -> "geen duidelijk verband"
    p <= 0.025         -> "duidelijk tegen de verwachting"  (as clear as "duidelijk", the other way)

A finding whose source sentence says there is no relation
(:data:`thuiswerk.analysis.estimands.NO_RELATION`) is "geen relevant verband" where at
least 0.95 of its posterior lies inside the region of practical equivalence, odds ratios
0.8 to 1.25 (column ``p_practically_none``, given for every slope and contrast).

Descriptive rows (information loss) have no direction and no word. Adjustment
covariates are not findings: the report shows them in a table without words. The
rule's false-positive rate is measured on surveys simulated without any exposure
effect (``tests/analysis/test_null_calibration.py``; the rate is in README.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import cast

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import loss, marginal
from thuiswerk.analysis.estimands import BY_ID, ESTIMANDS, NO_RELATION, OUTCOME_ITEMS, ROLE_CODES, Estimand
from thuiswerk.core import dims, nl
from thuiswerk.core.codebook import MANAGER, NON_MANAGER
from thuiswerk.modelling.specs import term_name

PROB = nl.PROB  # one definition (thuiswerk.core.nl); the chapters read it from here
CLEAR = nl.EVIDENCE_CLEAR_THRESHOLD
HINT = nl.EVIDENCE_HINT_THRESHOLD
WORD_CLEAR = nl.EVIDENCE_CLEAR
WORD_HINT = nl.EVIDENCE_HINT
WORD_NONE = nl.EVIDENCE_NONE
WORD_OPPOSITE = nl.EVIDENCE_OPPOSITE
WORD_IRRELEVANT = nl.EVIDENCE_IRRELEVANT


COLUMNS = [
    "id",
    "outcome",
    "role",
    "exposure",
    "model",
    "scale",
    "direction",
    "mean",
    "q05",
    "q95",
    "p_expected_direction",
    "p_practically_none",
    "wording",
    "chapter",
    "source",
    "items",
    "reason",
]
WORD_NOT_ESTIMABLE = nl.NOT_ESTIMABLE
WORD_NOT_ESTIMATED = nl.NOT_ESTIMATED
NO_NUMBER = (WORD_NOT_ESTIMABLE, WORD_NOT_ESTIMATED)  # wordings of rows without a number


class NotEstimable(Exception):
    """A finding these data cannot answer; ``reason`` says why in Dutch (a clause)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def wording(p_expected_direction: float | None) -> str:
    """The evidence word for the probability of the expected direction (module docstring)."""
    if p_expected_direction is None or (isinstance(p_expected_direction, float) and np.isnan(p_expected_direction)):
        return ""
    return nl.evidence(p_expected_direction)


def _stack(da: xr.DataArray) -> xr.DataArray:
    return da.stack(sample=("chain", "draw"))


def items_of(estimand: Estimand, tree: xr.DataTree | None = None) -> list[str]:
    """The outcome items a slope finding averages over: the codebook's, or those of them the fit has.

    Raises :class:`NotEstimable` when the fit has none of them (an item the survey lacks).
    """
    items = list(OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,)))
    if tree is None:
        return items
    slope = cast(xr.DataArray, tree["posterior"]["slope"])
    item_dim = dims.ASPECT if dims.ASPECT in slope.dims else dims.REGION
    fitted = [str(v) for v in slope.coords[item_dim].values]
    present = [i for i in items if i in fitted]
    if not present:
        labels = nl.join_words([f"‘{nl.label(i)}’" for i in items])
        raise NotEstimable(f"{labels} zit niet in deze enquête")
    return present


def draws(estimand: Estimand, tree: xr.DataTree) -> np.ndarray:
    """Posterior draws of one estimand from its model's fit.

    A slope finding averages over the outcome items the fit has (:func:`items_of`).
    Raises :class:`NotEstimable` when the fit lacks the finding's items, or left out an
    exposure term it needs because the data cannot identify it (the fit's ``left_out``
    attribute says why); ``KeyError`` for a term the fit lacks for another reason (a
    ``--config`` that removed it).
    """
    post = tree["posterior"]
    if estimand.kind == "marginal":  # the slope finding on the share scale (thuiswerk.analysis.marginal)
        base = estimand.base
        items = items_of(base, tree)
        try:
            return marginal.average_marginal_effect(tree, base.exposure, ROLE_CODES[base.role], items)
        except KeyError:
            draws(base, tree)  # raises NotEstimable with the fit's reason where the term was left out
            raise
    if estimand.kind == "contrast":  # draw by draw, from the one fit both slopes come from
        first, second = (BY_ID[i] for i in estimand.parts)
        return draws(first, tree) - draws(second, tree)
    if estimand.kind == "slope":
        slope = cast(xr.DataArray, post["slope"])  # a variable of the group, not a subgroup
        item_dim = dims.ASPECT if dims.ASPECT in slope.dims else dims.REGION
        items = items_of(estimand, tree)
        total: xr.DataArray | float = 0.0
        for exposure in estimand.exposure.split("+"):  # a sum of slopes: a contrast in a joint model
            terms = [term_name(exposure, r) for r in ROLE_CODES[estimand.role]]
            missing = [t for t in terms if t not in slope.coords[dims.TERM].values]
            if missing:
                _not_identified(estimand, tree, missing)
            total = total + slope.sel({item_dim: items, dims.TERM: terms}).mean([item_dim, dims.TERM])
        assert isinstance(total, xr.DataArray)  # split() gives at least one exposure
        return _stack(total).to_numpy()
    role = {"manager": MANAGER, "non_manager": NON_MANAGER}.get(estimand.role)
    if estimand.exposure in loss.QUANTITIES and loss.has_design(tree):  # with the reported shares' uncertainty
        roles = [str(r) for r in post["p_known_if_reported"].coords[dims.ROLE].values]
        return loss.draws(tree, estimand.exposure, None if role is None else roles.index(role))
    if estimand.exposure == "loss_gap":
        return _stack(cast(xr.DataArray, post["loss_gap"])).to_numpy()
    if estimand.exposure in ("information_loss", "reported_not_known", "loss_if_reported"):
        return _stack(cast(xr.DataArray, post[estimand.exposure]).sel({dims.ROLE: role})).to_numpy()
    p = cast(xr.DataArray, post["p_known_if_reported"]).sel({dims.MEASURE: estimand.exposure, dims.ROLE: role})
    return 1.0 - _stack(p).to_numpy()


def _not_identified(estimand: Estimand, tree: xr.DataTree, missing: list[str]) -> None:
    """Raise :class:`NotEstimable` with the fit's reason for leaving out ``missing``, else ``KeyError``."""
    from thuiswerk.modelling import prepare

    raw = tree.attrs.get("left_out")
    stored = json.loads(raw) if isinstance(raw, str) and raw else {}
    why = {d["column"]: prepare.Dependency.from_dict(d) for d in stored.get("unidentified", [])}
    if not all(t in why for t in missing):
        raise KeyError(f"{estimand.id}: the {estimand.model} fit has no exposure term {missing}")
    raise NotEstimable("; ".join(dict.fromkeys(why[t].dutch() for t in missing)))


def summarise(estimand: Estimand, values: np.ndarray, items: list[str] | None = None) -> dict:
    """One row of the findings table from the draws of one estimand.

    ``items``: the outcome items the finding averages over, when they are not the
    codebook's full set (column ``items``; empty otherwise).
    """
    values = np.asarray(values, dtype=float).ravel()
    q05, q95 = np.quantile(values, [(1 - PROB) / 2, (1 + PROB) / 2])
    p, p_none, word = judge(estimand, values)
    full = OUTCOME_ITEMS.get(estimand.outcome, (estimand.outcome,))
    return _identity(estimand) | {
        "mean": float(values.mean()),
        "q05": float(q05),
        "q95": float(q95),
        "p_expected_direction": p,
        "p_practically_none": p_none,
        "wording": word,
        "items": ",".join(items) if items is not None and tuple(items) != tuple(full) else "",
        "reason": "",
    }


def judge(estimand: Estimand, values: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, str]:
    """The one rule on the draws of one estimand: P(expected direction), the mass inside the region of practical
    equivalence (log-odds findings) and the word. ``weights``: normalised weights of the draws, for a reweighted
    posterior (:mod:`thuiswerk.analysis.priorsense`); equal weights otherwise."""

    def mass(inside: np.ndarray) -> float:  # a sum of weights may pass 1 by rounding
        return float(inside.mean()) if weights is None else min(float(weights[inside].sum()), 1.0)

    if estimand.direction is None:
        p = float("nan")
    else:
        p = mass(values < 0 if estimand.direction == "negative" else values > 0)
    on_log_odds = estimand.kind in ("slope", "contrast")
    p_none = nl.equivalent(values, weights) if on_log_odds else float("nan")
    word = wording(None if estimand.direction is None else p)
    if estimand.id in NO_RELATION and p_none >= nl.EQUIVALENCE_THRESHOLD:
        word = WORD_IRRELEVANT
    return p, p_none, word


def _identity(estimand: Estimand) -> dict:
    row = {k: v for k, v in asdict(estimand).items() if k not in ("kind", "subject", "relation")}
    return row | {"scale": estimand.scale}


def not_estimable(estimand: Estimand, reason: str, word: str = WORD_NOT_ESTIMABLE) -> dict:
    """The row of a finding without a number: these data cannot answer it (:data:`WORD_NOT_ESTIMABLE`), or its
    model has no usable fit (:data:`WORD_NOT_ESTIMATED`); ``reason`` says why in Dutch."""
    nan = float("nan")
    return _identity(estimand) | {
        "mean": nan,
        "q05": nan,
        "q95": nan,
        "p_expected_direction": nan,
        "p_practically_none": nan,
        "wording": word,
        "items": "",
        "reason": reason,
    }


def compute(
    trees: Mapping[str, xr.DataTree],
    estimands: tuple[Estimand, ...] = ESTIMANDS,
    not_fitted: Mapping[str, str] | None = None,
    not_current: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The findings table (columns :data:`COLUMNS`): one row per estimand whose model is in ``trees``
    or in ``not_fitted``.

    ``not_fitted`` maps a model the survey cannot support to why, in Dutch
    (:attr:`thuiswerk.modelling.workflow.Adapted.reason_nl`): its findings get no number and the
    wording :data:`WORD_NOT_ESTIMABLE`, as do the findings of a fitted model that need an
    item the survey lacks or a term the data cannot identify. ``not_current`` maps a model
    whose fit is not used (missing, stale, or failing the convergence policy) to why: its
    findings get the wording :data:`WORD_NOT_ESTIMATED`.
    """
    not_fitted, not_current = not_fitted or {}, not_current or {}
    rows = []
    for e in estimands:
        if e.model in trees:
            tree = trees[e.model]
            try:
                items = items_of(e, tree) if e.kind in ("slope", "contrast", "marginal") else None
                rows.append(summarise(e, draws(e, tree), items))
            except NotEstimable as exc:
                rows.append(not_estimable(e, exc.reason))
        elif e.model in not_fitted:
            rows.append(not_estimable(e, f"het model is niet geschat: {not_fitted[e.model]}"))
        elif e.model in not_current:
            rows.append(not_estimable(e, not_current[e.model], WORD_NOT_ESTIMATED))
    return pd.DataFrame(rows, columns=COLUMNS).set_index("id", drop=False)


def estimable(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the findings table that have a number."""
    return table[~table["wording"].isin(NO_NUMBER)]
