"""A fit's posterior draws as arrays, and the draws reweighted: the two pieces the findings' computations share.

:func:`draws` gives a variable's draws with every draw of every chain first, in the order of
``stack(sample=("chain", "draw"))`` (the order of :func:`thuiswerk.analysis.findings.draws`), so the
computations that work on arrays (:mod:`thuiswerk.analysis.marginal`, :mod:`thuiswerk.analysis.loss`,
:mod:`thuiswerk.analysis.priorsense`) line up draw by draw with the findings.
:func:`psis_log_weights` smooths importance ratios of those draws by Pareto-smoothed importance
sampling (``arviz_stats``), for the findings under another prior (:mod:`thuiswerk.analysis.priorsense`)
or another response mechanism (:mod:`thuiswerk.analysis.sensitivity`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from arviz_stats.base import array_stats


def draws(da: xr.DataArray) -> np.ndarray:
    """(sample, ...): the draws of ``da`` with chain and draw stacked first."""
    values = da.transpose("chain", "draw", ...).to_numpy()
    return values.reshape(-1, *values.shape[2:])


def psis_log_weights(log_ratios: np.ndarray) -> tuple[np.ndarray, float]:
    """Normalised PSIS log weights of the draws for the log importance ratios ``log_ratios``, and Pareto k.

    Equal ratios (nothing to reweight) give equal weights and k 0.
    """
    if np.ptp(log_ratios) == 0:
        return np.full(log_ratios.shape, -np.log(log_ratios.size)), 0.0
    # arviz_stats' psislw takes a log-likelihood and smooths its negative (the LOO ratios): pass -log ratios
    log_weights, k = array_stats.psislw(-log_ratios, r_eff=1.0, axis=-1)
    return np.asarray(log_weights), float(k)
