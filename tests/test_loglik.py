"""The employee-marginal log-likelihood against brute-force integration."""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy import integrate
from scipy.special import expit

from thuiswerk.loglik import employee_marginal_loglik


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
    post = posterior(**base(1.3), intercept=[[-1.0, -0.5]], beta=[[0.7]])
    data = DATA_EST | {
        "y": np.array([1, 0, 1]),
        "employee": np.array([0, 0, 1]),
        "region": np.array([0, 0, 0]),
        "role_of_emp": np.array([0, 1]),
        "X": np.array([[1.0], [-2.0]]),
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
    post = posterior(**base(1.3), intercept=[[-1.0, -0.5]], beta=[[0.7]])
    data = DATA_EST | {
        "y": np.array([1, 0, 1, 1]),
        "employee": np.array([0, 1, 0, 1]),  # interleaved
        "region": np.array([0, 0, 0, 0]),
        "role_of_emp": np.array([0, 1]),
        "X": np.array([[1.0], [-2.0]]),
    }
    order = np.argsort(data["employee"], kind="stable")
    grouped = data | {k: data[k][order] for k in ("y", "employee", "region")}
    np.testing.assert_array_equal(
        employee_marginal_loglik(post, "binary", data, n_employees=2),
        employee_marginal_loglik(post, "binary", grouped, n_employees=2),
    )
