"""Each finding's word under power-scaled priors (thuiswerk.analysis.priorsense)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from thuiswerk.analysis import estimands, findings, priorsense
from thuiswerk.core import dims, nl
from thuiswerk.modelling import specs

ID = "werkdruk_afspraken_werktijden"  # expects a negative slope, all aspects, both roles


def _tree(mean: np.ndarray, prior_sd: float) -> xr.DataTree:
    """Workload slopes equal to ``mean`` over items and roles, with the log prior of Normal(0, prior_sd) on it."""
    items = list(specs.WORKLOAD_ASPECTS)
    terms = [t for t, _, _ in specs.get("workload").terms]
    slope = np.broadcast_to(mean[:, None, None], (mean.size, len(items), len(terms)))[None].copy()
    lp = -0.5 * (mean / prior_sd) ** 2
    post = xr.Dataset(
        {"slope": (("chain", "draw", dims.ASPECT, dims.TERM), slope)},
        coords={"chain": [0], "draw": np.arange(mean.size), dims.ASPECT: items, dims.TERM: terms},
    )
    log_prior = xr.Dataset(
        {"slope_mean": (("chain", "draw"), lp[None]), "z_slope": (("chain", "draw"), np.full((1, mean.size), 5.0))}
    )
    return xr.DataTree.from_dict({"posterior": post, "log_prior": log_prior})


def test_power_scaling_moves_a_borderline_word_as_the_prior_predicts():
    # a posterior N(-0.2, 0.1) whose prior N(0, 0.15) pulls toward zero: P(negative) about 0.977, just 'duidelijk';
    # a prior twice as heavy pulls it further (weaker evidence), half as heavy lets it go
    draws = np.random.default_rng(7).normal(-0.2, 0.1, 20000)
    tree = _tree(draws, 0.15)
    table = findings.compute({"workload": tree}, (estimands.BY_ID[ID],))
    sens = priorsense.compute({"workload": tree}, table).set_index("id")
    row = sens.loc[ID]
    assert row["word_main"] == findings.WORD_CLEAR
    assert row["p_weaker"] > row["p_main"] > row["p_stronger"]
    # exact under the reweighting: the prior to the power alpha times the posterior / prior
    for name, alpha in priorsense.ALPHAS.items():
        w = np.exp((alpha - 1) * (-0.5 * (draws / 0.15) ** 2))
        assert abs(row[f"p_{name}"] - (w * (draws < 0)).sum() / w.sum()) < 0.01
    assert row["word_stronger"] != findings.WORD_CLEAR and bool(row["changes"])
    shown = priorsense.table_nl(sens.reset_index())
    assert list(shown["Bevinding"]) == [ID]
    assert "verandert het oordeel" in priorsense.sentence(sens.reset_index())


def test_the_unit_normal_effects_are_not_scaled_and_a_flat_prior_changes_nothing():
    draws = np.random.default_rng(8).normal(-0.18, 0.1, 4000)
    tree = _tree(draws, 1e9)  # the chosen priors flat: only z_slope (structure) has a log density, constant here
    table = findings.compute({"workload": tree}, (estimands.BY_ID[ID],))
    sens = priorsense.compute({"workload": tree}, table)
    assert not sens["changes"].any()
    for name in priorsense.ALPHAS:
        np.testing.assert_allclose(sens[f"p_{name}"], sens["p_main"], atol=1e-6)
    assert 0.9 < sens["p_main"].iloc[0] < 0.99
    assert "houden alle hetzelfde oordeel" in priorsense.sentence(sens)


def test_an_untrusted_reweighting_leaves_the_word_open():
    draws = np.random.default_rng(9).normal(0.0, 1.0, 400)
    tree = _tree(draws, 0.01)  # a prior so narrow that doubling it keeps a handful of draws: Pareto k far above 0.7
    table = findings.compute({"workload": tree}, (estimands.BY_ID[ID],))
    sens = priorsense.compute({"workload": tree}, table)
    assert sens["k_stronger"].iloc[0] > priorsense.K_MAX and np.isnan(sens["p_stronger"].iloc[0])
    assert priorsense.table_nl(pd.concat([sens.assign(changes=True)]))["Oordeel (dubbele prior)"].iloc[0] == nl.MARKER
