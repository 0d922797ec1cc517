"""Fast tier: the faults a fit meets in a real fits folder, one test per case.

A second fit of the same model (refused while the first holds the lock), fits of
different models side by side, leftover ``.part`` files, no room, a full disk or
a refused write while saving, a read-only folder, a truncated fit, the file mode,
and ``az.loo`` on a stored fit. Sampling is replaced by a fake fit where only the
folder matters; one tiny real fit checks the stored log-likelihood layout.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from thuiswerk.core import errors
from thuiswerk.data import simulate
from thuiswerk.modelling import store, workflow
from thuiswerk.modelling.fit import SamplerSettings

SEED = 5
TINY = SamplerSettings(sampler="pymc", chains=2, tune=50, draws=50, prior_draws=50)


@pytest.fixture(scope="module")
def survey_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("faults") / "survey"
    simulate.write(simulate.simulate(n_establishments=25, seed=3), folder)
    return folder


@pytest.fixture(scope="module")
def survey(survey_dir):
    return workflow.load_valid_survey(survey_dir)


def spec(name: str = "workload"):
    return workflow.resolve_specs([name])[0]


def fake_tree(value: float = 0.0) -> xr.DataTree:
    """A small DataTree shaped like a fit (what store.save writes); ``value`` tells two apart."""
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(2, 20, 3)) + value
    coords = {"chain": np.arange(2), "draw": np.arange(20), "k": ["a", "b", "c"]}
    return xr.DataTree.from_dict({"posterior": xr.Dataset({"theta": (("chain", "draw", "k"), theta)}, coords=coords)})


@pytest.fixture
def fake_sampling(monkeypatch):
    """Replace sampling by a fake fit; the list records every (model) sampled."""
    sampled: list[str] = []

    def fake_fit(spec, inputs, settings, seed, progress=True):
        sampled.append(spec.name)
        return fake_tree()

    monkeypatch.setattr(workflow, "fit", fake_fit)
    return sampled


def fit_into(fits: Path, survey, name: str = "workload", **kwargs) -> workflow.FitResult:
    return workflow.fit_model(spec(name), survey, fits, TINY, SEED, progress=False, **kwargs)


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_second_fit_of_the_same_model_is_refused_naming_the_lock(tmp_path, survey, fake_sampling):
    fits = tmp_path / "fits"
    fits.mkdir()
    lock = store.lock_path(fits, "workload")
    holder = subprocess.Popen(  # another process fitting workload into the same folder
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from filelock import FileLock
            lock = FileLock({str(lock)!r})
            lock.acquire()
            print("held", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(errors.FitsLockedError) as info:
            fit_into(fits, survey, lock_timeout=0.3)
        assert str(lock) in str(info.value) and "another process" in str(info.value)
        assert info.value.exit_code == 9
        assert fake_sampling == []  # refused before sampling
    finally:
        holder.kill()  # kill -9: the OS lock ends with its process
        holder.wait()
    result = fit_into(fits, survey, lock_timeout=5)
    assert not result.cached and fake_sampling == ["workload"]


def test_fits_of_different_models_run_side_by_side(tmp_path, survey, fake_sampling):
    from filelock import FileLock

    fits = tmp_path / "fits"
    fits.mkdir()
    with FileLock(str(store.lock_path(fits, "workload")), timeout=0):  # workload is being fitted
        result = fit_into(fits, survey, "complaints", lock_timeout=0.3)
        with pytest.raises(errors.FitsLockedError):
            fit_into(fits, survey, "workload", lock_timeout=0.1)
    assert not result.cached and (fits / "complaints.nc").is_file()
    assert fake_sampling == ["complaints"]


def test_leftover_part_files_are_removed_by_the_next_fit_of_the_model(tmp_path, survey, fake_sampling):
    fits = tmp_path / "fits"
    fits.mkdir()
    leftovers = [fits / ".workload.k3x9_q2a.nc.part", fits / ".workload.0a1b2c3d4e5f.nc.part"]  # mkstemp, ours
    others = [fits / ".workload_employer.abcdefgh.nc.part", fits / "workload.nc.part.keep"]
    for path in leftovers + others:
        path.write_bytes(b"half a fit")
    result = fit_into(fits, survey)
    assert sorted(result.removed) == sorted(leftovers)
    assert not any(p.exists() for p in leftovers)
    assert all(p.exists() for p in others)  # another model's, and not a leftover's name
    leftovers[0].write_bytes(b"half a fit")
    again = fit_into(fits, survey)  # a cache hit cleans up too
    assert again.cached and again.removed == (leftovers[0],) and not leftovers[0].exists()


def test_no_room_is_refused_before_sampling(tmp_path, survey, fake_sampling, monkeypatch):
    fits = tmp_path / "fits"
    real = store.shutil.disk_usage

    def full(path):
        usage = real(path)
        return usage._replace(free=2**20)

    monkeypatch.setattr(store.shutil, "disk_usage", full)
    with pytest.raises(errors.FitsFolderError) as info:
        fit_into(fits, survey)
    message = str(info.value)
    assert str(fits) in message and "1.0 MB free" in message and "Nothing was sampled" in message
    assert info.value.exit_code == 10
    assert fake_sampling == []
    assert names(fits) == {".workload.lock"}  # no probe or part file left


def test_disk_full_while_writing_leaves_nothing_and_keeps_the_old_fit(tmp_path, survey, fake_sampling, monkeypatch):
    fits = tmp_path / "fits"
    fit_into(fits, survey)
    before = (fits / "workload.nc").read_bytes()

    def half_then_full(fd, data):  # the disk fills up halfway through the file
        os.write(fd, bytes(memoryview(data)[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "_write_all", half_then_full)
    with pytest.raises(errors.FitsFolderError, match="no space left") as info:
        fit_into(fits, survey, force=True)
    assert "the previous fit is unchanged" in str(info.value)
    assert names(fits) == {".workload.lock", "workload.nc"}
    assert (fits / "workload.nc").read_bytes() == before


def test_a_write_the_kernel_refuses_is_a_folder_error_not_a_crash(tmp_path):
    """A real refused write (the file-size limit: EFBIG) in a separate process.

    HDF5 writing to the disk itself crashed Python here (exit 139); written from
    memory it is a FitsFolderError (exit 10) with nothing left behind.
    """
    script = textwrap.dedent(f"""
        import resource, signal, sys
        import numpy as np, xarray as xr
        from thuiswerk.core import errors
        from thuiswerk.modelling import store
        theta = np.zeros((4, 2000, 50))
        tree = xr.DataTree.from_dict({{"posterior": xr.Dataset({{"theta": (("chain", "draw", "k"), theta)}})}})
        prov = store.Provenance(model="m", spec_hash="s", data_hash="d", seed=1)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
        try:
            store.save(tree, {str(tmp_path / "m.nc")!r}, prov)
        except errors.FitsFolderError as exc:
            print(exc)
            sys.exit(exc.exit_code)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 10, (run.returncode, run.stdout, run.stderr)
    assert "larger than this process may write" in run.stdout
    assert list(tmp_path.iterdir()) == []


def test_read_only_folder_is_refused_before_sampling(tmp_path, survey, fake_sampling, monkeypatch):
    fits = tmp_path / "fits"
    fit_into(fits, survey)  # a first fit: the folder holds the fit and the lock file
    before = (fits / "workload.nc").read_bytes()
    if os.geteuid() != 0:
        fits.chmod(0o555)
    else:  # root writes through chmod: refuse creating files in the folder as a read-only folder would
        real_open = os.open

        def read_only_open(path, flags, mode=0o777, *args, **kwargs):
            p = Path(os.fsdecode(path))
            if flags & os.O_CREAT and p.parent == fits and not p.exists():
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(p))
            return real_open(path, flags, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", read_only_open)
    try:
        with pytest.raises(errors.FitsFolderError, match="no permission to write") as info:
            fit_into(fits, survey, force=True)
    finally:
        fits.chmod(0o755)
    assert str(fits) in str(info.value)
    assert fake_sampling == ["workload"]  # only the first fit sampled
    assert names(fits) == {".workload.lock", "workload.nc"}
    assert (fits / "workload.nc").read_bytes() == before


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_broken_fit_names_the_file_and_force(tmp_path, survey, fake_sampling, damage):
    fits = tmp_path / "fits"
    fit_into(fits, survey)
    path = fits / "workload.nc"
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2] if damage == "truncated" else b"not a fit\n" * 100)
    data_arg = " --data somewhere"
    for attempt in (
        lambda: workflow.ensure_current(spec(), survey, fits, SEED, data_arg),  # check / report
        lambda: workflow.load_fit(spec(), survey, fits, SEED, data_arg),  # check, compare, findings
        lambda: fit_into(fits, survey, data_arg=data_arg),  # fit: the cache check
        lambda: store.read(path),
    ):
        with pytest.raises(errors.BrokenFitError) as info:
            attempt()
        assert str(path) in str(info.value) and "--force" in str(info.value)
        assert info.value.exit_code == 8
    with pytest.raises(errors.BrokenFitError, match=rf"thuiswerk fit workload --data somewhere --seed {SEED} --force"):
        workflow.ensure_current(spec(), survey, fits, SEED, data_arg)
    result = fit_into(fits, survey, force=True)  # what the message says recovers
    assert not result.cached
    workflow.ensure_current(spec(), survey, fits, SEED)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_fit_file_mode_follows_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = store.save(fake_tree(), tmp_path / "m.nc", store.Provenance("m", "s", "d", 1))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


@pytest.fixture(scope="module")
def tiny_fit(tmp_path_factory, survey) -> Path:
    fits = tmp_path_factory.mktemp("tiny") / "fits"
    result = workflow.fit_model(spec("complaints"), survey, fits, TINY, SEED, progress=False)
    return result.path


def test_az_loo_works_on_a_stored_fit_as_it_is(tiny_fit):
    import arviz as az

    for tree in (store.read(tiny_fit), xr.open_datatree(tiny_fit, engine="h5netcdf")):
        assert list(tree["log_likelihood"].data_vars) == ["y_by_employee"]
        result = az.loo(tree)
        assert np.isfinite(result.elpd)
        assert np.asarray(result.pareto_k).size == tree["log_likelihood"].sizes["employee"]
    tree = store.read(tiny_fit)
    cell = tree[store.CELL_LOGLIK_GROUP]["y"]
    assert cell.dims == ("chain", "draw")  # summed over the cells: all that power-scaling uses
    assert list(tree[store.ESTABLISHMENT_LOGLIK_GROUP].data_vars) == ["y"]
    view = store.with_cell_loglik(tree)  # the per-cell likelihood where ArviZ looks, for power-scaling
    assert list(view["log_likelihood"].data_vars) == ["y"]
    assert list(tree["log_likelihood"].data_vars) == ["y_by_employee"]  # the fit itself unchanged


def test_the_stored_sums_are_those_of_the_per_cell_loglik_and_the_per_element_log_prior(tiny_fit, survey):
    """FIT_FORMAT 11 keeps per draw the sum of the cell log-likelihood and of each variable's log prior;
    recomputed elementwise from the stored posterior with the model, the sums are the same, and so is
    ArviZ's power-scaling sensitivity (which sums them itself)."""
    import arviz as az
    import pymc as pm

    from thuiswerk.modelling import builders

    tree = store.read(tiny_fit)
    model = builders.build(spec("complaints"), workflow.inputs_for(spec("complaints"), survey))
    full = xr.DataTree.from_dict({"posterior": tree["posterior"].to_dataset()})
    with model:
        cells = pm.compute_log_likelihood(full, extend_inferencedata=False, progressbar=False)
        prior = pm.stats.compute_log_prior(full, extend_inferencedata=False, progressbar=False)
    np.testing.assert_allclose(
        tree[store.CELL_LOGLIK_GROUP]["y"].to_numpy(), cells["y"].sum("obs").to_numpy(), rtol=1e-6
    )
    assert set(tree["log_prior"].data_vars) == set(prior.data_vars)
    for name, da in prior.data_vars.items():
        other = [d for d in da.dims if d not in ("chain", "draw")]
        assert tree["log_prior"][name].dims == ("chain", "draw")
        np.testing.assert_allclose(tree["log_prior"][name].to_numpy(), da.sum(other).to_numpy(), rtol=1e-9)
    elementwise = xr.DataTree.from_dict(
        {
            "posterior": tree["posterior"].to_dataset(),
            "log_likelihood": cells,
            "log_prior": prior,
        }
    )
    names = ["sigma_total", "rho"]
    priors = [v for v in prior.data_vars if not str(v).startswith("z_")]
    kwargs = {"var_names": names, "prior_var_names": priors, "likelihood_var_names": ["y"], "round_to": 6}
    stored = az.psense_summary(store.with_cell_loglik(tree), **kwargs)
    np.testing.assert_allclose(
        np.asarray(stored[["prior", "likelihood"]], dtype=float),
        np.asarray(az.psense_summary(elementwise, **kwargs)[["prior", "likelihood"]], dtype=float),
        atol=2e-6,
    )


def test_the_errors_are_the_shared_classes_with_their_exit_codes():
    assert store.StaleFitError is errors.StaleFitError and workflow.InvalidDataError is errors.InvalidDataError
    assert store.BrokenFitError is errors.BrokenFitError and store.FitsFolderError is errors.FitsFolderError
    codes = {errors.StaleFitError: 4, errors.BrokenFitError: 8, errors.FitsLockedError: 9, errors.FitsFolderError: 10}
    assert {cls: cls.exit_code for cls in codes} == codes


# --------------------------------------------------------------------------- faults found by probing


def kill_while_keeping(fits: Path, model: str) -> Path:
    """``kill -9`` of a fit between the two renames of keep_current (a real SIGKILL, in another process);
    the ``.kept/MODEL/.<key>.nc.<random>.part`` file it leaves."""
    script = textwrap.dedent(f"""
        import os, signal
        from thuiswerk.modelling import store
        os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # the second rename
        store.keep_current({str(fits)!r}, {model!r})
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == -signal.SIGKILL, run.stderr
    parts = list((fits / store.KEPT_DIR / model).glob(".*.part"))
    assert len(parts) == 1, parts
    return parts[0]


def test_a_fit_killed_while_keeping_the_replaced_fit_leaves_a_part_the_next_fit_removes(
    tmp_path, survey, fake_sampling
):
    fits = tmp_path / "fits"
    fit_into(fits, survey)
    fit_into(fits, survey, "complaints")
    part = kill_while_keeping(fits, "workload")
    other = kill_while_keeping(fits, "complaints")
    result = fit_into(fits, survey)  # a cache hit: the leftovers go under the model's lock all the same
    assert result.cached and result.removed == (part,)
    assert not part.exists() and other.exists()  # another model's is left to that model's next fit
    fit_into(fits, survey, "complaints", force=True)  # a new fit: keeps the replaced one, no .part left behind
    assert not other.exists()
    assert [p.name for p in (fits / store.KEPT_DIR / "complaints").iterdir() if p.name.endswith(".part")] == []


def test_fits_prune_removes_the_part_of_a_killed_keep(tmp_path, survey, fake_sampling):
    fits = tmp_path / "fits"
    fit_into(fits, survey)
    part = kill_while_keeping(fits, "workload")
    removed = store.prune_kept(fits)
    assert [p for p, _ in removed] == [part] and not part.exists()
    workflow.ensure_current(spec(), survey, fits, SEED)  # the current fit stays


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_fit_path_that_is_no_file_is_reported_before_any_sampling(tmp_path, survey_dir, survey, monkeypatch, kind):
    from typer.testing import CliRunner

    from thuiswerk.cli import app

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled although the fit cannot be stored")

    monkeypatch.setattr(workflow, "fit", no_sampling)
    fits = tmp_path / "fits"
    fits.mkdir()
    path = fits / "workload.nc"
    if kind == "directory":
        path.mkdir()
        what = "is a directory, not a fit file"
    else:
        os.mkfifo(path)
        what = "is a named pipe (FIFO), not a fit file"
    for attempt in (
        lambda: workflow.ensure_current(spec(), survey, fits, SEED),  # check, report
        lambda: workflow.load_fit(spec(), survey, fits, SEED),  # compare, findings
        lambda: fit_into(fits, survey),  # fit: the cache check
    ):
        with pytest.raises(errors.BrokenFitError) as info:
            attempt()
        assert f"{path} {what}" in str(info.value) and "Remove it (rm" in str(info.value)
        assert info.value.exit_code == 8
    with pytest.raises(errors.FitsFolderError) as info:
        fit_into(fits, survey, force=True)  # no cache check: the folder check before sampling
    assert f"{path} {what}" in str(info.value) and "Nothing was sampled" in str(info.value)
    assert info.value.exit_code == 10
    check = CliRunner().invoke(app, ["check", "workload", "--data", str(survey_dir), "--fits", str(fits)])
    assert check.exit_code == 8, check.output
    assert what in check.output and "Traceback" not in check.output


def test_generated_source_goes_to_the_user_cache_not_the_temp_folder(tmp_path):
    """PyTensor writes the Python source of every function it compiles for numba (about 85 files a
    fit) to the temp folder unless told a folder; importing thuiswerk.modelling.fit tells it the user cache."""
    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    script = textwrap.dedent("""
        import pytensor
        import pytensor.tensor as pt
        import thuiswerk.modelling.fit
        x = pt.dvector("x")
        f = pytensor.function([x], pt.exp(x) * 2 + 1, mode="NUMBA")
        print(f([0.0, 1.0]).sum(), pytensor.config.generated_src_dir)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTENSOR_FLAGS"} | {
        "TMPDIR": str(temp),
        "XDG_CACHE_HOME": str(cache),
    }
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    folder = cache / "thuiswerk" / "pytensor-src"
    assert run.stdout.split()[-1] == str(folder)
    assert list(temp.iterdir()) == []
    assert list(folder.glob("*.py"))
    mine = tmp_path / "mine"  # a folder the user chose stays
    env |= {"PYTENSOR_FLAGS": f"generated_src_dir={mine}"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == str(mine) and list(mine.glob("*.py")) and list(temp.iterdir()) == []
