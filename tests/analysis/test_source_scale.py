"""Findings on the source report's scale: complaint slopes as changes in a share, and the information loss with
the uncertainty of the reported shares (thuiswerk.analysis.marginal, thuiswerk.analysis.loss)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.special import expit

from thuiswerk.analysis import estimands, findings, loss, marginal, wording
from thuiswerk.core import dims
from thuiswerk.core.codebook import MANAGER, NON_MANAGER

REGIONS = ["complaint_back", "complaint_neck", "complaint_shoulders", "complaint_arm"]
TERMS = ["home_share|leidinggevende", "home_share|niet_leidinggevende", "separate_workspace|leidinggevende"]


def _binary_tree(slope: np.ndarray, Z: np.ndarray, role_of_emp: np.ndarray, intercept: float = -1.0) -> xr.DataTree:
    """A binary-family fit without person effects: ``slope`` (draw, region, term), ``Z`` (employee, term)."""
    n_draw, n_emp = slope.shape[0], Z.shape[0]

    def v(*shape):
        return np.zeros((1, n_draw, *shape))

    post = xr.Dataset(
        {
            "intercept": (("chain", "draw", dims.REGION, dims.ROLE), np.full((1, n_draw, len(REGIONS), 2), intercept)),
            "beta": (("chain", "draw", dims.PREDICTOR), v(1)),
            "slope": (("chain", "draw", dims.REGION, dims.TERM), slope[None]),
            "z_establishment": (("chain", "draw", dims.ESTABLISHMENT), v(n_emp)),
            "sigma_establishment": (("chain", "draw"), v()),
            "b_sector": (("chain", "draw", dims.SECTOR), v(2)),
            "b_size_class": (("chain", "draw", dims.SIZE_CLASS), v(2)),
            "z_employee": (("chain", "draw", dims.EMPLOYEE), v(n_emp)),
            "sigma_employee": (("chain", "draw"), v()),
        },
        coords={
            "chain": [0],
            "draw": np.arange(n_draw),
            dims.REGION: REGIONS,
            dims.TERM: TERMS,
            dims.ROLE: [MANAGER, NON_MANAGER],
        },  # fmt: skip
    )
    const = xr.Dataset(
        {
            "X": ((dims.EMPLOYEE, dims.PREDICTOR), np.zeros((n_emp, 1))),
            "Z": ((dims.EMPLOYEE, dims.TERM), Z),
            "role_of_emp": (dims.EMPLOYEE, role_of_emp),
            "est_of_emp": (dims.EMPLOYEE, np.arange(n_emp)),
            "sector_of_est": (dims.ESTABLISHMENT, np.zeros(n_emp, dtype=int)),
            "size_of_est": (dims.ESTABLISHMENT, np.zeros(n_emp, dtype=int)),
        }
    )
    return xr.DataTree.from_dict({"posterior": post, "constant_data": const})


def test_a_yes_no_exposure_is_yes_minus_no_for_everybody_of_the_role():
    slope = np.zeros((2, len(REGIONS), len(TERMS)))
    slope[:, 0, 2] = [-0.8, 0.4]  # separate workspace, managers, back
    Z = np.array([[0, 0, 1.0], [0, 0, 0.0], [0, 0, 0.0]])  # two managers (one with a workspace), one non-manager
    tree = _binary_tree(slope, Z, np.array([0, 0, 1]))
    got = marginal.average_marginal_effect(tree, "separate_workspace", (MANAGER,), ["complaint_back"])
    np.testing.assert_allclose(got, expit(-1.0 + np.array([-0.8, 0.4])) - expit(-1.0))


def test_a_graded_exposure_is_the_change_per_unit_around_each_employee_and_counts_any_region():
    slope = np.zeros((1, len(REGIONS), len(TERMS)))
    slope[0, 1:, 0] = [0.9, 0.6, 0.3]  # home share, managers, neck/shoulders/arm
    Z = np.array([[0.4, 0, 0], [-0.2, 0, 0], [0, 0.5, 0]])
    tree = _binary_tree(slope, Z, np.array([0, 0, 1]))
    kans = ["complaint_neck", "complaint_shoulders", "complaint_arm"]
    got = marginal.average_marginal_effect(tree, "home_share", (MANAGER,), kans)

    def any_kans(x: float) -> float:
        return 1 - np.prod([1 - expit(-1.0 + s * x) for s in (0.9, 0.6, 0.3)])

    expected = np.mean([any_kans(x + 0.5) - any_kans(x - 0.5) for x in (0.4, -0.2)])
    np.testing.assert_allclose(got, [expected])
    # the non-managers' own slope is zero: no change in their share
    np.testing.assert_allclose(marginal.average_marginal_effect(tree, "home_share", (NON_MANAGER,), kans), [0.0])


def test_a_marginal_finding_is_its_slope_on_the_share_scale_and_worded_by_the_rule():
    ame = estimands.BY_ID["rug_aparte_werkruimte_lg_aandeel"]
    assert ame.kind == "marginal" and ame.base.id == "rug_aparte_werkruimte_lg"
    assert ame.direction == ame.base.direction and ame.role == ame.base.role
    slope = np.zeros((400, len(REGIONS), len(TERMS)))
    slope[:, 0, 2] = np.random.default_rng(3).normal(-1.0, 0.3, 400)
    tree = _binary_tree(slope, np.array([[0, 0, 1.0], [0, 0, 0.0]]), np.array([0, 0]))
    row = findings.summarise(ame, findings.draws(ame, tree))
    assert row["mean"] < 0 and row["wording"] == findings.WORD_CLEAR
    shown = wording.marginal_table_nl(pd.DataFrame([row]).set_index("id", drop=False))
    assert (
        shown["Verandering (procentpunt)"].iloc[0].startswith("-") and "," in shown["Verandering (procentpunt)"].iloc[0]
    )


def _awareness_tree(p: np.ndarray, reported: np.ndarray, role: np.ndarray, est_of_emp: np.ndarray) -> xr.DataTree:
    """``p`` (draw, measure, role): P(knows | reported); ``reported`` (employee, measure) 0/1; one cell each."""
    n_emp, n_measure = reported.shape
    post = xr.Dataset(
        {"p_known_if_reported": (("chain", "draw", dims.MEASURE, dims.ROLE), p[None]),
         "z_establishment": (("chain", "draw", dims.ESTABLISHMENT), np.zeros((1, p.shape[0], est_of_emp.max() + 1)))},
        coords={dims.ROLE: [MANAGER, NON_MANAGER]},
    )  # fmt: skip
    emp = np.repeat(np.arange(n_emp), n_measure)
    const = xr.Dataset(
        {
            "employee_of_obs": (dims.OBS, emp),
            "measure_of_obs": (dims.OBS, np.tile(np.arange(n_measure), n_emp)),
            "role_of_obs": (dims.OBS, role[emp]),
            "reported_of_obs": (dims.OBS, reported.ravel()),
            "est_of_emp": (dims.EMPLOYEE, est_of_emp),
        }
    )
    return xr.DataTree.from_dict({"posterior": post, "constant_data": const})


def test_the_reported_shares_are_drawn_around_the_sample_share_by_establishment():
    rng = np.random.default_rng(5)
    n_est, n_measure = 60, 3
    est_of_emp = np.repeat(np.arange(n_est), 2)  # two employees per establishment, one of each role
    role = np.tile([0, 1], n_est)
    by_est = rng.random((n_est, n_measure)) < [0.2, 0.5, 0.9]
    reported = by_est[est_of_emp].astype(float)  # the employer's report: the same for both employees
    p = np.full((4000, n_measure, 2), 0.6)
    tree = _awareness_tree(p, reported, role, est_of_emp)
    shares = loss.bootstrap_shares(tree, 4000)
    sample = by_est.mean(axis=0)
    np.testing.assert_allclose(shares.mean(axis=0)[:, 0], sample, atol=0.01)
    # the spread of a share from 60 establishments, not from 120 employees
    np.testing.assert_allclose(shares.std(axis=0)[:, 0], np.sqrt(sample * (1 - sample) / n_est), rtol=0.15)
    # same seed, same draws
    np.testing.assert_array_equal(shares, loss.bootstrap_shares(tree, 4000))
    # the loss: shares times P(not known), over the measures
    got = loss.draws(tree, "information_loss", 0)
    np.testing.assert_allclose(got.mean(), (sample * 0.4).sum() / n_measure, atol=0.005)
    assert got.std() > 0


def test_a_share_every_establishment_agrees_on_has_no_spread():
    est_of_emp = np.arange(20)
    reported = np.ones((20, 2))
    p = np.random.default_rng(2).uniform(0.3, 0.9, size=(500, 2, 2))
    tree = _awareness_tree(p, reported, np.zeros(20, dtype=int), est_of_emp)
    e = estimands.BY_ID["informatieverlies_lg"]
    expected = (1 - p[:, :, 0]).sum(axis=1) / 2
    np.testing.assert_allclose(findings.draws(e, tree), expected)


@pytest.mark.parametrize("quantity", ["nonsense", "p_known_if_reported"])
def test_an_unknown_loss_quantity_is_refused(quantity):
    with pytest.raises(KeyError):
        loss.draws(xr.DataTree(), quantity, 0)
