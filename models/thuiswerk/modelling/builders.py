"""Model builders: pure functions (inputs, priors) -> ``pm.Model``.

No sampling, no I/O, no plotting; inputs are never mutated. Establishment
effects are non-centred (``z * sigma``); sector and size-class effects are
sum-to-zero. Dimension names come from :mod:`thuiswerk.core.dims`.

Families
- ``awareness``: P(employee knows measure | employer reports it or not), by
  measure and role, partially pooled over measures, with establishment
  communication effects.
- ``ordinal``: cumulative-logit over the items of a 1..K scale in long format,
  item-specific cut points, employee and establishment intercepts.
- ``binary``: logit over body regions in long format, region x role intercepts,
  employee effects (correlation within employee) and establishment effects.

Both outcome families share one slope structure (:func:`_linear_part`): adjustment
covariates have one slope ``beta`` for every item and role; each exposure term (an
exposure for one role, :attr:`thuiswerk.modelling.specs.ModelSpec.terms`) has a slope per item,
pooled twice: the roles' mean slopes around the exposure's, the items' slopes around
the role's::

    slope_mean[term] = exposure_mean[k] + role_sd * z_role[term]          (k: the term's exposure)
    slope[item, term] = slope_mean[term] + slope_spread[k] * z_slope[item, term]

(an exposure with a slope for one role only has no role deviation: its mean is the
exposure's), so every finding of the report (an exposure, a role, an aspect or
region, or an average over them) has its own posterior. Both scales are learned,
with priors that keep them away from zero (:data:`thuiswerk.modelling.specs._SLOPE_PRIORS`
says why).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from thuiswerk.core import dims
from thuiswerk.modelling.prepare import ModelInputs
from thuiswerk.modelling.specs import ModelSpec

# Gauss-Hermite nodes for averaging a logistic over a normal establishment effect.
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(20)
_GH_W = _GH_W / _GH_W.sum()


# Name of the observed answers when they are a data container (``build(..., swappable=True)``).
OBSERVED = "y_observed"


def build(spec: ModelSpec, inputs: ModelInputs, swappable: bool = False) -> pm.Model:
    """The model of ``spec`` on ``inputs``.

    ``swappable=True`` holds the observed answers in a data container named
    :data:`OBSERVED`, so that a compiled model can be given other answers of the same
    design without compiling again (the many-fit workflows of :mod:`thuiswerk.studies.many`);
    the model is otherwise the same.
    """
    builder = {"awareness": build_awareness, "ordinal": build_ordinal, "binary": build_binary}[spec.family]
    return builder(inputs, spec.priors, swappable)


def _observed(y: np.ndarray, swappable: bool):
    return pm.Data(OBSERVED, y) if swappable else y


def _intercepts(inputs: ModelInputs, priors: dict[str, float], employee_of_est: np.ndarray) -> pt.TensorVariable:
    """Per-employee intercept: establishment (+ sector + size class) + employee, non-centred.

    With one or two interviewed employees per establishment the two standard
    deviations are barely separable, while their total is well identified (by the
    repeated items per employee). They are therefore parameterised as a total
    ``sigma_total`` and the establishment share of the variance ``rho``:
    ``sigma_establishment = sigma_total * sqrt(rho)``,
    ``sigma_employee = sigma_total * sqrt(1 - rho)``.
    """
    d = inputs.data
    sigma_total = pm.HalfNormal("sigma_total", priors["sigma_total"])
    rho = pm.Beta("rho", priors["rho_alpha"], priors["rho_beta"])
    sigma_est = pm.Deterministic("sigma_establishment", sigma_total * pt.sqrt(rho))
    sigma_emp = pm.Deterministic("sigma_employee", sigma_total * pt.sqrt(1.0 - rho))
    z_est = pm.Normal("z_establishment", 0.0, 1.0, dims=dims.ESTABLISHMENT)
    z_emp = pm.Normal("z_employee", 0.0, 1.0, dims=dims.EMPLOYEE)
    b_sector = pm.ZeroSumNormal("b_sector", sigma=priors["group_sd"], dims=dims.SECTOR)
    b_size = pm.ZeroSumNormal("b_size_class", sigma=priors["group_sd"], dims=dims.SIZE_CLASS)
    est = z_est * sigma_est + b_sector[d["sector_of_est"]] + b_size[d["size_of_est"]]
    return est[employee_of_est] + sigma_emp * z_emp


def build_awareness(inputs: ModelInputs, priors: dict[str, float], swappable: bool = False) -> pm.Model:
    d = inputs.data
    with pm.Model(coords=inputs.coords) as model:
        mu = pm.Normal("mu", 0.0, priors["mu_sd"], dims=(dims.ROLE, dims.REPORTED))
        tau = pm.HalfNormal("tau", priors["tau_sd"], dims=(dims.ROLE, dims.REPORTED))
        z_m = pm.Normal("z_measure", 0.0, 1.0, dims=(dims.MEASURE, dims.ROLE, dims.REPORTED))
        alpha = pm.Deterministic("alpha", mu + tau * z_m, dims=(dims.MEASURE, dims.ROLE, dims.REPORTED))
        person = _intercepts(inputs, priors, d["est_of_emp"])
        sigma = model["sigma_total"]
        logit_p = alpha[d["measure"], d["role"], d["reported"]] + person[d["employee"]]
        pm.Bernoulli("y", logit_p=logit_p, observed=_observed(d["y"], swappable), dims=dims.OBS)
        # Population-averaged P(knows | reported = ja), integrating the establishment and
        # employee effects over their normal distribution (Gauss-Hermite). Sector and
        # size-class effects are sum-to-zero, so this is the average over the groups'
        # (equal-weighted) centre.
        a_rep = alpha[:, :, 1]
        p = (pm.math.invlogit(a_rep[..., None] + sigma * _GH_X) * _GH_W).sum(axis=-1)
        p = pm.Deterministic("p_known_if_reported", p, dims=(dims.MEASURE, dims.ROLE))
        # The seed's information loss: per employee, the expected number of the measures
        # that the employer reports and the employee does not know (weights: the share of
        # employees of the role whose employer reports each measure), divided by the
        # number of measures. Beside it the conditional loss, 1 - P(knows | reported), as
        # a ratio of expected counts.
        share = pt.as_tensor_variable(d["reported_share"])  # (measure, role)
        missed = pm.Deterministic("reported_not_known", (share * (1.0 - p)).sum(axis=0), dims=dims.ROLE)
        loss = pm.Deterministic("information_loss", missed / share.shape[0], dims=dims.ROLE)
        pm.Deterministic("loss_if_reported", missed / share.sum(axis=0), dims=dims.ROLE)
        pm.Deterministic("loss_gap", loss[1] - loss[0])
    return model


def _linear_part(inputs: ModelInputs, priors: dict[str, float], item_dim: str, item: np.ndarray):
    """Per cell: covariates x beta + exposure terms x their item-specific slopes (see module docstring)."""
    d = inputs.data
    emp = d["employee"]
    beta = pm.Normal("beta", 0.0, priors["beta_sd"], dims=dims.PREDICTOR)
    eta = pt.dot(d["X"], beta)[emp]
    if len(inputs.coords[dims.TERM]):
        exposure = d["term_exposure"]
        exposure_mean = pm.Normal("exposure_mean", 0.0, priors["slope_sd"], dims=dims.EXPOSURE)
        role_sd = pm.LogNormal("role_sd", np.log(priors["role_scale"]), priors["role_log_sd"])
        z_role = pm.Normal("z_role", 0.0, 1.0, dims=dims.TERM)
        mean = pm.Deterministic(
            "slope_mean", exposure_mean[exposure] + shared_roles(exposure) * role_sd * z_role, dims=dims.TERM
        )
        spread = pm.LogNormal("slope_spread", np.log(priors["item_scale"]), priors["item_log_sd"], dims=dims.EXPOSURE)
        z = pm.Normal("z_slope", 0.0, 1.0, dims=(item_dim, dims.TERM))
        slope = pm.Deterministic("slope", mean + spread[exposure] * z, dims=(item_dim, dims.TERM))
        eta = eta + (d["Z"][emp] * slope[item]).sum(axis=-1)
    return eta


def shared_roles(term_exposure: np.ndarray) -> np.ndarray:
    """Per term, 1.0 where its exposure has a slope for more than one role (its role deviates), else 0.0."""
    return (np.bincount(term_exposure)[term_exposure] > 1).astype(float)


def build_ordinal(inputs: ModelInputs, priors: dict[str, float], swappable: bool = False) -> pm.Model:
    d = inputs.data
    n_cut = len(inputs.coords[dims.CUT])
    with pm.Model(coords=inputs.coords | {dims.GAP: list(range(1, n_cut))}) as model:
        person = _intercepts(inputs, priors, d["est_of_emp"])
        eta = _linear_part(inputs, priors, dims.ASPECT, d["aspect"]) + person[d["employee"]]
        # Ordered cut points as the first one plus positive gaps: ordered in every prior
        # draw too, so the prior predictive check is meaningful (an ``ordered`` transform
        # is ignored by forward sampling).
        first = pm.Normal("cut_first", priors["cut_first_mu"], priors["cut_first_sd"], dims=dims.ASPECT)
        gaps = pm.LogNormal("cut_gaps", priors["gap_log_mu"], priors["gap_log_sd"], dims=(dims.ASPECT, dims.GAP))
        cutpoints = pm.Deterministic(
            "cutpoints",
            pt.concatenate([first[:, None], first[:, None] + pt.cumsum(gaps, axis=-1)], axis=-1),
            dims=(dims.ASPECT, dims.CUT),
        )
        pm.OrderedLogistic(
            "y",
            eta=eta,
            cutpoints=cutpoints[d["aspect"]],
            compute_p=False,
            observed=_observed(d["y"], swappable),
            dims=dims.OBS,
        )
    return model


def build_binary(inputs: ModelInputs, priors: dict[str, float], swappable: bool = False) -> pm.Model:
    d = inputs.data
    with pm.Model(coords=inputs.coords) as model:
        intercept = pm.Normal(
            "intercept", priors["intercept_mu"], priors["intercept_sd"], dims=(dims.REGION, dims.ROLE)
        )
        person = _intercepts(inputs, priors, d["est_of_emp"])
        linear = _linear_part(inputs, priors, dims.REGION, d["region"])
        logit_p = intercept[d["region"], d["role_of_emp"][d["employee"]]] + linear + person[d["employee"]]
        pm.Bernoulli("y", logit_p=logit_p, observed=_observed(d["y"], swappable), dims=dims.OBS)
    return model


def build_strata(inputs, priors: dict[str, float] | None = None) -> pm.Model:
    """The population model (:mod:`thuiswerk.modelling.strata`, :mod:`thuiswerk.analysis.mrp`): each indicator's probability per stratum.

    Per indicator ``k`` and stratum ``h`` (a sector ``s`` x size class ``g``)::

        successes[k, h] ~ Binomial(trials[k, h], p[k, h])
        logit p[k, h] = logit_mean[k] + b_sector[k, s] + b_size_class[k, g] + sd_cell[k] z_cell[k, h]

    Sector and size-class effects sum to zero with fixed scales; the sector x size
    cells are partially pooled toward them, with a scale of their own per indicator
    (:data:`thuiswerk.modelling.specs.STRATA_PRIORS` says why). A stratum without sample units
    (zero trials) gets its probability from the two main effects: what MRP needs.
    """
    from thuiswerk.modelling.specs import STRATA_PRIORS
    from thuiswerk.modelling.strata import CELL, INDICATOR, SECTOR, SIZE

    pr = STRATA_PRIORS if priors is None else priors
    with pm.Model(coords=inputs.coords) as model:
        mean = pm.Normal("logit_mean", 0.0, pr["alpha_sd"], dims=INDICATOR)
        b_sector = pm.ZeroSumNormal("b_sector", sigma=pr["sector_sd"], dims=(INDICATOR, SECTOR))
        b_size = pm.ZeroSumNormal("b_size_class", sigma=pr["size_sd"], dims=(INDICATOR, SIZE))
        sd_cell = pm.HalfNormal("sd_cell", pr["sd_cell"], dims=INDICATOR)
        z_cell = pm.Normal("z_cell", 0.0, 1.0, dims=(INDICATOR, CELL))
        eta = (
            mean[:, None]
            + b_sector[:, inputs.sector_of_cell]
            + b_size[:, inputs.size_of_cell]
            + sd_cell[:, None] * z_cell
        )
        pm.Deterministic("p", pm.math.sigmoid(eta), dims=(INDICATOR, CELL))
        pm.Binomial("y", n=inputs.trials, logit_p=eta, observed=inputs.successes, dims=(INDICATOR, CELL))
    return model
