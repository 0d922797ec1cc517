"""Shared fixtures: a small valid survey built in code from the codebook."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thuiswerk.core import codebook
from thuiswerk.data.schema import DTYPES
from thuiswerk.data.violations import Violation

REPO_ROOT = Path(__file__).resolve().parents[1]


def make_valid_tables(
    n_establishments: int = 6, employees_per_establishment: int = 2, seed: int = 2022
) -> dict[str, pd.DataFrame]:
    """Valid rows for every codebook variable, in codebook dtypes.

    Both branches of every ``applies_when`` occur (managers and non-managers,
    completers and non-completers, investigated and not investigated), and a
    few questionnaire items are left empty (item non-response, which the
    codebook allows).
    """
    cb = codebook.load()
    rng = np.random.default_rng(seed)
    n_est = n_establishments
    est_ids = [f"V{i:03d}" for i in range(1, n_est + 1)]
    n_emp = n_est * employees_per_establishment
    fixed = {
        "establishments": {
            "establishment_id": est_ids,
            "obstacles_investigated": [1 - i % 2 for i in range(n_est)],
        },
        "employees": {
            "employee_id": [f"W{i:04d}" for i in range(1, n_emp + 1)],
            "establishment_id": [e for e in est_ids for _ in range(employees_per_establishment)],
            "role": [
                "leidinggevende" if i % employees_per_establishment == 0 else "niet_leidinggevende"
                for i in range(n_emp)
            ],
            "questionnaire_completed": [0 if i % 3 == 2 else 1 for i in range(n_emp)],
        },
    }
    tables = {}
    for table, n in (("establishments", n_est), ("employees", n_emp)):
        columns: dict[str, list] = {}
        for var in cb.table(table):
            if var.name in fixed[table]:
                columns[var.name] = list(fixed[table][var.name])
            elif var.codes:
                columns[var.name] = [var.codes[k] for k in rng.integers(0, len(var.codes), n)]
            elif var.type == "integer":
                lo, hi = var.range
                columns[var.name] = [int(x) for x in rng.integers(int(lo), int(min(hi, lo + 200)) + 1, n)]
            elif var.type == "float":
                lo, hi = var.range
                columns[var.name] = [round(float(x), 1) for x in rng.uniform(lo, hi, n)]
            else:
                raise AssertionError(f"no generator for {var.name} ({var.type})")
        frame = pd.DataFrame(columns)
        for var in cb.table(table):
            for col, wanted in var.applies_when.items():
                frame[var.name] = frame[var.name].where(frame[col] == wanted, None)
        tables[table] = frame
    # codebook constraints between columns
    est = tables["establishments"]
    est["n_screen_risk"] = [int(rng.integers(0, n + 1)) for n in est["n_employees"]]
    est["n_workload_risk"] = [int(rng.integers(0, n + 1)) for n in est["n_employees"]]
    est["rie_present"] = [i % 3 != 0 for i in range(n_est)]
    est["rie_present"] = est["rie_present"].astype(int)
    est["rie_homeworking"] = ["geen_rie" if p == 0 else "beide_risicos" for p in est["rie_present"]]
    named = [
        "obstacle_no_insight",
        "obstacle_employee_responsibility",
        "obstacle_lack_knowledge",
        "obstacle_unclear_obligations",
    ]
    est["obstacle_none"] = (est[named].sum(axis=1) == 0).astype(int)
    # item non-response: the first completer skips two questionnaire items
    emp = tables["employees"]
    completer = emp.index[emp["questionnaire_completed"] == 1][0]
    optional = [v.name for v in cb.table("employees") if v.missing and "questionnaire_completed" in v.applies_when]
    for name in optional[:2]:
        emp.loc[completer, name] = None
    for table, frame in tables.items():
        for var in cb.table(table):
            frame[var.name] = frame[var.name].astype(DTYPES[var.type])
    return tables


def write_csv(tables: dict[str, pd.DataFrame], directory: Path) -> Path:
    """Write the tables as the codebook's CSV files (plain pandas, not write_survey)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(directory / f"{name}.csv", index=False, na_rep="")
    return directory


def find(violations: list[Violation], file: str, row: int | None, column: str | None, *fragments: str) -> list[str]:
    """Messages mentioning file, row and column (and every fragment); asserts there is one."""
    wanted = [file]
    if row is not None:
        wanted.append(f"row {row}")
    if column is not None:
        wanted.append(f"column {column}")
    wanted += fragments
    messages = [str(v) for v in violations]
    hits = [m for m in messages if all(w in m for w in wanted)]
    assert hits, f"no violation with {wanted}; got:\n" + "\n".join(messages)
    return hits


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return make_valid_tables()


@pytest.fixture
def csv_dir(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    return write_csv(tables, tmp_path / "survey")


@pytest.fixture(scope="session")
def default_fits(tmp_path_factory) -> Path:
    """Every default fit of the default synthetic survey; tests never write into the repository's data/.

    After `thuiswerk run` (the README's main command, run in CI before the
    tests) the fits in data/fits are current and only read. Otherwise the
    models are fitted into a temporary folder for this test session (several
    minutes on 2 cores), leaving data/fits as it was.
    """
    from thuiswerk.modelling import store, workflow
    from thuiswerk.modelling.fit import STRATA_SETTINGS, SamplerSettings

    survey = workflow.load_valid_survey(REPO_ROOT / "data" / "synthetic")
    selected = workflow.resolve_specs(["all"])
    fits_dir = REPO_ROOT / "data" / "fits"
    try:
        for spec in selected:
            workflow.ensure_current(spec, survey, fits_dir, workflow.DEFAULT_SEED)
        workflow.load_population(survey, fits_dir, workflow.DEFAULT_SEED)  # the synthetic survey has a frame
        return fits_dir
    except (store.StaleFitError, store.BrokenFitError):
        fits_dir = tmp_path_factory.mktemp("default_fits")
    for spec in selected:
        workflow.fit_model(spec, survey, fits_dir, SamplerSettings(), workflow.DEFAULT_SEED, progress=False)
    workflow.fit_population(survey, fits_dir, STRATA_SETTINGS, workflow.DEFAULT_SEED, progress=False)
    return fits_dir


# ------------------------------------------------------------------ test tiers (README "Tests")

#: A fixture that puts a test in a tier: whoever asks for it, directly or through another fixture, is marked.
TIER_OF_FIXTURE = {"default_fits": "fits", "book": "render"}
#: The tiers in which PyMC samples for real; a run that selects none of them gets the mock sampler.
REAL_SAMPLING = ("sampling", "fits", "dask", "render", "slow")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by the fixtures it needs (before -m selects), so that no marker is forgotten."""
    for item in items:
        for fixture, tier in TIER_OF_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(tier)


def mock_sample(**kwargs):
    """``pm.sample`` in the default tier: prior draws as the posterior (``pymc.testing.mock_sample``), with
    the sampler statistics the package reads (no divergences, a plausible energy) and every chain distinct
    (the mock copies chain 0, which would hide a mistake in how chains are combined)."""
    from pymc.testing import mock_sample as prior_as_posterior

    chains = int(kwargs.get("chains") or 1)
    seed = kwargs.get("random_seed")
    seeds = [None if seed is None else int(seed) + c for c in range(chains)]
    parts = []
    for chain_seed in seeds:
        rng = np.random.default_rng(chain_seed)
        stats = {
            "diverging": lambda size: np.zeros(size, dtype=bool),
            "energy": lambda size, rng=rng: rng.normal(0.0, 1.0, size),
            "tree_depth": lambda size: np.full(size, 3),
            "n_steps": lambda size: np.full(size, 7.0),
            "step_size": lambda size: np.full(size, 0.5),
        }
        tree = prior_as_posterior(
            draws=kwargs.get("draws", 10),
            model=kwargs.get("model"),
            random_seed=chain_seed,
            chains=1,
            sample_stats=stats,
        )
        parts.append(tree)
    import xarray as xr

    out = parts[0]
    for group in ("posterior", "sample_stats"):
        joined = xr.concat([p[group].to_dataset() for p in parts], dim="chain").assign_coords(chain=range(chains))
        out[group] = joined
    out["sample_stats"].attrs["sampling_time"] = 0.0
    return out


def pytest_collection_finish(session: pytest.Session) -> None:
    """Without a real-sampling tier among the selected tests, ``pm.sample`` is the mock for the whole run,
    and PyTensor compiles in its FAST_COMPILE mode (Python implementations, no Numba code generation): the
    graphs of the default tier are evaluated a few times on small data, where compiling dominated (measured on
    an empty compile cache: the logp and prior-check tests 102 s with Numba, 16 s in FAST_COMPILE)."""
    if session.items and not any(item.get_closest_marker(t) for item in session.items for t in REAL_SAMPLING):
        import pymc as pm
        import pytensor

        session.config.stash[_REAL_SAMPLE] = (pm.sample, pytensor.config.mode)
        pm.sample = mock_sample
        pytensor.config.mode = "FAST_COMPILE"


_REAL_SAMPLE = pytest.StashKey[object]()


def pytest_unconfigure(config: pytest.Config) -> None:
    real = config.stash.get(_REAL_SAMPLE, None)
    if real is not None:
        import pymc as pm
        import pytensor

        pm.sample, pytensor.config.mode = real
