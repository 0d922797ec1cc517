"""The fit store: atomic writes, provenance, staleness and refusal; the diagnostics policy."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from thuiswerk import diagnostics, store


def fake_fit(
    seed: int = 0, chains: int = 4, draws: int = 500, shift_chain: float = 0.0, diverging: int = 0
) -> xr.DataTree:
    """A DataTree shaped like a fit, with i.i.d. normal draws (well mixed unless shifted)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(chains, draws, 3))
    theta[0] += shift_chain
    div = np.zeros((chains, draws), dtype=bool)
    div.flat[:diverging] = True
    energy = rng.normal(size=(chains, draws)).cumsum(axis=1) * 0.05 + rng.normal(size=(chains, draws))
    coords = {"chain": np.arange(chains), "draw": np.arange(draws), "k": ["a", "b", "c"]}
    posterior = xr.Dataset({"theta": (("chain", "draw", "k"), theta)}, coords=coords)
    stats = xr.Dataset(
        {"diverging": (("chain", "draw"), div), "energy": (("chain", "draw"), energy)},
        coords={"chain": coords["chain"], "draw": coords["draw"]},
    )
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


PROV = store.Provenance(model="m", spec_hash="s" * 64, data_hash="d" * 64, seed=1)


def test_save_and_read_round_trip_with_provenance(tmp_path):
    path = store.save(fake_fit(), tmp_path / "m.nc", PROV)
    back = store.read(path)
    np.testing.assert_allclose(back["posterior"]["theta"], fake_fit()["posterior"]["theta"])
    assert back.attrs["model"] == "m" and back.attrs["data_hash"] == "d" * 64
    assert "pymc" in back.attrs["package_versions"] and back.attrs["git_commit"]
    assert store.staleness(path, PROV) == []


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.DataTree, "to_netcdf", boom)
    with pytest.raises(KeyboardInterrupt):
        store.save(fake_fit(), tmp_path / "m.nc", PROV)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_the_previous_fit(tmp_path, monkeypatch):
    path = store.save(fake_fit(seed=1), tmp_path / "m.nc", PROV)
    monkeypatch.setattr(xr.DataTree, "to_netcdf", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        store.save(fake_fit(seed=2), path, PROV)
    assert [p.name for p in tmp_path.iterdir()] == ["m.nc"]
    np.testing.assert_allclose(store.read(path)["posterior"]["theta"], fake_fit(seed=1)["posterior"]["theta"])


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"data_hash": "e" * 64}, "data changed"),
        ({"spec_hash": "t" * 64}, "priors, predictors or sampler settings changed"),
        ({"seed": 2}, "seed changed"),
    ],
)
def test_stale_fit_is_refused_naming_what_changed_and_what_to_run(tmp_path, change, word):
    path = store.save(fake_fit(), tmp_path / "m.nc", PROV)
    expected = store.Provenance(**{**PROV.__dict__, **change})
    with pytest.raises(store.StaleFitError, match=word) as info:
        store.load_current(path, expected, "thuiswerk fit m")
    assert "Run: thuiswerk fit m" in str(info.value)


def test_missing_fit_is_refused(tmp_path):
    with pytest.raises(store.StaleFitError, match="no fit"):
        store.load_current(tmp_path / "absent.nc", PROV, "thuiswerk fit m")


def test_data_hash_follows_content_not_column_order():
    import pandas as pd

    a = pd.DataFrame({"x": [1, 2], "y": ["p", "q"]})
    b = pd.DataFrame({"x": [1, 2]})
    h = store.data_hash(a, b)
    assert h == store.data_hash(a[["y", "x"]], b)
    assert h != store.data_hash(a.assign(x=[1, 3]), b)


def test_policy_passes_well_mixed_draws_and_fails_bad_ones():
    good = diagnostics.diagnose(fake_fit())
    assert good["passed"], good["failures"]
    stuck = diagnostics.diagnose(fake_fit(shift_chain=3.0))
    assert not stuck["passed"] and "R-hat" in stuck["failures"]
    short = diagnostics.diagnose(fake_fit(draws=50))
    assert not short["passed"] and "bulk ESS" in short["failures"]
    div = diagnostics.diagnose(fake_fit(diverging=2))
    assert not div["passed"] and "2 divergences" in div["failures"]


def test_variable_table_covers_every_posterior_variable_and_element():
    tree = fake_fit(shift_chain=3.0)
    table = diagnostics.variable_table(tree)
    assert list(table.index) == ["theta"]
    assert table.loc["theta", "elements"] == 3
    assert table.loc["theta", "max_rhat"] > 1.01  # the shifted chain shows up
