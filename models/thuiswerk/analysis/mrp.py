"""From the sample to the population: multilevel regression and post-stratification (MRP).

Every share of :mod:`thuiswerk.data.shares` becomes one or two binomial *indicators* per
stratum (sector x size class, the strata of the sample design and of the frame,
:mod:`thuiswerk.data.population`): the counted answer, and for a share of a subset the
subset. :func:`thuiswerk.modelling.strata.strata_inputs` counts them; :func:`thuiswerk.modelling.builders.build_strata`
models each indicator's probability per stratum (sector and size-class effects with fixed scales,
the cells partially pooled toward them); :func:`thuiswerk.modelling.fit.fit_strata` samples it (the fit is
``population.nc`` in the fits folder, stored like every other fit). The frame is not
part of the fit: the same fit is post-stratified to any frame (:func:`poststratify`).

Post-stratification, per posterior draw::

    share = sum_h W_h p_y[h] / sum_h W_h p_d[h]       (p_d = 1 for a share of all units)

with ``W_h`` the frame's establishments (``establishments``) or employees
(``employees``) in stratum ``h``, over all strata or over those of one sector or size
class (a share reported per group).

The design-based cross-check (:func:`design_based`) is the post-stratified
(Horvitz-Thompson) ratio estimator: each responding unit of stratum ``h`` weighs
``N_h / m_h`` (the frame's establishments over the stratum's responding units; times
the establishment's employees for ``employees``), with a Taylor-linearised variance
(Lohr 2022, *Sampling: Design and Analysis*, sections 4.5 and 9.1) and a normal 90%
interval. It has no pooling: a stratum without respondents is simply not represented
(``design_uncovered``: the share of the frame's units in such strata), and a small
stratum's weight rests on a handful of units; the difference from MRP shows where the
model shrinks. (``samplics``, the maintained library we looked at, is archived as of
2026; ``svy`` is pre-1.0; the estimator is a dozen lines of numpy.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.core import codebook as codebook_module
from thuiswerk.core import nl
from thuiswerk.data import linked
from thuiswerk.data import shares as shares_module
from thuiswerk.data.shares import SHARES
from thuiswerk.modelling.strata import (  # noqa: F401  (the population model's inputs, re-exported)
    CELL,
    INDICATOR,
    MODEL,
    SECTOR,
    SIZE,
    StrataInputs,
    inputs_hash,
    strata_inputs,
)

Z90 = 1.6448536269514722  # standard normal quantile 0.95
WEIGHTS = {"establishments": "n_establishments", "employees": "n_employees"}


# --------------------------------------------------------------------------- estimates


def poststratify(p_y: np.ndarray, weights: np.ndarray, p_d: np.ndarray | None = None) -> np.ndarray:
    """``sum_h W_h p_y[h] / sum_h W_h p_d[h]`` along the last axis (``p_d`` None: the weights' sum)."""
    w = np.asarray(weights, dtype=float)
    numerator = np.asarray(p_y, dtype=float) @ w
    denominator = w.sum() if p_d is None else np.asarray(p_d, dtype=float) @ w
    return numerator / denominator


def design_based(
    units: pd.DataFrame, frame: pd.DataFrame, weight: str = "establishments", level: tuple[str, str] | None = None
) -> dict[str, float]:
    """The post-stratified ratio estimate of ``y`` among ``d`` with its 90% interval (module docstring).

    ``units``: one row per responding unit with ``sector``, ``size_class``, ``y``, ``d``
    and ``n_employees``; ``frame``: :func:`thuiswerk.data.population.load_frame`; ``level``:
    restrict to one sector or size class, ``(column, code)``. Returns ``design_mean``,
    ``design_q05``, ``design_q95`` and ``design_uncovered`` (the share of the frame's
    establishments or employees in strata without responding units).
    """
    f = frame.set_index(list(shares_module.STRATA))
    if level is not None:
        f = f[f.index.get_level_values(level[0]) == level[1]]
        units = units[units[level[0]] == level[1]]
    m = units.groupby(list(shares_module.STRATA), observed=True).size()
    n_est = f["n_establishments"].astype(float)
    key = pd.MultiIndex.from_frame(units[list(shares_module.STRATA)])
    w = (n_est.reindex(key).to_numpy() / m.reindex(key).to_numpy()).astype(float)
    if weight == "employees":
        size = units["n_employees"].astype(float).to_numpy()
        mean_size = (f["n_employees"] / f["n_establishments"].where(f["n_establishments"] > 0)).reindex(key).to_numpy()
        w = w * np.where(np.isfinite(size), size, mean_size)
    total = f[WEIGHTS[weight]].astype(float)
    covered = total.reindex(m.index).sum()
    uncovered = float(1 - covered / total.sum()) if total.sum() > 0 else float("nan")
    y, d = units["y"].to_numpy(float), units["d"].to_numpy(float)
    x = float((w * d).sum())
    if x == 0:
        return {"design_mean": float("nan"), "design_q05": float("nan"), "design_q95": float("nan"),
                "design_uncovered": uncovered}  # fmt: skip
    ratio = float((w * y).sum() / x)
    z = pd.Series(w * (y - ratio * d) / x, index=key)
    variance = 0.0
    for stratum, values in z.groupby(level=list(range(len(shares_module.STRATA)))):
        k = len(values)
        if k < 2:
            continue  # one unit: no variance within the stratum to estimate (contributes nothing)
        fpc = max(0.0, 1.0 - k / float(n_est.get(stratum, np.inf)))
        variance += fpc * k / (k - 1) * float(((values - values.mean()) ** 2).sum())
    se = float(np.sqrt(variance))
    return {
        "design_mean": ratio,
        "design_q05": max(0.0, ratio - Z90 * se),
        "design_q95": min(1.0, ratio + Z90 * se),
        "design_uncovered": uncovered,
    }


class Posterior:
    """The population fit's ``p`` as one (draw, indicator, cell) array, for many post-stratifications."""

    def __init__(self, tree: xr.DataTree) -> None:
        p = tree["posterior"]["p"].stack(sample=("chain", "draw")).transpose("sample", INDICATOR, CELL)
        self.p = p.to_numpy().astype(float)
        self.indicator = {name: i for i, name in enumerate(p.coords[INDICATOR].values)}
        self.cells = [tuple(c.split("|")) for c in p.coords[CELL].values]

    def share(self, numerator: str, denominator: str | None, frame: pd.DataFrame, weight: str,
              level: tuple[str, str] | None = None) -> np.ndarray:  # fmt: skip
        """Posterior draws of one share post-stratified to ``frame``, over all strata or one group's."""
        indexed = frame.set_index(list(shares_module.STRATA))[WEIGHTS[weight]]
        w = np.array([indexed[cell] for cell in self.cells], dtype=float)
        if level is not None:
            column = list(shares_module.STRATA).index(level[0])
            w = np.where([c[column] == level[1] for c in self.cells], w, 0.0)
        p_d = None if denominator is None else self.p[:, self.indicator[denominator]]
        return poststratify(self.p[:, self.indicator[numerator]], w, p_d)


def _level_label(column: str, code: str) -> str:
    label = str(codebook_module.load().find(column).categories[code])
    return label.split(" (")[0].lower() if column == "size_class" else label


ROW_COLUMNS = ["population", "level", "by", "label", "n", "design_mean", "design_q05", "design_q95", "design_uncovered"]


def rows(
    tree: xr.DataTree | None, inputs: StrataInputs, frame: pd.DataFrame, protection: linked.Protection
) -> pd.DataFrame:
    """The findings table's population rows: per share (and group), ``sample``, ``establishments`` and
    ``employees`` (columns of :data:`thuiswerk.analysis.findings.COLUMNS` plus :data:`ROW_COLUMNS`).
    Without the population fit (``tree`` None) the model's columns are empty and the sample and
    design-based numbers are all there (what ``thuiswerk attack`` reads).

    Disclosure control over the linked tables (:func:`thuiswerk.data.linked.protect_groups`, computed
    once by the caller for everything it publishes): a group that ``protection`` blanks is blank in all
    three rows, ``n`` and ``design_uncovered`` included; a weighted (model or design-based) estimate whose
    strata include a blanked group's is blank with it, and so are that row's ``n`` and
    ``design_uncovered``, so that no count stands beside a blank. A share without groups is blank below
    :data:`thuiswerk.core.nl.MIN_CELL` units.
    """
    posterior = None if tree is None else Posterior(tree)
    cb = codebook_module.load()
    levels = {"sector": list(cb.find("sector").categories), "size_class": list(cb.find("size_class").categories)}
    estimates = ("mean", "q05", "q95", "design_mean", "design_q05", "design_q95", "design_uncovered", "n")
    out: list[dict[str, object]] = []
    for share in SHARES:
        if share.id not in inputs.numerator:
            continue
        for row_id, level in shares_module.groups(share, levels):
            where = None if level is None else (str(share.by), level)
            sample = inputs.sample[row_id]
            blank = nl.is_suppressed(sample["n"]) or (where is not None and not protection.shows(*where))
            weighted_blank = blank or (
                share.level == "establishment" and not protection.shows_weighted(share.column, where)
            )
            base: dict[str, object] = {
                "id": row_id,
                "outcome": share.column,
                "role": share.role or "",
                "exposure": "",
                "scale": "share (0-1)",
                "direction": None,
                "p_expected_direction": float("nan"),
                "wording": "",
                "chapter": share.chapter,
                "source": share.source,
                "level": share.level,
                "by": "" if level is None else f"{share.by}={level}",
                "label": share.label if level is None else f"{share.label}: {_level_label(str(share.by), level)}",
                "n": np.nan if blank else sample["n"],
            }
            out.append(base | {"model": "", "population": "sample", "mean": np.nan if blank else sample["mean"],
                               "q05": np.nan, "q95": np.nan})  # fmt: skip
            for weight in WEIGHTS:
                if weighted_blank:
                    blanked = dict.fromkeys(estimates, np.nan)
                    out.append(base | {"model": MODEL, "population": weight} | blanked)
                    continue
                design = design_based(inputs.units[share.id], frame, weight, where)
                model = dict.fromkeys(("mean", "q05", "q95"), np.nan)
                if posterior is not None:
                    draws = posterior.share(
                        inputs.numerator[share.id], inputs.denominator[share.id], frame, weight, where
                    )
                    q05, q95 = np.quantile(draws, [(1 - nl.PROB) / 2, (1 + nl.PROB) / 2])
                    model = {"mean": float(draws.mean()), "q05": float(q05), "q95": float(q95)}
                out.append(base | {"model": MODEL, "population": weight} | model | design)
    # a survey without any of the shares' columns has no rows, but the columns every reader looks for
    frame_out = pd.DataFrame(out) if out else pd.DataFrame(columns=["id", "outcome", "model", "mean", *ROW_COLUMNS])
    frame_out.index = frame_out["id"] + ":" + frame_out["population"]
    return frame_out
