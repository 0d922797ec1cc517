"""The fit store: atomic writes, provenance, staleness and refusal; the diagnostics policy."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from thuiswerk.modelling import diagnostics, store


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


# --------------------------------------------------------------------------- faults found by probing


def _kept_part(fits, model: str, name: str = ".0123456789abcdef0123.nc.a1b2c3d4.part"):
    """A ``.part`` file as keep_current leaves it when killed between its link and its rename."""
    folder = fits / store.KEPT_DIR / model
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"a second name of the replaced fit")
    return path


def test_remove_leftovers_sweeps_the_models_part_files_in_kept(tmp_path):
    mine = _kept_part(tmp_path, "m")
    kept_fit = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "m" / "0123456789abcdef0123.nc", PROV)
    other = _kept_part(tmp_path, "m_employer")  # another model's: its own lock guards it
    removed = store.remove_leftovers(tmp_path, "m")
    assert removed == [mine]
    assert not mine.exists() and kept_fit.exists() and other.exists()


def test_prune_removes_stray_part_files_in_kept_and_reports_them(tmp_path):
    from filelock import FileLock

    kept_fit = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "m" / "0123456789abcdef0123.nc", PROV)
    stray = _kept_part(tmp_path, "m")
    busy = _kept_part(tmp_path, "n")
    assert {p for p, _ in store.prune_kept(tmp_path, dry_run=True)} == {kept_fit, stray, busy}
    assert stray.exists() and busy.exists()
    with FileLock(str(store.lock_path(tmp_path, "n")), timeout=0):  # a fit of n is running: its .part may be live
        removed = store.prune_kept(tmp_path)
    assert {p for p, _ in removed} == {kept_fit, stray}
    assert not kept_fit.exists() and not stray.exists() and busy.exists()
    assert {p for p, _ in store.prune_kept(tmp_path)} == {busy}  # once that fit is over


@pytest.fixture
def refused_unlink(monkeypatch):
    """Deleting anything in a folder whose name is in the returned set fails as in a read-only folder (root
    writes through chmod, so the refusal is simulated)."""
    import errno
    import os
    from pathlib import Path

    read_only: set[str] = set()
    real = Path.unlink

    def unlink(self, missing_ok=False):
        if self.parent.name in read_only:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    return read_only


def test_prune_in_a_read_only_kept_folder_names_what_failed_and_what_was_deleted(tmp_path, refused_unlink):
    stuck = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "m" / "0123456789abcdef0123.nc", PROV)
    gone = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "n" / "fedcba98765432101234.nc", PROV)
    refused_unlink.add("m")
    with pytest.raises(store.FitsFolderError) as info:
        store.prune_kept(tmp_path)
    message = str(info.value)
    assert info.value.exit_code == 10
    assert f"{stuck}: no permission to write there" in message
    assert "cannot delete 1 of 2" in message and f"Deleted 1 file(s), 0 MB:\n  {gone}" in message
    assert f"Make {stuck.parent} writable" in message
    assert stuck.exists() and not gone.exists()


def test_prune_that_deletes_nothing_says_so_and_the_cli_exits_10_without_a_traceback(tmp_path, refused_unlink):
    from typer.testing import CliRunner

    from thuiswerk.cli import app

    stuck = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "m" / "0123456789abcdef0123.nc", PROV)
    refused_unlink.add("m")
    result = CliRunner().invoke(app, ["fits", "prune", "--fits", str(tmp_path)])
    assert result.exit_code == 10, result.output
    assert "Traceback" not in result.output and "Nothing was deleted." in result.output
    assert str(stuck) in result.output and "no permission to write there" in result.output
    assert "Deleted 1 kept fit" not in result.output
    assert stuck.exists()


def test_prune_in_an_immutable_kept_folder_is_a_folder_error(tmp_path):
    """The real fault where the file system allows it: ``chattr +i`` holds even for root."""
    import shutil
    import subprocess

    stuck = store.save(fake_fit(), tmp_path / store.KEPT_DIR / "m" / "0123456789abcdef0123.nc", PROV)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(stuck.parent)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(store.FitsFolderError, match="Nothing was deleted") as info:
            store.prune_kept(tmp_path)
    finally:
        subprocess.run([chattr, "-i", str(stuck.parent)], check=True)
    assert str(stuck) in str(info.value) and stuck.exists()


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_fit_path_that_is_no_file_is_reported_by_the_readers_without_opening_it(tmp_path, kind):
    import os

    path = tmp_path / "m.nc"
    if kind == "directory":
        path.mkdir()
        what, remove = "is a directory, not a fit file", f"rm -r {path}"
    else:
        os.mkfifo(path)  # opening it would wait for a writer for ever
        what, remove = "is a named pipe (FIFO), not a fit file", f"rm {path}"
    for attempt in (
        lambda: store.read_attrs(path, "thuiswerk fit m"),
        lambda: store.read(path, "thuiswerk fit m"),
        lambda: store.staleness(path, PROV, "thuiswerk fit m"),
        lambda: store.load_current(path, PROV, "thuiswerk fit m"),
    ):
        with pytest.raises(store.BrokenFitError) as info:
            attempt()
        assert info.value.exit_code == 8
        assert f"{path} {what}" in str(info.value) and f"Remove it ({remove})" in str(info.value)
        assert "thuiswerk fit m" in str(info.value)
    with pytest.raises(store.FitsFolderError, match=f"{path} {what}".replace("(", r"\(").replace(")", r"\)")) as info:
        store.check_folder(tmp_path, "m", 1000)
    assert info.value.exit_code == 10 and "Nothing was sampled" in str(info.value)
    assert store.keep_current(tmp_path, "m") is None
    frame = store.list_fits(tmp_path)
    assert list(frame["state"]) == ["unreadable"]


def test_git_commit_takes_no_git_lock(monkeypatch):
    import subprocess

    calls: list[list[str]] = []

    def run(args, **kwargs):
        calls.append(list(args))
        return subprocess.CompletedProcess(args, 0, stdout="abc123\n" if "rev-parse" in args else "", stderr="")

    monkeypatch.setattr(store.subprocess, "run", run)
    assert store.git_commit() == "abc123"
    assert [c[:2] for c in calls] == [["git", "--no-optional-locks"]] * 2
    assert [c[-2:] for c in calls][0] == ["rev-parse", "HEAD"] and "status" in calls[1]
