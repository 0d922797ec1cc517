"""Non-response sensitivity (chapter 4, appendix A): the reweighting is right on a model with a
known answer, the weights mean what they say, and on the default fits every clear finding is checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from thuiswerk.analysis import sensitivity, wording
from thuiswerk.core import nl
from thuiswerk.data import simulate
from thuiswerk.modelling import store


def _normal_mean_tree(y: np.ndarray, n_draws: int = 4000, seed: int = 0) -> xr.DataTree:
    """Posterior of a normal mean (sd 1, flat prior) and each observation's log-likelihood, as a fit stores them."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(y.mean(), 1 / np.sqrt(len(y)), size=(2, n_draws // 2))
    loglik = -0.5 * (theta[..., None] - y[None, None, :]) ** 2
    ids = [f"W{i:03d}" for i in range(len(y))]
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"theta": (("chain", "draw"), theta)}),
            store.LOGLIK_GROUP: xr.Dataset(
                {store.EMPLOYEE_LOGLIK: (("chain", "draw", "employee"), loglik)}, coords={"employee": ids}
            ),
        }
    )


def test_reweighting_gives_the_weighted_posterior_of_a_normal_mean():
    rng = np.random.default_rng(1)
    y = rng.normal(0.0, 1.0, size=200)
    tree = _normal_mean_tree(y)
    weights = np.where(y > 0, 1.1, 0.9)
    weights = weights / weights.mean()
    log_weights, k = sensitivity.reweight(tree, weights)
    theta = tree["posterior"]["theta"].stack(sample=("chain", "draw")).to_numpy()
    assert k < sensitivity.K_MAX
    assert np.exp(log_weights).sum() == pytest.approx(1.0)
    # the weighted-likelihood posterior of a normal mean is centred at the weighted mean of y
    assert np.exp(log_weights) @ theta == pytest.approx(np.average(y, weights=weights), abs=0.01)
    assert abs(np.average(y, weights=weights) - y.mean()) > 0.05  # the weights move it by more than that
    unchanged, k0 = sensitivity.reweight(tree, np.ones_like(y))
    assert np.allclose(np.exp(unchanged), 1 / theta.size) and k0 < 0.1


def test_tilt_weights_follow_the_direction_of_the_selection():
    score = np.linspace(-2, 2, 101)
    for gamma in (0.5, -0.5):
        w = sensitivity.tilt_weights(score, gamma, response_rate=0.8)
        assert w.mean() == pytest.approx(1.0)
        # gamma > 0: high scorers responded more often, so each one stands for fewer: lower weight
        assert np.all(np.diff(w) < 0) if gamma > 0 else np.all(np.diff(w) > 0)
    assert np.allclose(sensitivity.tilt_weights(score, 0.0, 0.8), 1.0)


def test_response_propensity_finds_who_responds_and_leaves_incomplete_characteristics_out():
    employees = simulate.simulate(n_establishments=300, seed=8).employees.copy()
    employees["questionnaire_completed"] = (employees["home_share"] < employees["home_share"].median()).astype(int)
    employees.loc[employees.index[:5], "age"] = np.nan
    p, used = sensitivity.response_propensity(employees)
    assert "age" not in used and "home_share" in used
    high = employees["home_share"] >= employees["home_share"].median()
    assert p[employees.loc[high, "employee_id"]].mean() < 0.3 < 0.7 < p[employees.loc[~high, "employee_id"]].mean()
    ids = employees.loc[~high, "employee_id"]
    w = sensitivity.ipw_weights(p, ids)
    assert w.mean() == pytest.approx(1.0) and len(w) == len(ids)


def test_every_clear_finding_of_the_default_fits_is_checked(default_fits, monkeypatch):
    from thuiswerk.reporting.context import load_context

    monkeypatch.setenv("THUISWERK_FITS", str(default_fits))
    ctx = load_context()
    table = ctx.findings
    sens = sensitivity.compute(ctx.fits, table, ctx.employees)
    clear = table[(table["wording"] == nl.EVIDENCE_CLEAR) & (table["model"] != "awareness")]
    assert list(sens["id"]) == list(clear["id"]) and len(sens) > 0
    assert (sens["p_main"] >= nl.EVIDENCE_CLEAR_THRESHOLD).all()
    shown = sens["p_ipw"].dropna()
    assert shown.between(0, 1).all() and (sens.loc[shown.index, "k_ipw"] <= sensitivity.K_MAX).all()
    assert (sens["reach"] >= 0).all()
    tipped = sens["tip_gamma"].dropna()
    assert tipped.abs().isin(sensitivity.GAMMAS).all()
    pd.testing.assert_frame_equal(sens, sensitivity.compute(ctx.fits, table, ctx.employees))  # no randomness
    # the command prints the same table (issue 28: every number the report states, a command prints)
    from io import StringIO

    from typer.testing import CliRunner

    from thuiswerk.cli import app

    result = CliRunner().invoke(app, ["findings", "--nonresponse", "--format", "csv", "--fits", str(default_fits)])
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(StringIO(result.stdout))
    pd.testing.assert_frame_equal(printed, sens, check_dtype=False)
    text = sensitivity.sentence(sens)
    assert nl.count_words(len(sens)) in text or "alle" in text
    nl_table = sensitivity.table_nl(sens)
    # every row shown, a slope row described as the findings table describes it (marginal rows have their own table)
    from thuiswerk.analysis import estimands

    slope = [estimands.BY_ID[i].kind != "marginal" for i in sens["id"]]
    assert len(nl_table) == len(sens) and list(nl_table.loc[slope, "Verband"]) == list(
        wording.table_nl(table, list(sens.loc[slope, "id"]))["Verband"]
    )


@pytest.mark.parametrize(
    ("finding", "says", "outcome"),
    [
        ("isolatie_kennis_min_melding_sociale_momenten", "Dat het verband tussen ingeplande momenten", "isolatie"),
        ("rug_aparte_werkruimte_lg_aandeel", "(in procentpunten) is niet meer duidelijk", "rugklachten"),
        ("rug_aparte_werkruimte_lg", "Het verband van een aparte werkruimte met rugklachten is", "rugklachten"),
    ],
)
def test_the_tipping_sentence_reads_for_every_kind_of_finding(finding, says, outcome):
    sens = pd.DataFrame(
        [{"id": finding, "model": "m", "p_main": 0.98, "p_ipw": 0.98, "k_ipw": 0.1, "tip_gamma": -0.3, "reach": 1.0}]
    )
    text = sensitivity.sentence(sens)
    assert says in text and f"met minder {outcome} de vragenlijst" in text
    assert "met minder sterker" not in text and "met minder het aandeel" not in text
    shown = sensitivity.table_nl(sens)
    assert not shown["Uitkomst"].iloc[0].startswith(("minder sterker", "minder het"))
