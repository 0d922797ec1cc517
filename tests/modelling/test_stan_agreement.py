"""Slow tier: Stan and PyMC agree on every model's posterior means within Monte Carlo error.

Run with ``pytest -m slow -s tests/modelling/test_stan_agreement.py`` (needs the bench
extra: PyStan compiles each family's program with the system g++ on first use).
The ``.stan`` programs in ``thuiswerk/modelling/stan/`` are written independently of the
PyMC builders; if both samplers give the same posterior, the PyMC model is the
model we think it is (priors, likelihood, indexing, sum-to-zero effects).

For each model the default survey is sampled by nutpie and by Stan with
4 chains x 1000 + 1000 draws and the same seed. For every element of every free
parameter (plus Stan's and PyMC's derived ``alpha``/``cutpoints``/``slope`` where
the model has them), z = (mean_pymc - mean_stan) / sqrt(mcse_pymc^2 + mcse_stan^2) is about
standard normal when both are right. The test asserts |z| below the two-sided
Bonferroni bound at 1% over all elements of the model (about 3.9 for a few hundred
elements), and prints the largest |z| per model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from thuiswerk.data.survey import load_survey
from thuiswerk.modelling import builders, specs, stanref
from thuiswerk.modelling.fit import SamplerSettings, child_seeds, sample_posterior
from thuiswerk.modelling.workflow import DEFAULT_SEED, inputs_for

pytestmark = pytest.mark.slow
pytest.importorskip("stan", reason='PyStan is not installed: pip install -e ".[bench]"')

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "synthetic"
DERIVED = {"awareness": ["alpha"], "ordinal": ["cutpoints", "slope"], "binary": ["slope"]}


@pytest.mark.parametrize("name", list(specs.SPECS))
def test_stan_and_pymc_posterior_means_agree(name):
    spec = specs.get(name)
    inputs = inputs_for(spec, load_survey(DEFAULT_DATA))
    model = builders.build(spec, inputs)
    seed = child_seeds(DEFAULT_SEED)[1]
    settings = SamplerSettings(chains=4, tune=1000, draws=1000)
    pymc_tree, _ = sample_posterior(model, settings, seed)
    stan_tree, _ = stanref.sample(spec, inputs, chains=4, tune=1000, draws=1000, seed=seed, model=model)
    # `slope` exists only in a model with exposure terms
    var_names = [rv.name for rv in model.free_RVs] + [v for v in DERIVED[spec.family] if v in model.named_vars]
    table = stanref.agreement(pymc_tree, stan_tree, var_names)
    bound = stanref.critical_z(len(table))
    worst = table.loc[table["z"].abs().idxmax()]
    print(
        f"\n{name}: {len(table)} elements, max |z| = {abs(worst['z']):.2f} at {worst.name} "
        f"(bound {bound:.2f}); pymc {worst['mean_a']:.3f} vs stan {worst['mean_b']:.3f}"
    )
    assert int(stan_tree["sample_stats"]["diverging"].sum()) == 0
    outside = table[table["z"].abs() > bound]
    assert outside.empty, outside.to_string()
