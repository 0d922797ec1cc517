"""The employee-marginal log-likelihood against brute-force integration."""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import integrate
from scipy.special import expit

from thuiswerk.modelling.loglik import employee_marginal_loglik, establishment_marginal_loglik, thinned


def posterior(**arrays) -> xr.Dataset:
    data_vars = {}
    for name, value in arrays.items():
        value = np.asarray(value, dtype=float)
        extra = [f"{name}_dim{i}" for i in range(value.ndim)]
        data_vars[name] = (("chain", "draw", *extra), value[None, None])
    return xr.Dataset(data_vars)


def base(sigma_emp: float) -> dict:
    return dict(
        sigma_establishment=0.5,
        z_establishment=[0.4],
        b_sector=[0.1, -0.1],
        b_size_class=[0.0, 0.0, 0.0],
        sigma_employee=sigma_emp,
    )


DATA_EST = {"sector_of_est": np.array([0]), "size_of_est": np.array([1]), "est_of_emp": np.array([0, 0])}


def brute(cell_probability, sigma: float) -> float:
    value, _ = integrate.quad(lambda z: cell_probability(sigma * z) * np.exp(-z * z / 2) / np.sqrt(2 * np.pi), -12, 12)
    return float(np.log(value))


def test_binary_matches_numerical_integral():
    # the predictor enters as an exposure term (slope per region), no covariates
    post = posterior(**base(1.3), intercept=[[-1.0, -0.5]], beta=np.zeros(0), slope=[[0.7]])
    data = DATA_EST | {
        "y": np.array([1, 0, 1]),
        "employee": np.array([0, 0, 1]),
        "region": np.array([0, 0, 0]),
        "role_of_emp": np.array([0, 1]),
        "X": np.zeros((2, 0)),
        "Z": np.array([[1.0], [-2.0]]),
    }
    got = employee_marginal_loglik(post, "binary", data, n_employees=2, n_nodes=40)[0, 0]
    est = 0.5 * 0.4 + 0.1
    eta0 = -1.0 + 0.7 + est
    eta1 = -0.5 - 1.4 + est
    want0 = brute(lambda u: expit(eta0 + u) * (1 - expit(eta0 + u)), 1.3)
    want1 = brute(lambda u: expit(eta1 + u), 1.3)
    np.testing.assert_allclose(got, [want0, want1], rtol=1e-6)


def test_ordinal_matches_numerical_integral_and_reduces_to_conditional_without_spread():
    cuts = [[-1.0, 0.0, 1.5]]
    data = DATA_EST | {
        "y": np.array([0, 3, 2]),
        "employee": np.array([0, 0, 1]),
        "aspect": np.array([0, 0, 0]),
        "X": np.array([[0.5], [0.0]]),
        "Z": np.zeros((2, 0)),
    }
    est = 0.5 * 0.4 + 0.1

    def p(k, eta):
        c = [-np.inf, *cuts[0], np.inf]
        return expit(c[k + 1] - eta) - expit(c[k] - eta)

    post = posterior(**base(0.9), beta=[0.8], cutpoints=cuts)
    got = employee_marginal_loglik(post, "ordinal", data, n_employees=2, n_nodes=40)[0, 0]
    eta0, eta1 = 0.4 + est, est
    want0 = brute(lambda u: p(0, eta0 + u) * p(3, eta0 + u), 0.9)
    want1 = brute(lambda u: p(2, eta1 + u), 0.9)
    np.testing.assert_allclose(got, [want0, want1], rtol=1e-6)
    tight = posterior(**base(1e-9), beta=[0.8], cutpoints=cuts)
    got = employee_marginal_loglik(tight, "ordinal", data, n_employees=2)[0, 0]
    np.testing.assert_allclose(got, [np.log(p(0, eta0) * p(3, eta0)), np.log(p(2, eta1))], rtol=1e-9)


def test_cells_in_any_order_give_the_same_employee_loglik():
    """Cells need not arrive grouped by employee: a permutation changes nothing."""
    post = posterior(**base(1.3), intercept=[[-1.0, -0.5]], beta=[0.7])
    data = DATA_EST | {
        "y": np.array([1, 0, 1, 1]),
        "employee": np.array([0, 1, 0, 1]),  # interleaved
        "region": np.array([0, 0, 0, 0]),
        "role_of_emp": np.array([0, 1]),
        "X": np.array([[1.0], [-2.0]]),
        "Z": np.zeros((2, 0)),
    }
    order = np.argsort(data["employee"], kind="stable")
    grouped = data | {k: data[k][order] for k in ("y", "employee", "region")}
    np.testing.assert_array_equal(
        employee_marginal_loglik(post, "binary", data, n_employees=2),
        employee_marginal_loglik(post, "binary", grouped, n_employees=2),
    )


# two employees of one establishment: the first with cells in regions 0 and 1, the second in region 0
TWO_EMPLOYEES = DATA_EST | {
    "y": np.array([1, 0, 1]),
    "employee": np.array([0, 0, 1]),
    "region": np.array([0, 1, 0]),
    "role_of_emp": np.array([0, 1]),
    "X": np.array([[1.0], [-2.0]]),
    "Z": np.zeros((2, 0)),
}


def test_establishment_loglik_integrates_both_effects():
    """Two employees of one establishment share its effect: a 2-D integral by brute force."""
    sigma_est, sigma_emp = 0.6, 1.1
    post = posterior(**(base(sigma_emp) | {"sigma_establishment": sigma_est}), intercept=[[-1.0, -0.5]] * 2, beta=[0.7])
    data = TWO_EMPLOYEES
    got, establishments = establishment_marginal_loglik(post, "binary", data, n_nodes=40, n_establishment_nodes=40)
    assert establishments.tolist() == [0] and got.shape == (1, 1, 1)
    fixed = 0.1  # sector effect; the establishment's z is integrated, not used
    eta0, eta1 = -1.0 + 0.7 + fixed, -0.5 - 1.4 + fixed

    def phi(x):
        return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

    def employee(u, cells):
        return integrate.quad(lambda e: np.prod([c(sigma_est * u + sigma_emp * e) for c in cells]) * phi(e), -12, 12)[0]

    def establishment(u):
        first = employee(u, [lambda s: expit(eta0 + s), lambda s: 1 - expit(eta0 + s)])
        second = employee(u, [lambda s: expit(eta1 + s)])
        return first * second * phi(u)

    want = np.log(integrate.quad(establishment, -10, 10)[0])
    np.testing.assert_allclose(got[0, 0, 0], want, rtol=1e-6)


def test_establishment_loglik_without_spread_is_the_sum_of_employee_logliks():
    post = posterior(**(base(0.9) | {"sigma_establishment": 1e-9}), intercept=[[-1.0, -0.5]] * 2, beta=[0.7])
    data = TWO_EMPLOYEES
    post["z_establishment"] = post["z_establishment"] * 0  # the conditional employee likelihood at u = 0
    per_employee = employee_marginal_loglik(post, "binary", data, n_employees=2)
    per_establishment, _ = establishment_marginal_loglik(post, "binary", data)
    np.testing.assert_allclose(per_establishment[0, 0, 0], per_employee[0, 0].sum(), rtol=1e-9)


def test_thinning_keeps_chains_and_spreads_the_draws():
    post = xr.Dataset(
        {"a": (("chain", "draw"), np.arange(4 * 2000).reshape(4, 2000))}, coords={"draw": np.arange(2000)}
    )
    small = thinned(post, 1000)
    assert dict(small.sizes) == {"chain": 4, "draw": 250}
    assert small["draw"].values[0] == 0 and small["draw"].values[-1] == 1999
    assert thinned(post, 10**6).sizes["draw"] == 2000
