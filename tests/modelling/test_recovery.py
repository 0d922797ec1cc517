"""Slow tier: parameter recovery on synthetic data with planted, role- and aspect-specific truth.

Run with ``pytest -m slow -s tests/modelling/test_recovery.py``. For each N the knowledge models
(awareness, workload, isolation, complaints) and the joint models (employer's report and
employee's knowledge together) are sampled (4 chains x 500 draws) on
``simulate(N, DEFAULT_SEED)``, and two sets of quantities are compared with
their known true values and 90% equal-tailed posterior intervals:

- every row of the findings table whose truth is known (:mod:`thuiswerk.analysis.findings`: the
  estimands the report states, e.g. knowing working-hours agreements and managers'
  work-home interference, home-office share and managers' KANS complaints, the
  information loss in the seed's definition), and
- every element of every model's ``slope[item, term]`` (each exposure per aspect or
  region and role).

What is asserted, and why not "every truth inside its interval": a 90% interval misses
its truth one time in ten by design, so across the ~150 quantities a handful of misses
is expected even for a perfect model. The test asserts (1) coverage consistent with 90%:
at least 80% of the truths inside their intervals, (2) at every N each planted slope of an
item that stands out (0.6 or more) inside its interval, and (3) at N=2,060 every finding with
a planted effect of at least 0.25 on the logit scale has a posterior mean of the right
sign, and at least 90% of them an interval that excludes zero. Not all: a complaint
effect of 0.35-0.5 logit has a standard error of about 0.2 even at N=2,060 (0/1 items,
an employee SD near 1.7), so each such interval excludes zero with a probability well
below one; the first run of this test (4 x 500 draws) had 17 of 18 excluding zero, the
18th (separate workspace and managers' back complaints, truth -0.5) had -0.62 to 0.06.
The tables are printed (``-s``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from thuiswerk.analysis import estimands, findings
from thuiswerk.core import codebook
from thuiswerk.data import simulate
from thuiswerk.data.survey import Survey
from thuiswerk.modelling import builders, specs
from thuiswerk.modelling.fit import SamplerSettings, constant_data, sample_posterior
from thuiswerk.modelling.workflow import DEFAULT_SEED, inputs_for

pytestmark = pytest.mark.slow

PROB = 0.90
MODELS = ("awareness", "workload", "isolation", "complaints", "workload_joint", "isolation_joint", "complaints_joint")
# The posterior is all recovery needs (no predictive draws or log-likelihoods); 4 x 500
# draws after 500 tuning steps (2,000 draws: Monte Carlo error of a 5%/95% quantile is
# small against the interval's width).
SETTINGS = SamplerSettings(tune=500, draws=500)
# model predictor -> generator predictor (generator.SLOPES); absent: planted effect zero
GENERATOR_NAME = {
    "knows_working_hours": "knows_working_hours_agreements",
    "knows_social_moments": "knows_social_moments",
    "knows_conversations": "knows_conversations",
    "leading_difficulty": "leading_remotely_difficulty",
    "home_share": "home_share",
    "separate_workspace": "separate_workspace",
    "exhaustion": "exhaustion",
}


def true_slope(truth: dict, model: str, exposure: str, role: str, item: str) -> float:
    block = truth["slopes"][model]
    return float(block.get(GENERATOR_NAME.get(exposure, ""), {}).get(role, {}).get(item, 0.0))


def true_finding(e: estimands.Estimand, truth: dict, survey: Survey) -> float | None:
    """The true value of one estimand, or None where the generator does not fix it.

    The employer-report models estimate a marginal association that the generator
    produces only indirectly (through knowledge), so they have no simple truth here.
    """
    if e.kind == "marginal":  # a change in a share: depends on every parameter of the model, not one planted slope
        return None
    if e.kind == "contrast":  # the first slope's truth minus the second's
        first, second = (true_finding(estimands.BY_ID[i], truth, survey) for i in e.parts)
        return None if first is None or second is None else first - second
    if e.kind == "slope":
        block = specs.get(e.model).joint_of or e.model
        if block not in ("workload", "isolation", "complaints"):
            return None
        items = estimands.OUTCOME_ITEMS.get(e.outcome, (e.outcome,))
        # in a joint model, knows + knows_x_employer is the effect of knowing where the employer
        # reports the measure (the planted knowledge slope), the employer's report alone has none
        exposure = e.exposure.split("+")[0]
        return float(
            np.mean([true_slope(truth, block, exposure, r, i) for r in estimands.ROLE_CODES[e.role] for i in items])
        )
    # information loss: the sample's report shares (the model conditions on them) times
    # the true population-averaged P(not known | reported)
    from thuiswerk.modelling import prepare

    inputs = prepare.awareness_inputs(survey.establishments, survey.employees)
    share = inputs.data["reported_share"]  # (measure, role)
    measures = inputs.coords["measure"]
    loss = truth["knowledge"]["information_loss"]
    p_not = np.array([[loss[r]["p_not_known_given_reported"][m] for r in codebook.ROLES] for m in measures])
    missed = (share * p_not).sum(axis=0)
    by_role = dict(zip(("manager", "non_manager"), range(2)))
    if e.exposure == "loss_gap":
        return float((missed[1] - missed[0]) / len(measures))
    if e.exposure in ("information_loss", "reported_not_known", "loss_if_reported"):
        k = by_role[e.role]
        return float(
            {
                "information_loss": missed[k] / len(measures),
                "reported_not_known": missed[k],
                "loss_if_reported": missed[k] / share[:, k].sum(),
            }[e.exposure]
        )
    return float(p_not[measures.index(e.exposure), by_role[e.role]])


def recover(n: int) -> pd.DataFrame:
    synthetic = simulate.simulate(n_establishments=n, seed=simulate.SURVEY_SEED)
    survey = Survey(establishments=synthetic.establishments, employees=synthetic.employees)
    trees = {}
    for model in MODELS:
        spec = specs.get(model)
        inputs = inputs_for(spec, survey)
        trees[model], _ = sample_posterior(builders.build(spec, inputs), SETTINGS, DEFAULT_SEED)
        trees[model]["constant_data"] = xr.DataTree(constant_data(inputs))  # the design the marginal effects average
    rows = []
    table = findings.compute(trees)
    for e in estimands.ESTIMANDS:
        if e.model not in trees:
            continue
        true = true_finding(e, synthetic.truth, survey)
        if true is None:
            continue
        row = table.loc[e.id]
        rows.append(
            {
                "n": n,
                "model": e.model,
                "quantity": e.id,
                "truth": true,
                "mean": row["mean"],
                "lo": row["q05"],
                "hi": row["q95"],
                "finding": True,
            }
        )
    for model in ("workload", "isolation", "complaints"):  # every slope of the knowledge models
        slope = trees[model]["posterior"]["slope"]
        item_dim = [d for d in slope.dims if d not in ("chain", "draw", "term")][0]
        for term, exposure, role in specs.get(model).terms:
            for item in slope.coords[item_dim].values:
                draws = slope.sel({item_dim: item, "term": term}).to_numpy().ravel()
                lo, hi = np.quantile(draws, [(1 - PROB) / 2, (1 + PROB) / 2])
                rows.append(
                    {
                        "n": n,
                        "model": model,
                        "quantity": f"slope/{item}/{term}",
                        "truth": true_slope(synthetic.truth, model, exposure, role, str(item)),
                        "mean": float(draws.mean()),
                        "lo": float(lo),
                        "hi": float(hi),
                        "finding": False,
                    }
                )
    frame = pd.DataFrame(rows)
    frame["inside"] = (frame["lo"] <= frame["truth"]) & (frame["truth"] <= frame["hi"])
    print(
        f"\nRecovery at N={n}: coverage {frame['inside'].mean():.2f} of {len(frame)} "
        f"(findings {frame.loc[frame['finding'], 'inside'].mean():.2f} of {int(frame['finding'].sum())})"
    )
    print(frame.groupby(["model", "finding"])["inside"].agg(["mean", "size"]).to_string())
    print(frame[~frame["inside"]].to_string())
    return frame


@pytest.mark.parametrize("n", [206, 2060])
def test_planted_truth_is_recovered(n):
    frame = recover(n)
    assert frame["inside"].mean() >= 0.80, frame[~frame["inside"]].to_string()
    # an item that stands out is not pooled away: every planted item-specific slope of 0.6 or more (working-hours
    # agreements and managers' work-home interference, -0.80; conversations and non-managers' company isolation,
    # -0.60; ...) lies inside its interval, at N = 206 too (with half-normal spreads -0.80 came back as -0.26,
    # 90% -0.68 to 0.12: README "What the item pooling does")
    strong = frame[~frame["finding"] & (frame["truth"].abs() >= 0.6)]
    assert len(strong) >= 5 and strong["inside"].all(), strong.to_string()
    if n >= 2000:
        planted = frame[frame["finding"] & (frame["truth"].abs() >= 0.25) & (frame["model"] != "awareness")]
        assert len(planted) >= 8
        assert (np.sign(planted["mean"]) == np.sign(planted["truth"])).all(), planted.to_string()
        excludes = ((planted["lo"] > 0) & (planted["truth"] > 0)) | ((planted["hi"] < 0) & (planted["truth"] < 0))
        assert excludes.mean() >= 0.90, planted[~excludes].to_string()
