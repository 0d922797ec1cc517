"""Predictive checks of what matters (checks.prior_checks): extremes, KANS, establishment spread.

Small DataTrees built by hand, with every statistic worked out by hand, and one end-to-end
run on the prior predictive of the real workload and complaints models of a tiny survey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr

from thuiswerk.analysis import checks
from thuiswerk.data.simulate import simulate
from thuiswerk.modelling import builders, specs, workflow
from thuiswerk.modelling.fit import constant_data

COLUMNS = ["statistic", "observed", "median", "lo", "hi", "inside"]
REGIONS = ["complaint_back", "complaint_neck", "complaint_shoulders", "complaint_arm"]


def _tree(
    observed: list[int],
    draws: list[list[list[int]]],
    constant: dict[str, list[int]],
    coords: dict[str, list],
    group: str = "prior_predictive",
) -> xr.DataTree:
    """A minimal fit: ``draws`` is (chain, draw, obs); ``coords`` go on the prior group."""
    n_obs = len(observed)
    obs = np.arange(n_obs)
    cd = xr.Dataset(
        {k: (("obs",) if k.endswith("_of_obs") else ("employee",), np.asarray(v)) for k, v in constant.items()},
        coords={"obs": obs},
    )
    y = np.asarray(draws, dtype=np.int8)
    predictive = xr.Dataset({"y": (("chain", "draw", "obs"), y)}, coords={"obs": obs})
    n_chain, n_draw = y.shape[:2]
    prior = xr.Dataset(
        {"sigma_total": (("chain", "draw"), np.ones((n_chain, n_draw)))},
        coords={k: v for k, v in coords.items()},
    )
    return xr.DataTree.from_dict(
        {
            "prior": prior,
            group: predictive,
            "observed_data": xr.Dataset({"y": (("obs",), np.asarray(observed))}, coords={"obs": obs}),
            "constant_data": cd,
        }
    )


def _row(table: pd.DataFrame, statistic: str) -> pd.Series:
    rows = table[table["statistic"] == statistic]
    assert len(rows) == 1, table
    return rows.iloc[0]


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """Median and 5%/95% quantiles (numpy's linear interpolation) of a few numbers."""
    med, lo, hi = np.quantile(values, [0.5, 0.05, 0.95])
    return float(med), float(lo), float(hi)


# --- ordinal ------------------------------------------------------------------------
# Three employees (two in establishment 0, one in establishment 1), two aspects each,
# categories 0..4 (1..5 on the questionnaire).
ORDINAL_CONSTANT = {
    "aspect_of_obs": [0, 1, 0, 1, 0, 1],
    "employee_of_obs": [0, 0, 1, 1, 2, 2],
    "est_of_emp": [0, 0, 1],
}
ORDINAL_COORDS = {"aspect": ["a", "b"], "cut": [1, 2, 3, 4]}
ORDINAL_OBSERVED = [0, 2, 4, 1, 3, 3]
# Two chains of two draws, per draw: extremes share; establishment means; their SD (ddof 0).
ORDINAL_DRAWS = [
    [
        [0, 0, 0, 0, 0, 0],  # extremes 6/6;   means 0, 0     -> SD 0
        [2, 2, 2, 2, 2, 4],  # extremes 1/6;   means 2, 3     -> SD 0.5
    ],
    [
        [4, 4, 4, 4, 0, 0],  # extremes 6/6;   means 4, 0     -> SD 2
        [1, 0, 1, 2, 3, 3],  # extremes 1/6;   means 1, 3     -> SD 1
    ],
]


def test_ordinal_extremes_and_establishment_spread_by_hand():
    tree = _tree(ORDINAL_OBSERVED, ORDINAL_DRAWS, ORDINAL_CONSTANT, ORDINAL_COORDS)
    table = checks.prior_checks(tree, group="prior_predictive")
    assert list(table.columns) == COLUMNS
    assert list(table["statistic"]) == [checks.EXTREME_SHARE, checks.ESTABLISHMENT_SD]

    extremes = _row(table, checks.EXTREME_SHARE)
    assert extremes["observed"] == pytest.approx(2 / 6)  # the 0 and the 4
    med, lo, hi = _quantiles([1.0, 1 / 6, 1.0, 1 / 6])
    assert med == pytest.approx(7 / 12)
    assert (extremes["median"], extremes["lo"], extremes["hi"]) == pytest.approx((med, lo, hi))
    assert extremes["inside"]  # 1/3 lies between 1/6 and 1

    spread = _row(table, checks.ESTABLISHMENT_SD)
    # establishment 0: (0 + 2 + 4 + 1) / 4 = 1.75; establishment 1: (3 + 3) / 2 = 3
    assert spread["observed"] == pytest.approx(0.625)
    med, lo, hi = _quantiles([0.0, 0.5, 2.0, 1.0])
    assert med == pytest.approx(0.75)
    assert lo == pytest.approx(0.075) and hi == pytest.approx(1.85)
    assert (spread["median"], spread["lo"], spread["hi"]) == pytest.approx((med, lo, hi))
    assert spread["inside"]


def test_ordinal_top_category_comes_from_the_cut_points_not_the_draws():
    # No value reaches 4: with K = 5 (four cut points) only the 0s are at an extreme.
    draws = [[[3, 3, 3, 3, 3, 3], [0, 3, 3, 3, 3, 3]]]
    tree = _tree([3, 3, 0, 1, 2, 3], draws, ORDINAL_CONSTANT, ORDINAL_COORDS)
    extremes = _row(checks.prior_checks(tree), checks.EXTREME_SHARE)
    assert extremes["observed"] == pytest.approx(1 / 6)
    assert extremes["median"] == pytest.approx(1 / 12)
    assert extremes["lo"] == pytest.approx(0.05 / 6) and extremes["hi"] == pytest.approx(0.95 / 6)
    assert not extremes["inside"]


def test_the_posterior_predictive_group_is_checked_the_same_way():
    tree = _tree(ORDINAL_OBSERVED, ORDINAL_DRAWS, ORDINAL_CONSTANT, ORDINAL_COORDS, group="posterior_predictive")
    posterior = checks.prior_checks(tree, group="posterior_predictive")
    prior = checks.prior_checks(
        _tree(ORDINAL_OBSERVED, ORDINAL_DRAWS, ORDINAL_CONSTANT, ORDINAL_COORDS), group="prior_predictive"
    )
    pd.testing.assert_frame_equal(posterior, prior)
    with pytest.raises(ValueError, match="group"):
        checks.prior_checks(tree, group="posterior")


# --- binary -------------------------------------------------------------------------
# Employee 0 (establishment 0): back only. Employee 1 (establishment 1): shoulders.
# Employee 2 (establishment 1): neck, but left the shoulders item empty, so is not in the
# KANS denominator (as in figure 2). The cells are listed out of employee order.
BINARY_CELLS = [  # (employee, region, observed y)
    (1, 2, 1),
    (0, 0, 1),
    (2, 1, 1),
    (0, 1, 0),
    (1, 0, 0),
    (0, 2, 0),
    (2, 0, 0),
    (1, 1, 0),
    (0, 3, 0),
    (2, 3, 0),
    (1, 3, 0),
]
BINARY_CONSTANT = {
    "employee_of_obs": [e for e, _, _ in BINARY_CELLS],
    "region_of_obs": [r for _, r, _ in BINARY_CELLS],
    "est_of_emp": [0, 1, 1],
}
BINARY_OBSERVED = [y for _, _, y in BINARY_CELLS]


def _binary_draw(ones: set[tuple[int, int]]) -> list[int]:
    """A draw with y = 1 exactly in the (employee, region) cells given."""
    return [int((e, r) in ones) for e, r, _ in BINARY_CELLS]


BINARY_DRAWS = [
    [
        _binary_draw(set()),  # KANS 0/2; shares 0/4, 0/7 -> SD 0
        _binary_draw({(0, 1), (1, 3), (1, 2)}),  # KANS 2/2; shares 1/4, 2/7 -> SD 1/56
        _binary_draw({(0, 0), (2, 1), (2, 3)}),  # back and employee 2 only: KANS 0/2; 1/4, 2/7 -> SD 1/56
        _binary_draw({(1, 0), (1, 1), (2, 0), (2, 1), (2, 3)}),  # KANS 1/2; 0/4, 5/7 -> SD 5/14
        _binary_draw({(0, 3)}),  # KANS 1/2; 1/4, 0/7 -> SD 1/8
    ]
]


def test_binary_any_kans_and_establishment_spread_by_hand():
    tree = _tree(BINARY_OBSERVED, BINARY_DRAWS, BINARY_CONSTANT, {"region": REGIONS})
    table = checks.prior_checks(tree)
    assert list(table["statistic"]) == [checks.ANY_KANS, checks.ESTABLISHMENT_SD]

    kans = _row(table, checks.ANY_KANS)
    assert kans["observed"] == pytest.approx(0.5)  # employee 1 of employees 0 and 1
    assert kans["median"] == pytest.approx(0.5)
    med, lo, hi = _quantiles([0.0, 1.0, 0.0, 0.5, 0.5])
    assert (kans["lo"], kans["hi"]) == pytest.approx((lo, hi)) and (lo, hi) == pytest.approx((0.0, 0.9))
    assert kans["inside"]

    spread = _row(table, checks.ESTABLISHMENT_SD)
    # establishment 0: 1/4 complaints; establishment 1: 2/7 (7 cells of employees 1 and 2)
    assert spread["observed"] == pytest.approx(1 / 56)
    med, lo, hi = _quantiles([0.0, 1 / 56, 1 / 56, 5 / 14, 1 / 8])
    assert (spread["median"], spread["lo"], spread["hi"]) == pytest.approx((med, lo, hi))
    assert spread["median"] == pytest.approx(1 / 56)


def test_kans_regions_are_found_by_label_not_position():
    # Same cells, other labels: region 0 is the neck, 1 the arm, 2 the back, 3 the
    # shoulders. Employee 0's complaint (region 0) is now a neck complaint, employee 1's
    # (region 2) a back complaint, and employee 2, who left region 2 (the back) empty,
    # answered every KANS item and has an arm complaint (region 1): 2 of 3 employees.
    relabelled = ["complaint_neck", "complaint_arm", "complaint_back", "complaint_shoulders"]
    tree = _tree(BINARY_OBSERVED, BINARY_DRAWS, BINARY_CONSTANT, {"region": relabelled})
    kans = _row(checks.prior_checks(tree), checks.ANY_KANS)
    assert kans["observed"] == pytest.approx(2 / 3)


def test_binary_fit_without_region_labels_is_refused():
    tree = _tree(BINARY_OBSERVED, BINARY_DRAWS, BINARY_CONSTANT, {})
    with pytest.raises(KeyError, match="region"):
        checks.prior_checks(tree)


# --- awareness ----------------------------------------------------------------------


def test_awareness_has_only_the_establishment_spread():
    # Establishments 0, 1 (no data: its only employee has no cell), 2.
    constant = {
        "measure_of_obs": [0, 1, 0, 1, 0, 1],
        "employee_of_obs": [0, 0, 1, 1, 3, 3],
        "est_of_emp": [0, 0, 1, 2],
    }
    observed = [1, 1, 1, 0, 0, 0]  # establishment means 3/4 and 0/2 -> SD 3/8
    draws = [[[1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 1, 1]]]  # SD 0; means 1/4, 1 -> SD 3/8
    tree = _tree(observed, draws, constant, {"measure": ["m0", "m1"]})
    table = checks.prior_checks(tree)
    assert list(table["statistic"]) == [checks.ESTABLISHMENT_SD]
    row = _row(table, checks.ESTABLISHMENT_SD)
    assert row["observed"] == pytest.approx(3 / 8)
    assert row["median"] == pytest.approx(3 / 16)
    assert (row["lo"], row["hi"]) == pytest.approx((0.05 * 3 / 8, 0.95 * 3 / 8))
    assert not row["inside"]


# --- end to end on the real models ----------------------------------------------------


@pytest.fixture(scope="module")
def tiny_survey():
    return simulate(n_establishments=40, seed=11)


def _prior_tree(name: str, survey) -> tuple[xr.DataTree, object]:
    spec = specs.get(name)
    inputs = workflow.inputs_for(spec, survey)
    with builders.build(spec, inputs):
        tree = pm.sample_prior_predictive(draws=200, random_seed=3)
    tree["constant_data"] = xr.DataTree(constant_data(inputs))
    return tree, inputs


def test_prior_checks_of_the_workload_model_end_to_end(tiny_survey):
    tree, inputs = _prior_tree("workload", tiny_survey)
    table = checks.prior_checks(tree, group="prior_predictive")
    assert list(table.columns) == COLUMNS
    assert list(table["statistic"]) == [checks.EXTREME_SHARE, checks.ESTABLISHMENT_SD]
    y = inputs.data["y"]
    extremes = _row(table, checks.EXTREME_SHARE)
    assert extremes["observed"] == pytest.approx(np.isin(y, [0, 4]).mean())
    # the same share from the survey table itself, over the employees in the model
    emp = tiny_survey.employees.set_index("employee_id").loc[inputs.coords["employee"], list(specs.WORKLOAD_ASPECTS)]
    answers = emp.to_numpy(dtype=float, na_value=np.nan)
    answers = answers[~np.isnan(answers)]
    assert extremes["observed"] == pytest.approx(np.isin(answers, [1, 5]).mean())
    for _, row in table.iterrows():
        assert 0 <= row["lo"] <= row["median"] <= row["hi"]
    assert 0 < extremes["hi"] <= 1
    assert _row(table, checks.ESTABLISHMENT_SD)["hi"] <= 2.0  # half the 1-5 range at most


def test_prior_checks_of_the_complaints_model_end_to_end(tiny_survey):
    tree, inputs = _prior_tree("complaints", tiny_survey)
    table = checks.prior_checks(tree, group="prior_predictive")
    assert list(table["statistic"]) == [checks.ANY_KANS, checks.ESTABLISHMENT_SD]
    emp = tiny_survey.employees.set_index("employee_id").loc[inputs.coords["employee"]]
    kans = emp[list(checks.KANS_REGIONS)].dropna()
    kans_row = _row(table, checks.ANY_KANS)
    assert kans_row["observed"] == pytest.approx((kans == 1).any(axis=1).mean())
    # establishment spread of the share of complaints, from the survey table
    cells = emp[REGIONS].stack().rename("y").reset_index()
    cells["est"] = emp.loc[cells["employee_id"], "establishment_id"].to_numpy()
    expected_sd = cells.groupby("est")["y"].mean().std(ddof=0)
    assert _row(table, checks.ESTABLISHMENT_SD)["observed"] == pytest.approx(expected_sd)
    for _, row in table.iterrows():
        assert 0 <= row["lo"] <= row["median"] <= row["hi"] <= 1


# --------------------------------------------------------------------------- the pooling priors


def test_pooling_table_reads_what_the_priors_imply_for_item_and_role_differences():
    """On the prior draws of the real isolation model (two items, four exposures for both roles): the item
    difference is |tau_k (zeta_1t - zeta_2t)| of those draws, the role difference |mu_mgr - mu_nonmgr|,
    and the two scales have the lognormal medians the spec sets."""
    s = simulate(n_establishments=30, seed=3)
    spec = specs.get("isolation")
    model = builders.build(spec, workflow.inputs_for(spec, s))
    with model:
        prior = pm.sample_prior_predictive(draws=2000, random_seed=11)["prior"].to_dataset()
    tree = xr.DataTree.from_dict({"prior": prior, "posterior": prior})
    table = checks.pooling_prior_table(tree).set_index("quantity")
    assert list(table.index) == list(checks.POOLING_QUANTITIES)
    for column in ("q05", "median", "q95"):  # the same draws: prior and posterior agree
        assert table[f"prior_{column}"].tolist() == pytest.approx(table[f"posterior_{column}"].tolist())
    spread = prior["slope_spread"].to_numpy()  # (chain, draw, exposure)
    z = prior["z_slope"].transpose("chain", "draw", "aspect", "term").to_numpy()
    exposure_of = [list(model.coords["exposure"]).index(t.split("|")[0]) for t in model.coords["term"]]
    by_hand = np.abs(spread[..., exposure_of] * (z[..., 0, :] - z[..., 1, :])).ravel()
    assert table.at["item_difference", "prior_median"] == pytest.approx(np.median(by_hand))
    mean = prior["slope_mean"].to_numpy()
    terms = list(model.coords["term"])
    pairs = [(terms.index(f"{p}|leidinggevende"), terms.index(f"{p}|niet_leidinggevende")) for p, _ in spec.exposures]
    roles = np.concatenate([np.abs(mean[..., a] - mean[..., b]).ravel() for a, b in pairs])
    assert table.at["role_difference", "prior_q95"] == pytest.approx(np.quantile(roles, 0.95))
    assert table.at["role_sd", "prior_median"] == pytest.approx(spec.priors["role_scale"], rel=0.05)
    assert table.at["slope_spread", "prior_median"] == pytest.approx(spec.priors["item_scale"], rel=0.05)
    # pooled, not independent: two roles' means differ less than two independent Normal(0, slope_sd) would
    independent = 1.96 * spec.priors["slope_sd"] * np.sqrt(2)  # 95% quantile of |N(0, slope_sd * sqrt 2)|
    assert table.at["role_difference", "prior_q95"] < 0.9 * independent
